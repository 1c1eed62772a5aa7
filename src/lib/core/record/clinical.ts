import {
  MOTION_TESTS,
  NECK_PLANES,
  type MotionTestKind,
  type NeckPlane,
  type PlaneResult,
} from '../measure/rom';
import {
  answersProblem,
  currentOrder,
  INSTRUMENT,
  isInstrumentId,
  structureProblem,
  type InstrumentDef,
  type InstrumentId,
} from '../instruments/definitions';
import { isCalendarDay } from './medicines';
import { isOptionalProvenance, type ImportProvenance } from './provenance';

/**
 * Clinical entry types beyond the pain check-in (clinical compartment). Data written by other
 * devices is outside input: every reader checks it with the guards here and skips what fails.
 */

/** A completed questionnaire; the score is computed on reading, from the answers. */
export const QUESTIONNAIRE = 'questionnaire';

/** Answers in an instrument's item order, as the app handles them. */
export interface QuestionnaireResponse {
  readonly instrument: InstrumentId;
  /**
   * [ORE-7] The instrument version whose item order `answers` follows; absent means version 1.
   */
  readonly version?: number;
  /** Answer values per item as the instrument defines them; null for a blank item. */
  readonly answers: ReadonlyArray<number | null>;
  /** Entered by a professional from the paper form with the patient (`clinic-entries.ts`). */
  readonly enteredWithPatient?: true;
  /** Imported from another system (issue 13): who recorded it and when. */
  readonly source?: ImportProvenance;
}

/** A response put into today's item order (version = the instrument's current version). */
export interface CurrentResponse extends QuestionnaireResponse {
  readonly version: number;
}

/**
 * [ORE-7] A response as an entry stores it. Version 1 (no `version`): `answers` is an array in
 * the instrument's first item order. Version 2 and later: `answers` is keyed by item key, so it
 * says which item each answer belongs to, and an app that predates the version (and would read
 * an array in its own order) skips it instead of scoring it wrong.
 */
export type StoredQuestionnaireResponse = (
  | { readonly instrument: InstrumentId; readonly answers: ReadonlyArray<number | null> }
  | {
      readonly instrument: InstrumentId;
      readonly version: number;
      readonly answers: Readonly<Record<string, number | null>>;
    }
) & { readonly enteredWithPatient?: true; readonly source?: ImportProvenance };

/** `enteredWithPatient`, when present, is `true` (rule 30); `source`, when present, is valid. */
const withPatientOk = (data: object) =>
  (!Object.hasOwn(data, 'enteredWithPatient') ||
    (data as { enteredWithPatient?: unknown }).enteredWithPatient === true) &&
  isOptionalProvenance((data as { source?: unknown }).source);

const responseVersion = (v: unknown): number | null =>
  v === undefined ? 1 : typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : null;

/** Keyed answers in the definition's order; null unless the keys are exactly the items'. */
function fromKeyed(def: InstrumentDef, answers: unknown): unknown[] | null {
  if (typeof answers !== 'object' || answers === null || Array.isArray(answers)) return null;
  const record = answers as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length !== def.items.length) return null;
  if (!def.items.every((item) => Object.hasOwn(record, item.key))) return null;
  return def.items.map((item) => record[item.key]);
}

/**
 * Reads a stored response from any device, old or new: checks it, puts the answers into today's
 * item order, and returns null for anything that does not fit the form (wrong count or keys, a
 * value the item does not take, an unknown version). Too many blanks still reads: it shows as
 * "not scored".
 */
export function readQuestionnaireResponse(data: unknown): CurrentResponse | null {
  if (typeof data !== 'object' || data === null) return null;
  const { instrument, version, answers } = data as Record<string, unknown>;
  if (!isInstrumentId(instrument)) return null;
  const def = INSTRUMENT[instrument];
  const v = responseVersion(version);
  if (v === null) return null;
  let ordered: unknown[] | null;
  if (v === 1) {
    ordered = Array.isArray(answers) ? currentOrder<unknown>(def, 1, answers) : null;
  } else {
    ordered = v === def.version ? fromKeyed(def, answers) : null;
  }
  if (ordered === null || structureProblem(def, ordered) !== null) return null;
  return { instrument, version: def.version, answers: ordered as Array<number | null> };
}

/** Whether stored data (any device's, any version this app reads) is a readable response. */
export function isStoredQuestionnaireResponse(data: unknown): data is StoredQuestionnaireResponse {
  return readQuestionnaireResponse(data) !== null && withPatientOk(data as object);
}

/**
 * Answers this app accepts to write: in today's item order (`version` absent = 1), and
 * scorable. {@link newQuestionnaireResponse} turns them into what the entry stores.
 */
export function isQuestionnaireResponse(data: unknown): data is QuestionnaireResponse {
  if (typeof data !== 'object' || data === null) return false;
  const { instrument, version, answers } = data as { [k: string]: unknown };
  return (
    isInstrumentId(instrument) &&
    responseVersion(version) === INSTRUMENT[instrument].version &&
    Array.isArray(answers) &&
    answersProblem(INSTRUMENT[instrument], answers) === null &&
    withPatientOk(data)
  );
}

/** The response to store, in the stored form of today's version; null when not scorable. */
export function newQuestionnaireResponse(
  data: QuestionnaireResponse,
): StoredQuestionnaireResponse | null {
  if (!isQuestionnaireResponse(data)) return null;
  const stored = storedForm({ ...data, version: INSTRUMENT[data.instrument].version });
  return {
    ...stored,
    ...(data.enteredWithPatient === true ? { enteredWithPatient: true as const } : {}),
    ...(data.source ? { source: data.source } : {}),
  };
}

