import {
  CONDITION_CODES,
  CONDITION_CODE_NAMES,
  isAllergy,
  isCondition,
  PROBLEM_TEXT_MAX,
  type Allergy,
  type Condition,
  type ConditionCode,
} from '../record/problems';
import type { AllergyInput, ConditionInput } from './input';

/**
 * The record's own condition and allergy entries (`core/record/problems.ts`, the registry's
 * `condition` and `allergy` types) in the FHIR-side input shapes the mappers read, and back: what
 * an import writes must pass the registry's guards, which every device checks.
 *
 * Displays: SNOMED CT preferred terms and WHO ICD-10 titles of the codes in `CONDITION_CODES`
 * (sources listed there).
 */

const DISPLAYS: Record<ConditionCode, { snomed: string; icd10: string; site: 'back' | 'neck' }> = {
  'low-back-pain': { snomed: 'Low back pain', icd10: 'Low back pain', site: 'back' },
  'neck-pain': { snomed: 'Neck pain', icd10: 'Cervicalgia', site: 'neck' },
  sciatica: { snomed: 'Sciatica', icd10: 'Sciatica', site: 'back' },
  whiplash: {
    snomed: 'Whiplash injury to neck',
    icd10: 'Sprain and strain of cervical spine',
    site: 'neck',
  },
  'lumbar-stenosis': {
    snomed: 'Spinal stenosis of lumbar region',
    icd10: 'Spinal stenosis',
    site: 'back',
  },
};

/** A record condition as FHIR input; `null` when it is not one. */
export function conditionFromRecord(data: unknown): ConditionInput | null {
  if (!isCondition(data)) return null;
  const c: Condition = data;
  if (c.code) {
    const codes = CONDITION_CODES[c.code];
    const d = DISPLAYS[c.code];
    return {
      text: c.text ?? d.snomed,
      snomed: { code: codes.snomed, display: d.snomed },
      icd10: { code: codes.icd10, display: d.icd10 },
      clinicalStatus: c.status,
      bodySite: d.site,
      ...(c.onset ? { onset: c.onset } : {}),
    };
  }
  return {
    text: c.text ?? '',
    clinicalStatus: c.status,
    ...(c.onset ? { onset: c.onset } : {}),
  };
}

/** A record allergy as FHIR input; `null` for "no known allergies" or what is not one. */
export function allergyFromRecord(data: unknown): AllergyInput | null {
  if (!isAllergy(data)) return null;
  const a: Allergy = data;
  if (a.kind === 'none') return null;
  return {
    substance: a.substance,
    clinicalStatus: 'active',
    ...(a.criticality ? { criticality: a.criticality } : {}),
    ...(a.reaction ? { reaction: a.reaction } : {}),
  };
}

const RESOLVED = ['inactive', 'remission', 'resolved'];

/**
 * An imported condition as a record entry: one of the record's coded conditions when its SNOMED
 * CT or ICD-10 code is one of them, else its text. `null` when it cannot be kept (no text).
 */
export function conditionToRecord(c: ConditionInput): Condition | null {
  const code = CONDITION_CODE_NAMES.find(
    (k) =>
      (c.snomed && CONDITION_CODES[k].snomed === c.snomed.code) ||
      (!c.snomed && c.icd10 && CONDITION_CODES[k].icd10 === c.icd10.code),
  );
  const text = c.text.trim().replace(/\s+/g, ' ').slice(0, PROBLEM_TEXT_MAX);
  const out: Condition = {
    ...(code ? { code } : { text }),
    side: 'none',
    status: RESOLVED.includes(c.clinicalStatus) ? 'resolved' : 'active',
    ...(c.onset ? { onset: c.onset } : {}),
  };
  return isCondition(out) ? out : null;
}

/** An imported allergy as a record entry; `null` when it cannot be kept. */
export function allergyToRecord(a: AllergyInput): Allergy | null {
  const out: Allergy = {
    kind: 'allergy',
    substance: a.substance.trim().replace(/\s+/g, ' ').slice(0, PROBLEM_TEXT_MAX),
    ...(a.reaction
      ? { reaction: a.reaction.trim().replace(/\s+/g, ' ').slice(0, PROBLEM_TEXT_MAX) }
      : {}),
    ...(a.criticality ? { criticality: a.criticality } : {}),
  };
  return isAllergy(out) ? out : null;
}
