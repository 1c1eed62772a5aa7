import type { Role } from '../sync/protocol';

/**
 * The plain data view of a record that the FHIR export reads: no Yjs, so it is testable and the
 * app builds it from the open session. Entry `data` is outside input (another device wrote it):
 * every mapper checks it with a guard and leaves out what fails.
 *
 * The entry types for profile, conditions, allergies, goals, care plans, documents and work
 * status are defined here as FHIR-side input shapes; the record's entry-type registry points its
 * types at the mappers in `mappers.ts` by type string.
 */

export const PROFILE = 'profile';
export const CONDITION = 'condition';
export const ALLERGY = 'allergy';
export const GOAL = 'goal';
export const CARE_PLAN = 'care-plan';
export const DOCUMENT = 'document';
export const WORK_STATUS = 'work-status';
/** An observation that came in by import (a lab value, a blood pressure…). */
export const OBSERVATION = 'observation';

/** Who wrote an entry, as far as the record knows (the app fills profession and organisation from the grants). */
export interface AuthorInput {
  readonly deviceId: string;
  readonly role: Role;
  readonly name?: string;
  /** e.g. `primary-care`, `physiotherapy`, `hospital`, `employment`, `family`. */
  readonly sector?: string;
  readonly profession?: string;
  readonly organisation?: string;
}

export interface EntryInput {
  readonly id: string;
  readonly type: string;
  /** ISO 8601. */
  readonly at: string;
  /** The compartment the entry lives in (`clinical`, `messages`, `journal`). */
  readonly compartment: string;
  readonly author: AuthorInput;
  readonly data: unknown;
}

export interface ProfileInput {
  readonly given: readonly string[];
  readonly family: string;
  /** Calendar day. */
  readonly birthDate: string;
  readonly gender?: 'female' | 'male' | 'other' | 'unknown';
}

export const CLINICAL_STATUSES = [
  'active',
  'recurrence',
  'relapse',
  'inactive',
  'remission',
  'resolved',
] as const;
export const VERIFICATION_STATUSES = [
  'unconfirmed',
  'provisional',
  'differential',
  'confirmed',
  'refuted',
] as const;

export interface ConditionInput {
  /** What the patient or professional calls it. */
  readonly text: string;
  readonly snomed?: { readonly code: string; readonly display: string };
  readonly icd10?: { readonly code: string; readonly display: string };
  readonly clinicalStatus: (typeof CLINICAL_STATUSES)[number];
  readonly verificationStatus?: (typeof VERIFICATION_STATUSES)[number];
  readonly bodySite?: 'back' | 'neck' | 'leg';
  /** Calendar days. */
  readonly onset?: string;
  readonly abatement?: string;
}

export interface AllergyInput {
  readonly substance: string;
  readonly snomed?: { readonly code: string; readonly display: string };
  readonly clinicalStatus: 'active' | 'inactive' | 'resolved';
  readonly criticality?: 'low' | 'high' | 'unable-to-assess';
  readonly category?: 'food' | 'medication' | 'environment' | 'biologic';
  readonly reaction?: string;
}

export const GOAL_STATUSES = [
  'proposed',
  'planned',
  'accepted',
  'active',
  'on-hold',
  'completed',
  'cancelled',
] as const;

export interface GoalInput {
  readonly text: string;
  readonly status: (typeof GOAL_STATUSES)[number];
  /** Calendar day. */
  readonly due?: string;
}

export const CARE_PLAN_STATUSES = ['draft', 'active', 'on-hold', 'revoked', 'completed'] as const;

export interface CarePlanInput {
  readonly title: string;
  readonly status: (typeof CARE_PLAN_STATUSES)[number];
  readonly activities: readonly string[];
  readonly start?: string;
  readonly end?: string;
}

export interface DocumentInput {
  readonly title: string;
  readonly contentType: string;
  /** Bytes. */
  readonly size?: number;
  /** Calendar day the document is from. */
  readonly date?: string;
  readonly status?: 'current' | 'superseded';
}

export const WORK_STATUSES = [
  'working',
  'reduced-hours',
  'sick-leave',
  'not-working',
  'job-seeking',
  'other',
] as const;

export interface WorkStatusInput {
  readonly status: (typeof WORK_STATUSES)[number];
  /** Share of usual hours worked, for reduced hours. */
  readonly percent?: number;
  readonly from?: string;
  /** Calendar day: until when (a sick leave's last day, when known). */
  readonly to?: string;
  /** `other`: the patient's words. */
  readonly text?: string;
}

export interface ObservationInput {
  readonly code: { readonly system: string; readonly code: string; readonly display?: string };
  readonly text: string;
  readonly value: number | string;
  readonly unit?: string;
}

/** One sharing grant (from the manifest and its access events). */
export interface GrantInput {
  /** Hex of the grantee's device key. */
  readonly device: string;
  readonly role: Exclude<Role, 'owner'>;
  readonly person: {
    readonly kind: 'professional' | 'relative';
    readonly name: string;
    readonly profession: string;
    readonly organisation: string;
    readonly sector: string;
  };
  readonly compartments: readonly string[];
  /** ISO 8601. */
  readonly since: string;
  readonly notAfter: string | null;
  readonly active: boolean;
}

