import { isCalendarDay } from './medicines';
import { isOptionalProvenance, type ImportProvenance } from './provenance';

/**
 * Goals, the care plan, adherence, appointments and work status (issue 12 items 4 and 5), all
 * in the clinical compartment. These are the data types and their guards: every value may come
 * from another device, so each guard bounds every string, refuses unknown keys and enum values,
 * impossible days and references that are not entry ids. Who may write each type is in
 * `registry-plan.ts`; folding entries into what the views show is in `plan-fold.ts` and
 * `adherence.ts`.
 */
export const GOAL = 'goal';
export const GOAL_STATUS = 'goal-status';
export const PLAN_ITEM = 'plan-item';
export const EXERCISE_DONE = 'exercise-done';
export const APPOINTMENT = 'appointment';
export const VISIT_QUESTION = 'visit-question';
export const WORK_STATUS = 'work-status';

/** The patient's own goal, in their words. */
export interface Goal {
  readonly text: string;
  /** `YYYY-MM-DD`, when the patient set one. */
  readonly targetDate?: string;
  /** One of the activities of the patient's PSFS entries, when the goal is about it. */
  readonly psfsActivity?: string;
  /** A goal imported from another system (issue 13): who recorded it and when. */
  readonly source?: ImportProvenance;
}

export const GOAL_STATUSES = ['achieved', 'dropped', 'active'] as const;
export type GoalStatusValue = (typeof GOAL_STATUSES)[number];

/** A later change of a goal's status (`active` reopens it). */
export interface GoalStatus {
  /** The id of the goal entry. */
  readonly goal: string;
  readonly status: GoalStatusValue;
  readonly note?: string;
}

export const PLAN_KINDS = ['treatment', 'exercise', 'return-to-work'] as const;
export type PlanKind = (typeof PLAN_KINDS)[number];
export const PERIODS = ['day', 'week'] as const;
export type Period = (typeof PERIODS)[number];

/** How much of an exercise per session: sets × repetitions, or minutes. */
export type ExerciseDose =
  { readonly sets: number; readonly reps: number } | { readonly minutes: number };

export const DOSE_LIMITS = { sets: 20, reps: 200, minutes: 240, times: 20 } as const;

interface PlanCommon {
  /** The treatment, the exercise's name or the return-to-work step. */
  readonly title: string;
  readonly details?: string;
  /** `YYYY-MM-DD`: first day (the entry's day when absent). */
  readonly from?: string;
  /** `YYYY-MM-DD`: last day, inclusive. */
  readonly until?: string;
}

/** A plan item written by a professional. */
export type PlanItem =
  | (PlanCommon & { readonly kind: 'treatment' })
  | (PlanCommon & {
      readonly kind: 'exercise';
      readonly dose: ExerciseDose;
      /** How often: `times` per `per`. */
      readonly times: number;
      readonly per: Period;
    })
  | (PlanCommon & {
      readonly kind: 'return-to-work';
      /** Working hours as a percentage of the usual, for a graded return. */
      readonly hoursPercent?: number;
    });

export type ExercisePlanItem = Extract<PlanItem, { kind: 'exercise' }>;

/** The patient's "done today" (or, `done: false`, taking a tap back) for one exercise and day. */
export interface ExerciseDone {
  /** The id of the exercise's plan-item entry. */
  readonly item: string;
  /** `YYYY-MM-DD`, the patient's own calendar day. */
  readonly day: string;
  readonly done: boolean;
}

export interface Appointment {
  /** ISO 8601 instant (UTC, `Z`). */
  readonly when: string;
  /** With whom: a person or a service. */
  readonly with: string;
  readonly where?: string;
}

/** A question the patient wants to raise at a visit. */
export interface VisitQuestion {
  readonly text: string;
  /** The id of the appointment it is for; absent: the next one after it was asked. */
  readonly appointment?: string;
}

export const WORK_STATUSES = [
  'working',
  'reduced-hours',
  'sick-leave',
  'job-seeking',
  'other',
] as const;
export type WorkStatusValue = (typeof WORK_STATUSES)[number];

export interface WorkStatus {
  readonly status: WorkStatusValue;
  /** Reduced hours only: percent of the usual hours, 1–99. */
  readonly percent?: number;
  /** `YYYY-MM-DD`: since when. */
  readonly from?: string;
  /** `YYYY-MM-DD`: until when (a sick leave's last day, when known). */
  readonly to?: string;
  /** `other` only: the patient's words. */
  readonly text?: string;
  /** Imported from another system (issue 13): who recorded it and when. */
  readonly source?: ImportProvenance;
}

export const PLAN_TEXT = { short: 200, long: 1000, question: 500, goal: 300, activity: 120 };

/** An entry id: 19 base-36 chars, then (since writer tags) 24 hex chars. */
const ENTRY_ID = /^[0-9a-z]{19}(?:[0-9a-f]{24})?$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?Z$/;

const hasControl = (v: string, lines: boolean) =>
  [...v].some((c) => {
    const n = c.charCodeAt(0);
    return (n < 32 && !(lines && n === 10)) || n === 127;
  });
