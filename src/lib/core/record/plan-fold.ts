import type { Entry } from './entries';
import {
  APPOINTMENT,
  GOAL,
  GOAL_STATUS,
  isAppointment,
  isGoal,
  isGoalStatus,
  isPlanItem,
  isVisitQuestion,
  isWorkStatus,
  PLAN_ITEM,
  VISIT_QUESTION,
  WORK_STATUS,
  type Appointment,
  type Goal,
  type GoalStatus,
  type GoalStatusValue,
  type PlanItem,
  type VisitQuestion,
  type WorkStatus,
} from './plan';

/**
 * Turns plan entries into what the views show. Every fold orders by `at`, then id, so every
 * device shows the same once it holds the same entries, whatever order they arrived in.
 */

const byTimeThenId = (a: Entry, b: Entry) =>
  a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

function ofType<T>(
  entries: readonly Entry[],
  type: string,
  guard: (d: unknown) => d is T,
): Entry<T>[] {
  return entries
    .filter((e): e is Entry<T> => e.type === type && !e.deleted && guard(e.data))
    .sort(byTimeThenId);
}

/** A day `YYYY-MM-DD` moved by `n` days. */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The local calendar day of `date` (the patient's "today"). */
export function localDay(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}`;
}

export interface GoalView {
  readonly entry: Entry<Goal>;
  readonly status: GoalStatusValue;
  /** The status entry that set it, when one did. */
  readonly changed?: Entry<GoalStatus>;
}

/**
 * Goals with their current status: the newest status entry naming the goal. Goals and statuses
 * are the patient's (and a delegate's): an entry another role wrote (only an owner's device
 * could have sent one; grantees are refused where accepted) is not counted.
 */
export function foldGoals(entries: readonly Entry[]): GoalView[] {
  const patients = (e: Entry) => e.author.role === 'owner' || e.author.role === 'delegate';
  const goals = ofType(entries, GOAL, isGoal).filter(patients);
  const statuses = ofType(entries, GOAL_STATUS, isGoalStatus).filter(patients);
  return goals
    .map((entry) => {
      const changed = statuses.filter((s) => s.data.goal === entry.id).at(-1);
      return changed
        ? { entry, status: changed.data.status, changed }
        : { entry, status: 'active' as const };
    })
    .reverse();
}

export interface PlanItemView {
  readonly entry: Entry<PlanItem>;
  /** First day: `from`, or the entry's own day. */
  readonly start: string;
  readonly end?: string;
  /** Whether `today` lies within start..end. */
  readonly active: boolean;
}

/**
 * Plan items, newest first. Only a professional's count: the patient and a delegate may not
 * write them (grantees are refused where accepted; an owner device's is not shown).
 */
export function planItems(entries: readonly Entry[], today: string): PlanItemView[] {
  return ofType(entries, PLAN_ITEM, isPlanItem)
    .filter((e) => e.author.role === 'professional')
    .map((entry) => {
      const start = entry.data.from ?? entry.at.slice(0, 10);
      const end = entry.data.until;
      return {
        entry,
        start,
        ...(end !== undefined ? { end } : {}),
        active: start <= today && (end === undefined || today <= end),
      };
    })
    .reverse();
}

export interface AppointmentView {
  readonly entry: Entry<Appointment>;
  readonly questions: readonly Entry<VisitQuestion>[];
}

/**
 * Appointments split into upcoming (soonest first) and past (latest first), each with the
 * patient's questions for it: a question names its appointment, or else goes to the first
 * appointment at or after the moment it was asked. Questions with no such appointment are
 * `unattached` ("for your next visit"). Questions are the patient's (and a delegate's) only.
 */
export function foldAppointments(
  entries: readonly Entry[],
  now: Date,
): { upcoming: AppointmentView[]; past: AppointmentView[]; unattached: Entry<VisitQuestion>[] } {
  const appointments = ofType(entries, APPOINTMENT, isAppointment).sort((a, b) =>
    a.data.when < b.data.when ? -1 : a.data.when > b.data.when ? 1 : byTimeThenId(a, b),
  );
  const questions = ofType(entries, VISIT_QUESTION, isVisitQuestion).filter(
    (e) => e.author.role === 'owner' || e.author.role === 'delegate',
  );
  const byId = new Map(appointments.map((a) => [a.id as string, [] as Entry<VisitQuestion>[]]));
  const unattached: Entry<VisitQuestion>[] = [];
  for (const q of questions) {
    const named = q.data.appointment !== undefined ? byId.get(q.data.appointment) : undefined;
    const next = appointments.find((a) => Date.parse(a.data.when) >= Date.parse(q.at));
    const list = named ?? (next ? byId.get(next.id) : undefined);
    (list ?? unattached).push(q);
  }
  const views = appointments.map((entry) => ({ entry, questions: byId.get(entry.id) ?? [] }));
  const cut = now.getTime();
  return {
    upcoming: views.filter((v) => Date.parse(v.entry.data.when) >= cut),
    past: views.filter((v) => Date.parse(v.entry.data.when) < cut).reverse(),
    unattached,
  };
}

/** Work status entries, newest first; the first is the current status. */
export function workHistory(entries: readonly Entry[]): Entry<WorkStatus>[] {
  return ofType(entries, WORK_STATUS, isWorkStatus).reverse();
}
