import type { Entry } from './entries';
import { EXERCISE_DONE, isExerciseDone, type ExerciseDone, type ExercisePlanItem } from './plan';
import { addDays } from './plan-fold';

/**
 * Adherence to a home exercise (issue 12 item 4): on which days the patient logged it done.
 *
 * - A day counts once, however often "done" was tapped; the dose per day is the plan's.
 * - Per (exercise, day) the newest log by `at`, then id, decides: `done: false` takes a tap back
 *   (a correction), and a tombstoned log does not count.
 * - Only the patient's and a delegate's logs count (the registry refuses other grantees'), and
 *   only logs for days the exercise was in the plan (from its first day to its `until` day).
 * - The target follows the frequency: every day for `per: 'day'`; for `per: 'week'`, `times`
 *   days in a full week, prorated and rounded up for a partial one, never more than its days.
 */

export interface AdherenceWeek {
  /** First and last day of the week (7 days ending on `end`, or fewer at the plan's edges). */
  readonly start: string;
  readonly end: string;
  /** Days of this week the exercise was in the plan. */
  readonly planned: number;
  readonly done: number;
  readonly target: number;
}

export interface Adherence {
  /** The days within the window the exercise was in the plan. */
  readonly planned: number;
  /** Of those, the days it was done. */
  readonly done: number;
  /** Days it should have been done, by the plan's frequency. */
  readonly target: number;
  /** Oldest first. */
  readonly weeks: readonly AdherenceWeek[];
  /** The days logged done, oldest first. */
  readonly days: readonly string[];
}

const byTimeThenId = (a: Entry, b: Entry) =>
  a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** The days on which exercise `itemId` is logged done (after corrections), as a set. */
export function doneDays(entries: readonly Entry[], itemId: string): Set<string> {
  const logs = entries
    .filter(
      (e): e is Entry<ExerciseDone> =>
        e.type === EXERCISE_DONE &&
        !e.deleted &&
        (e.author.role === 'owner' || e.author.role === 'delegate') &&
        isExerciseDone(e.data) &&
        e.data.item === itemId,
    )
    .sort(byTimeThenId);
  const latest = new Map<string, boolean>();
  for (const e of logs) latest.set(e.data.day, e.data.done);
  return new Set([...latest].filter(([, done]) => done).map(([day]) => day));
}

function target(item: ExercisePlanItem, planned: number): number {
  if (item.per === 'day') return planned;
  return Math.min(planned, Math.ceil((item.times * planned) / 7));
}

/**
 * Adherence to `item` (its entry, so its id and day) over the `weeks` weeks ending `today`
 * (inclusive), cut to the days it was in the plan.
 */
export function adherence(
  item: Entry<ExercisePlanItem>,
  entries: readonly Entry[],
  today: string,
  weeks = 6,
): Adherence {
  const start = item.data.from ?? item.at.slice(0, 10);
  const last = item.data.until !== undefined && item.data.until < today ? item.data.until : today;
  const done = doneDays(entries, item.id);
  const out: AdherenceWeek[] = [];
  for (let w = 0; w < weeks; w++) {
    const end = addDays(today, -7 * w);
    const first = addDays(end, -6);
    const from = first < start ? start : first;
    const to = end > last ? last : end;
    if (from > to) continue;
    let planned = 0;
    let n = 0;
    for (let d = from; d <= to; d = addDays(d, 1)) {
      planned++;
      if (done.has(d)) n++;
    }
    out.push({ start: from, end: to, planned, done: n, target: target(item.data, planned) });
  }
  out.reverse();
  const windowStart = out[0]?.start;
  const windowEnd = out.at(-1)?.end;
  return {
    planned: out.reduce((s, w) => s + w.planned, 0),
    done: out.reduce((s, w) => s + w.done, 0),
    target: out.reduce((s, w) => s + w.target, 0),
    weeks: out,
    days:
      windowStart === undefined || windowEnd === undefined
        ? []
        : [...done].filter((d) => d >= windowStart && d <= windowEnd).sort(),
  };
}