/** A response in today's order, as an entry stores it (keyed from version 2 on). */
export function storedForm(response: CurrentResponse): StoredQuestionnaireResponse {
  const def = INSTRUMENT[response.instrument];
  if (def.version === 1) return { instrument: def.id, answers: response.answers.slice() };
  return {
    instrument: def.id,
    version: def.version,
    answers: Object.fromEntries(def.items.map((item, i) => [item.key, response.answers[i]!])),
  };
}

/** Something that happened in care: shown on the charts as a marker. */
export const CARE_EVENT = 'care-event';
export const CARE_EVENT_KINDS = ['visit', 'treatment', 'imaging', 'sick-leave', 'other'] as const;
export type CareEventKind = (typeof CARE_EVENT_KINDS)[number];
export interface CareEvent {
  readonly kind: CareEventKind;
  /** e.g. "Physiotherapy, first session". */
  readonly label: string;
  /**
   * The calendar day `YYYY-MM-DD` when the event was entered by its date alone: readers show the
   * day and no time of day (the entry's own time is when it was written down, not a visit time).
   */
  readonly date?: string;
}

export { MEDICATION, isMedication, type Medication } from './medicines';

/** Screening questions for signs that need urgent assessment (SPEC RF-1..3). */
export const RED_FLAGS = 'red-flags';
export const RED_FLAG_ITEMS = [
  'bladder-bowel',
  'saddle-numbness',
  'leg-weakness',
  'fever',
  'weight-loss',
  'cancer-history',
  'trauma',
  'night-pain',
] as const;
export type RedFlagItem = (typeof RED_FLAG_ITEMS)[number];
/** [RF-2] These need care the same day (possible cauda equina syndrome). */
export const URGENT_RED_FLAGS: readonly RedFlagItem[] = ['bladder-bowel', 'saddle-numbness'];
export interface RedFlags {
  readonly answers: Readonly<Record<RedFlagItem, boolean>>;
}

const short = (v: unknown, max: number) =>
  typeof v === 'string' && v.trim() !== '' && v.length <= max;

export function isCareEvent(data: unknown): data is CareEvent {
  if (typeof data !== 'object' || data === null) return false;
  const { kind, label, date } = data as Record<string, unknown>;
  return (
    (CARE_EVENT_KINDS as readonly unknown[]).includes(kind) &&
    short(label, 200) &&
    (date === undefined || isCalendarDay(date))
  );
}

export function isRedFlags(data: unknown): data is RedFlags {
  if (typeof data !== 'object' || data === null) return false;
  const answers = (data as { answers?: unknown }).answers;
  if (typeof answers !== 'object' || answers === null) return false;
  const keys = Object.keys(answers);
  return (
    keys.length === RED_FLAG_ITEMS.length &&
    RED_FLAG_ITEMS.every((k) => typeof (answers as Record<string, unknown>)[k] === 'boolean')
  );
}

/** Red flags answered yes. */
export function positiveFlags(flags: RedFlags): RedFlagItem[] {
  return RED_FLAG_ITEMS.filter((k) => flags.answers[k]);
}

/** [PSFS-1..3] Patient-Specific Functional Scale: the patient's own activities, each 0–10. */
export const PSFS = 'psfs';
export interface PsfsResponse {
  readonly activities: ReadonlyArray<{ readonly activity: string; readonly rating: number }>;
  /** Imported from another system (issue 13): who recorded it and when. */
  readonly source?: ImportProvenance;
}
export const PSFS_MAX_ACTIVITY = 120;

export function isPsfsResponse(data: unknown): data is PsfsResponse {
  if (typeof data !== 'object' || data === null) return false;
  const { activities: list, source } = data as { activities?: unknown; source?: unknown };
  if (!isOptionalProvenance(source)) return false;
  if (!Array.isArray(list) || list.length < 1 || list.length > 5) return false;
  return list.every((a: unknown) => {
    if (typeof a !== 'object' || a === null) return false;
    const { activity, rating } = a as Record<string, unknown>;
    return (
      short(activity, PSFS_MAX_ACTIVITY) &&
      typeof rating === 'number' &&
      Number.isInteger(rating) &&
      rating >= 0 &&
      rating <= 10
    );
  });
}

/** A range-of-motion test (SPEC MOT-1..5): degrees per plane, by sensor or by goniometer. */
export const MOTION_TEST = 'motion-test';
export interface MotionTest {
  readonly test: MotionTestKind;
  readonly source: 'sensor' | 'manual';
  readonly planes: Partial<Record<NeckPlane, PlaneResult>>;
}

const angle = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 180;

export function isMotionTest(data: unknown): data is MotionTest {
  if (typeof data !== 'object' || data === null) return false;
  const { test, source, planes } = data as Record<string, unknown>;
  if (!(MOTION_TESTS as readonly unknown[]).includes(test)) return false;
  if (source !== 'sensor' && source !== 'manual') return false;
  if (typeof planes !== 'object' || planes === null) return false;
  const entries = Object.entries(planes);
  if (entries.length === 0) return false;
  return entries.every(([plane, r]) => {
    if (!(NECK_PLANES as readonly string[]).includes(plane)) return false;
    if (typeof r !== 'object' || r === null) return false;
    const { a, b, sparc } = r as Record<string, unknown>;
    return (
      angle(a) &&
      angle(b) &&
      (sparc === undefined ||
        (typeof sparc === 'number' && Number.isFinite(sparc) && sparc <= 0 && sparc > -100))
    );
  });
}