/** Text of at most `max` characters, not blank; newlines only where `lines`. */
const text = (v: unknown, max: number, lines = false): v is string =>
  typeof v === 'string' && v.trim() !== '' && v.length <= max && !hasControl(v, lines);
const plain = (data: unknown): data is Record<string, unknown> =>
  typeof data === 'object' && data !== null && !Array.isArray(data);
const only = (d: Record<string, unknown>, keys: readonly string[]) =>
  Object.keys(d).every((k) => keys.includes(k));
const oneOf = <T>(list: readonly T[], v: unknown): v is T =>
  (list as readonly unknown[]).includes(v);
const int = (v: unknown, lo: number, hi: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
const optDay = (v: unknown) => v === undefined || isCalendarDay(v);
/** Both days known: the first is not after the second. */
const ordered = (a: unknown, b: unknown) =>
  typeof a !== 'string' || typeof b !== 'string' || a <= b;

export function isEntryRef(v: unknown): v is string {
  return typeof v === 'string' && ENTRY_ID.test(v);
}

export function isInstant(v: unknown): v is string {
  return typeof v === 'string' && INSTANT.test(v) && !Number.isNaN(Date.parse(v));
}

export function isGoal(data: unknown): data is Goal {
  if (!plain(data) || !only(data, ['text', 'targetDate', 'psfsActivity', 'source'])) return false;
  return (
    isOptionalProvenance(data['source']) &&
    text(data['text'], PLAN_TEXT.goal) &&
    optDay(data['targetDate']) &&
    (data['psfsActivity'] === undefined || text(data['psfsActivity'], PLAN_TEXT.activity))
  );
}

export function isGoalStatus(data: unknown): data is GoalStatus {
  if (!plain(data) || !only(data, ['goal', 'status', 'note'])) return false;
  return (
    isEntryRef(data['goal']) &&
    oneOf(GOAL_STATUSES, data['status']) &&
    (data['note'] === undefined || text(data['note'], PLAN_TEXT.goal))
  );
}

function isDose(v: unknown): v is ExerciseDose {
  if (!plain(v)) return false;
  if ('minutes' in v) return only(v, ['minutes']) && int(v['minutes'], 1, DOSE_LIMITS.minutes);
  return (
    only(v, ['sets', 'reps']) &&
    int(v['sets'], 1, DOSE_LIMITS.sets) &&
    int(v['reps'], 1, DOSE_LIMITS.reps)
  );
}

const COMMON = ['kind', 'title', 'details', 'from', 'until'] as const;

export function isPlanItem(data: unknown): data is PlanItem {
  if (!plain(data)) return false;
  const { kind, title, details, from, until } = data;
  const common =
    text(title, PLAN_TEXT.short) &&
    (details === undefined || text(details, PLAN_TEXT.long, true)) &&
    optDay(from) &&
    optDay(until) &&
    ordered(from, until);
  if (!common) return false;
  if (kind === 'treatment') return only(data, COMMON);
  if (kind === 'exercise') {
    return (
      only(data, [...COMMON, 'dose', 'times', 'per']) &&
      isDose(data['dose']) &&
      int(data['times'], 1, DOSE_LIMITS.times) &&
      oneOf(PERIODS, data['per'])
    );
  }
  if (kind === 'return-to-work') {
    const p = data['hoursPercent'];
    return only(data, [...COMMON, 'hoursPercent']) && (p === undefined || int(p, 1, 100));
  }
  return false;
}

export function isExerciseDone(data: unknown): data is ExerciseDone {
  if (!plain(data) || !only(data, ['item', 'day', 'done'])) return false;
  return (
    isEntryRef(data['item']) && isCalendarDay(data['day']) && typeof data['done'] === 'boolean'
  );
}

export function isAppointment(data: unknown): data is Appointment {
  if (!plain(data) || !only(data, ['when', 'with', 'where'])) return false;
  return (
    isInstant(data['when']) &&
    text(data['with'], PLAN_TEXT.short) &&
    (data['where'] === undefined || text(data['where'], PLAN_TEXT.short))
  );
}

export function isVisitQuestion(data: unknown): data is VisitQuestion {
  if (!plain(data) || !only(data, ['text', 'appointment'])) return false;
  return (
    text(data['text'], PLAN_TEXT.question, true) &&
    (data['appointment'] === undefined || isEntryRef(data['appointment']))
  );
}

export function isWorkStatus(data: unknown): data is WorkStatus {
  if (!plain(data) || !only(data, ['status', 'percent', 'from', 'to', 'text', 'source'])) {
    return false;
  }
  const { status, percent, from, to, text: words } = data;
  if (!isOptionalProvenance(data['source'])) return false;
  if (!oneOf(WORK_STATUSES, status) || !optDay(from) || !optDay(to) || !ordered(from, to)) {
    return false;
  }
  // Hours belong to reduced hours (and are required there); words to "other".
  if ((status === 'reduced-hours') !== (percent !== undefined)) return false;
  if (percent !== undefined && !int(percent, 1, 99)) return false;
  if ((status === 'other') !== (words !== undefined)) return false;
  return words === undefined || text(words, PLAN_TEXT.short);
}
