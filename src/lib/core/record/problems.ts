import { isCalendarDay } from './medicines';
import { isOptionalProvenance, type ImportProvenance } from './provenance';

/**
 * Problems and allergies (issue 12 item 3), in the clinical compartment.
 *
 * Conditions come from a short coded list for back and neck pain, or free text. Codes per
 * condition (SNOMED CT, ICD-10 (WHO), ICPC-2):
 * - low back pain, neck pain: `/work/shared/research/phr.md` §3 (SNOMED 279039007 / 81680005;
 *   ICD-10 M54.5 / M54.2; ICPC-2 L03 / L01).
 * - sciatica / radicular leg pain: SNOMED 23056005 "Sciatica" and ICD-10 M54.3 (public code
 *   lists found with the search tool, e.g. a SNOMED→ICD-10 map listing 23056005 → M54.3x);
 *   ICPC-2 L86 "Back syndrome with radiating pain" (ICPC-2 L chapter table, research file's
 *   L84/L86).
 * - whiplash-associated disorder: SNOMED 39848009 "Whiplash injury to neck" (OMOP concept
 *   table); ICD-10 S13.4 "Sprain and strain of cervical spine" (the SNOMED→ICD-10 map gives
 *   S13.4XXA, ICD-10-CM's form of S13.4); ICPC-2 L83 "Neck syndrome" (research file).
 * - lumbar spinal stenosis: SNOMED 18347007 "Spinal stenosis of lumbar region" (public SNOMED
 *   pathology tables); ICD-10 M48.0 "Spinal stenosis" (WHO; the lumbar site subcode M48.06 is
 *   optional); ICPC-2 L86 (research file's L84/L86; stenosis with leg symptoms radiates).
 */
export const CONDITION = 'condition';
export const ALLERGY = 'allergy';

export const CONDITION_CODES = {
  'low-back-pain': { snomed: '279039007', icd10: 'M54.5', icpc2: 'L03' },
  'neck-pain': { snomed: '81680005', icd10: 'M54.2', icpc2: 'L01' },
  sciatica: { snomed: '23056005', icd10: 'M54.3', icpc2: 'L86' },
  whiplash: { snomed: '39848009', icd10: 'S13.4', icpc2: 'L83' },
  'lumbar-stenosis': { snomed: '18347007', icd10: 'M48.0', icpc2: 'L86' },
} as const;
export type ConditionCode = keyof typeof CONDITION_CODES;
export const CONDITION_CODE_NAMES = Object.keys(CONDITION_CODES) as ConditionCode[];

export const SIDES = ['none', 'left', 'right', 'both'] as const;
export type Side = (typeof SIDES)[number];
export const CONDITION_STATUSES = ['active', 'resolved'] as const;
export type ConditionStatus = (typeof CONDITION_STATUSES)[number];

/** A condition: a coded one from the list, or free text (exactly one of the two). */
export interface Condition {
  readonly code?: ConditionCode;
  readonly text?: string;
  readonly side: Side;
  /** `YYYY-MM-DD`, when known. */
  readonly onset?: string;
  readonly status: ConditionStatus;
  /** Set when imported from a FHIR document. */
  readonly source?: ImportProvenance;
}

export const ALLERGY_KINDS = ['allergy', 'intolerance', 'none'] as const;
export type AllergyKind = (typeof ALLERGY_KINDS)[number];
/** FHIR AllergyIntolerance.criticality. */
export const CRITICALITIES = ['low', 'high', 'unable-to-assess'] as const;
export type Criticality = (typeof CRITICALITIES)[number];

/** An allergy or intolerance to a substance, or the explicit "no known allergies". */
export type Allergy =
  | { readonly kind: 'none'; readonly source?: ImportProvenance }
  | {
      readonly kind: 'allergy' | 'intolerance';
      readonly substance: string;
      readonly reaction?: string;
      readonly criticality?: Criticality;
      /** Set when imported from a FHIR document. */
      readonly source?: ImportProvenance;
    };

/** Control characters (newlines included) do not belong in a short field. */
const hasControl = (v: string) =>
  [...v].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127);

export const PROBLEM_TEXT_MAX = 200;
const text = (v: unknown) =>
  typeof v === 'string' && v.trim() !== '' && v.length <= PROBLEM_TEXT_MAX && !hasControl(v);
const only = (d: Record<string, unknown>, keys: readonly string[]) =>
  Object.keys(d).every((k) => keys.includes(k));
const plain = (data: unknown): data is Record<string, unknown> =>
  typeof data === 'object' && data !== null && !Array.isArray(data);

export function isCondition(data: unknown): data is Condition {
  if (!plain(data) || !only(data, ['code', 'text', 'side', 'onset', 'status', 'source'])) {
    return false;
  }
  if (!isOptionalProvenance(data['source'])) return false;
  const { code, text: free, side, onset, status } = data;
  const coded = code !== undefined;
  if (coded === (free !== undefined)) return false;
  if (coded && !(typeof code === 'string' && Object.hasOwn(CONDITION_CODES, code))) return false;
  if (!coded && !text(free)) return false;
  return (
    (SIDES as readonly unknown[]).includes(side) &&
    (CONDITION_STATUSES as readonly unknown[]).includes(status) &&
    (onset === undefined || isCalendarDay(onset))
  );
}

export function isAllergy(data: unknown): data is Allergy {
  if (!plain(data)) return false;
  // "No known allergies", typed by the patient or imported (then with its source).
  if (data['kind'] === 'none')
    return only(data, ['kind', 'source']) && isOptionalProvenance(data['source']);
  if (data['kind'] !== 'allergy' && data['kind'] !== 'intolerance') return false;
  if (!only(data, ['kind', 'substance', 'reaction', 'criticality', 'source'])) return false;
  if (!isOptionalProvenance(data['source'])) return false;
  const { substance, reaction, criticality } = data;
  return (
    text(substance) &&
    (reaction === undefined || text(reaction)) &&
    (criticality === undefined || (CRITICALITIES as readonly unknown[]).includes(criticality))
  );
}
