import { describe, expect, expectTypeOf, it } from 'vitest';
import { SKIP_REASONS, type SkipCode, type Skipped } from '$lib/core/fhir/import';
import { catalogues, LOCALES, loadCatalogue } from '$lib/i18n';
import en from '$lib/i18n/en';
import { APP_SKIP } from './fhir-import';

/**
 * Why an import leaves something out is written twice in English: by the FHIR reader and the app
 * (`reason`, for developers' logs and the command line) and in the catalogue (what the patient
 * reads, `fhirImport.skip.<code>`). They say the same sentence, except where the catalogue puts
 * it in the patient's words; those pairs are pinned here, so a change to either side is read
 * against the other before it passes.
 */
const REWORDED: Readonly<Partial<Record<Skipped['code'], { reason: string; patient: string }>>> = {
  // "Bundle" is FHIR's word; the patient opened a file.
  'medicine-missing': {
    reason: 'the medicine it refers to is not in the Bundle',
    patient: 'the medicine it refers to is not in the file',
  },
  'derived-score': {
    reason:
      'a score derived from a questionnaire response in this Bundle (scored again from its answers)',
    patient: 'a score worked out from answers in this file (scored again from the answers)',
  },
  // The app calls an imported observation a result.
  'observation-no-code': {
    reason: 'an observation without a code',
    patient: 'a result without a code',
  },
  'observation-no-value': {
    reason: 'an observation without a value',
    patient: 'a result without a value',
  },
  'observation-unreadable': {
    reason: 'an observation that cannot be read',
    patient: 'a result that cannot be read',
  },
  // The patient reads "your record".
  'pain-no-site': {
    reason:
      'a pain rating that does not say where it hurts: the record keeps back, leg and neck pain',
    patient:
      'a pain rating that does not say where it hurts: your record keeps back, leg and neck pain',
  },
  'work-no-fit': {
    reason:
      'a work status this record has no place for (not working without a reason, or reduced hours without the share of usual hours)',
    patient:
      'a work status your record has no place for (not working without a reason, or reduced hours without the share of usual hours)',
  },
  'careplan-not-kept': {
    reason:
      'a care plan is written in the record by the care team; an import cannot add one in their name',
    patient:
      'a care plan: only your care team writes plans in your record, and an import cannot add one in their name',
  },
  'motion-not-kept': {
    reason:
      'a range of motion measured elsewhere is not added to the own movement tests: measured another way, it does not compare',
    patient:
      'a movement measurement from elsewhere: measured another way, it does not compare with the tests in your record',
  },
  // The patient is also told what to do about it.
  'allergy-conflict': {
    reason: 'states no allergy is known, but this record lists allergies',
    patient:
      'states no allergy is known, but your record lists allergies: check with whoever sent it',
  },
};

const REASONS: Readonly<Record<Skipped['code'], string>> = { ...SKIP_REASONS, ...APP_SKIP };
const CODES = Object.keys(REASONS) as Skipped['code'][];
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

for (const code of LOCALES) await loadCatalogue(code);

describe('the reasons an import leaves something out', () => {
  it('are one list of codes: the reader’s and the app’s, apart, and nothing else', () => {
    expectTypeOf<Skipped['code']>().toEqualTypeOf<SkipCode | keyof typeof APP_SKIP>();
    expect(Object.keys(SKIP_REASONS).filter((c) => c in APP_SKIP)).toEqual([]);
    expect(Object.keys(en.fhirImport.skip).sort()).toEqual([...CODES].sort());
  });

  it.each(CODES)('%s: the English reason is the catalogue’s sentence', (code) => {
    const patient: string = en.fhirImport.skip[code];
    const pinned = REWORDED[code];
    if (pinned) {
      expect(REASONS[code]).toBe(pinned.reason);
      expect(patient).toBe(pinned.patient);
    } else {
      expect(patient).toBe(REASONS[code]);
    }
    expect(placeholders(patient)).toEqual(placeholders(REASONS[code]));
  });

  it.each(LOCALES.filter((l) => l !== 'en'))('%s has every reason, with its placeholders', (l) => {
    const skip: Readonly<Record<string, string>> = catalogues[l]!.fhirImport.skip;
    expect(Object.keys(skip).sort()).toEqual([...CODES].sort());
    for (const code of CODES) {
      expect(skip[code], `${l} ${code}`).not.toBe('');
      expect(placeholders(skip[code]!), `${l} ${code}`).toEqual(placeholders(REASONS[code]));
    }
  });
});
