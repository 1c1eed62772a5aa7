import type { Entry } from '$lib/core/record';
import type { EntryDataMap, EntryStoredMap, EntryType } from '$lib/core/record/registry';

/**
 * One author of the demo record (the patient, a physiotherapist, a relative). Each writes through
 * the real writer of its own device, so the demo's entries carry real authors and signatures and
 * pass the same write rules as any other record.
 */
export interface DemoWriter {
  write<K extends EntryType>(type: K, data: EntryDataMap[K], at: Date): Entry<EntryStoredMap[K]>;
  /** Corrects one of the entries this writer may change (a new version of the same type). */
  correct?<K extends EntryType>(target: Entry<EntryStoredMap[K]>, data: EntryDataMap[K]): Entry;
  /** Withdraws one of the entries this writer may change, with a reason. */
  withdraw?(target: Entry, reason: string): Entry;
}

/** What each demo section gets: its authors, "now", and a seeded random source. */
export interface DemoContext {
  readonly now: Date;
  /** Uniform in [0, 1), seeded: the demo is the same on every device. */
  readonly rng: () => number;
  readonly patient: DemoWriter;
  readonly physio: DemoWriter;
  readonly relative: DemoWriter;
}

/** `days` days before `now`, at `hour`:`minute` local time. */
export function daysAgo(now: Date, days: number, hour = 9, minute = 0): Date {
  const d = new Date(now);
  d.setDate(d.getDate() - days);
  d.setHours(hour, minute, 0, 0);
  return d;
}
