import { isImportProvenance, type ImportProvenance } from './provenance';

/**
 * A result from another system (issue 13 item 3): an Observation that an imported IPS or FHIR
 * Bundle holds and the record has no own type for (HbA1c, blood pressure, a lab value). It keeps
 * the code and wording it came with, its value and unit, and where it came from; it exists only
 * by import, so `source` is required. The export gives it back as an Observation with its code.
 */
export const RESULT = 'observation';

export interface ResultCode {
  readonly system: string;
  readonly code: string;
  readonly display?: string;
}

export interface ImportedResult {
  readonly code: ResultCode;
  /** What was measured, in the words of the system it came from ("HbA1c"). */
  readonly text: string;
  readonly value: number | string;
  readonly unit?: string;
  readonly source: ImportProvenance;
}

const hasControl = (v: string) =>
  [...v].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127);
const text = (v: unknown, max: number): v is string =>
  typeof v === 'string' && v.trim() !== '' && v.length <= max && !hasControl(v);
const only = (o: object, keys: readonly string[]) => Object.keys(o).every((k) => keys.includes(k));
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function isImportedResult(v: unknown): v is ImportedResult {
  if (!isObject(v) || !only(v, ['code', 'text', 'value', 'unit', 'source'])) return false;
  const code = v['code'];
  const value = v['value'];
  return (
    isObject(code) &&
    only(code, ['system', 'code', 'display']) &&
    text(code['system'], 200) &&
    text(code['code'], 100) &&
    (code['display'] === undefined || text(code['display'], 200)) &&
    text(v['text'], 200) &&
    ((typeof value === 'number' && Number.isFinite(value)) || text(value, 200)) &&
    (v['unit'] === undefined || text(v['unit'], 50)) &&
    isImportProvenance(v['source'])
  );
}

/** "HbA1c 38 mmol/mol", as the summary and the timeline read it. */
export function resultText(r: ImportedResult): string {
  return `${r.text} ${r.value}${r.unit ? ` ${r.unit}` : ''}`;
}
