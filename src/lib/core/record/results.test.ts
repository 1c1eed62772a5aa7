import { describe, expect, it } from 'vitest';
import { isImportedResult, resultText, type ImportedResult } from './results';

const hba1c: ImportedResult = {
  code: { system: 'http://loinc.org', code: '4548-4', display: 'Hemoglobin A1c' },
  text: 'HbA1c',
  value: 38,
  unit: 'mmol/mol',
  source: { from: 'Region Hovedstaden', date: '2026-10-01', key: 'urn:x#obs-1' },
};

describe('isImportedResult (a result from another system)', () => {
  it('takes a coded value with its unit and source', () => {
    expect(isImportedResult(hba1c)).toBe(true);
    expect(isImportedResult({ ...hba1c, value: 'negative', unit: undefined })).toBe(true);
    expect(resultText(hba1c)).toBe('HbA1c 38 mmol/mol');
  });

  it('refuses one without a source, a code or a finite value, or with extra fields', () => {
    expect(isImportedResult({ ...hba1c, source: undefined })).toBe(false);
    expect(isImportedResult({ ...hba1c, code: { system: 'x' } })).toBe(false);
    expect(isImportedResult({ ...hba1c, value: Number.NaN })).toBe(false);
    expect(isImportedResult({ ...hba1c, value: '' })).toBe(false);
    expect(isImportedResult({ ...hba1c, text: 'a\u0000b' })).toBe(false);
    expect(isImportedResult({ ...hba1c, extra: 1 })).toBe(false);
    expect(
      isImportedResult({ ...hba1c, source: { from: 'x', date: '2026-02-30', key: 'k' } }),
    ).toBe(false);
  });
});