export interface RecordView {
  readonly recordId: string;
  /** The owner's device (the patient as author). */
  readonly profile: ProfileInput | null;
  readonly entries: readonly EntryInput[];
  readonly grants: readonly GrantInput[];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const text = (v: unknown, max: number): v is string =>
  typeof v === 'string' && v.trim() !== '' && v.length <= max;
const optDay = (v: unknown) => v === undefined || (typeof v === 'string' && DAY.test(v));
const oneOf = <T extends string>(list: readonly T[], v: unknown): v is T =>
  typeof v === 'string' && (list as readonly string[]).includes(v);
const coded = (v: unknown, code: RegExp) =>
  v === undefined ||
  (obj(v) && typeof v['code'] === 'string' && code.test(v['code']) && text(v['display'], 200));

const SNOMED_ID = /^\d{6,18}$/;
const ICD10 = /^[A-Z]\d{2}(\.\d{1,2})?$/;

export function isProfileInput(v: unknown): v is ProfileInput {
  if (!obj(v)) return false;
  const { given, family, birthDate, gender } = v;
  return (
    Array.isArray(given) &&
    given.length <= 5 &&
    given.every((g) => text(g, 100)) &&
    text(family, 100) &&
    typeof birthDate === 'string' &&
    DAY.test(birthDate) &&
    (gender === undefined || oneOf(['female', 'male', 'other', 'unknown'], gender))
  );
}

export function isConditionInput(v: unknown): v is ConditionInput {
  return (
    obj(v) &&
    text(v['text'], 200) &&
    coded(v['snomed'], SNOMED_ID) &&
    coded(v['icd10'], ICD10) &&
    oneOf(CLINICAL_STATUSES, v['clinicalStatus']) &&
    (v['verificationStatus'] === undefined ||
      oneOf(VERIFICATION_STATUSES, v['verificationStatus'])) &&
    (v['bodySite'] === undefined || oneOf(['back', 'neck', 'leg'], v['bodySite'])) &&
    optDay(v['onset']) &&
    optDay(v['abatement'])
  );
}

/** An allergy list that states no allergy is known (SNOMED CT 716186003 and its kin). */
export interface NoKnownAllergyInput {
  readonly noKnownAllergies: true;
}

export function isNoKnownAllergyInput(v: unknown): v is NoKnownAllergyInput {
  return obj(v) && Object.keys(v).length === 1 && v['noKnownAllergies'] === true;
}

export function isAllergyInput(v: unknown): v is AllergyInput {
  return (
    obj(v) &&
    text(v['substance'], 200) &&
    coded(v['snomed'], SNOMED_ID) &&
    oneOf(['active', 'inactive', 'resolved'], v['clinicalStatus']) &&
    (v['criticality'] === undefined ||
      oneOf(['low', 'high', 'unable-to-assess'], v['criticality'])) &&
    (v['category'] === undefined ||
      oneOf(['food', 'medication', 'environment', 'biologic'], v['category'])) &&
    (v['reaction'] === undefined || text(v['reaction'], 200))
  );
}

export function isGoalInput(v: unknown): v is GoalInput {
  return obj(v) && text(v['text'], 500) && oneOf(GOAL_STATUSES, v['status']) && optDay(v['due']);
}

export function isCarePlanInput(v: unknown): v is CarePlanInput {
  if (!obj(v)) return false;
  const acts = v['activities'];
  return (
    text(v['title'], 200) &&
    oneOf(CARE_PLAN_STATUSES, v['status']) &&
    Array.isArray(acts) &&
    acts.length <= 50 &&
    acts.every((a) => text(a, 500)) &&
    optDay(v['start']) &&
    optDay(v['end'])
  );
}

export function isDocumentInput(v: unknown): v is DocumentInput {
  if (!obj(v)) return false;
  const size = v['size'];
  return (
    text(v['title'], 200) &&
    typeof v['contentType'] === 'string' &&
    /^[a-z]+\/[a-z0-9.+-]+$/.test(v['contentType']) &&
    (size === undefined || (typeof size === 'number' && Number.isSafeInteger(size) && size >= 0)) &&
    optDay(v['date']) &&
    (v['status'] === undefined || oneOf(['current', 'superseded'], v['status']))
  );
}

export function isWorkStatusInput(v: unknown): v is WorkStatusInput {
  if (!obj(v)) return false;
  const p = v['percent'];
  return (
    oneOf(WORK_STATUSES, v['status']) &&
    (p === undefined || (typeof p === 'number' && Number.isInteger(p) && p >= 0 && p <= 100)) &&
    optDay(v['from']) &&
    optDay(v['to']) &&
    (v['text'] === undefined || text(v['text'], 200))
  );
}

export function isObservationInput(v: unknown): v is ObservationInput {
  if (!obj(v)) return false;
  const code = v['code'];
  const value = v['value'];
  return (
    obj(code) &&
    text(code['system'], 200) &&
    text(code['code'], 100) &&
    (code['display'] === undefined || text(code['display'], 200)) &&
    text(v['text'], 200) &&
    ((typeof value === 'number' && Number.isFinite(value)) || text(value, 200)) &&
    (v['unit'] === undefined || text(v['unit'], 50))
  );
}
