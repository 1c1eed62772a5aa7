import type { Entry } from './entries';
import { isOptionalProvenance, type ImportProvenance } from './provenance';

/**
 * Medicines (issue 12 item 3): a medicine is started, its dose changed, and stopped. Schema
 * version 1 entries are a plain start (`{ name, dose?, stopped? }`); version 2 adds `action` and,
 * for a change or a stop, `ref`: the id of the start entry of the medicine it changes. Both are
 * read by the same guard. The current medicines and the history are folded from the entries in
 * the order of `at`, then id, so every device shows the same, whatever order entries arrived in.
 */
export const MEDICATION = 'medication';
export const MEDICATION_ACTIONS = ['start', 'change', 'stop'] as const;
export type MedicationAction = (typeof MEDICATION_ACTIONS)[number];

export interface Medication {
  /** The medicine's name (repeated on a change or stop, for the history). */
  readonly name: string;
  /** Free text: "400 mg up to 3 times a day". */
  readonly dose?: string;
  /** Calendar day it was stopped (a version 1 entry, or the day of a stop). */
  readonly stopped?: string;
  /** Absent: a start (every version 1 entry). */
  readonly action?: MedicationAction;
  /** A change or a stop: the id of the start entry of the medicine it changes. */
  readonly ref?: string;
  /** Why it was changed or stopped (optional free text). */
  readonly reason?: string;
  /** Set when imported from a FHIR document. */
  readonly source?: ImportProvenance;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** An entry id: 19 base-36 chars, then (since writer tags) 24 hex chars. */
const ENTRY_ID = /^[0-9a-z]{19}(?:[0-9a-f]{24})?$/;
const KEYS = new Set(['name', 'dose', 'stopped', 'action', 'ref', 'reason', 'source']);
const short = (v: unknown, max: number) =>
  typeof v === 'string' && v.trim() !== '' && v.length <= max;

/** A real calendar day `YYYY-MM-DD` (not 2026-02-31). */
export function isCalendarDay(v: unknown): v is string {
  if (typeof v !== 'string' || !DAY.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

export function isMedication(data: unknown): data is Medication {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const d = data as Record<string, unknown>;
  if (Object.keys(d).some((k) => !KEYS.has(k))) return false;
  const { name, dose, stopped, action, ref, reason } = d;
  if (!short(name, 200)) return false;
  if (dose !== undefined && !short(dose, 200)) return false;
  if (stopped !== undefined && !isCalendarDay(stopped)) return false;
  if (reason !== undefined && !short(reason, 200)) return false;
  if (!isOptionalProvenance(d['source'])) return false;
  if (action !== undefined && !(MEDICATION_ACTIONS as readonly unknown[]).includes(action)) {
    return false;
  }
  const start = action === undefined || action === 'start';
  if (start) return ref === undefined && reason === undefined;
  if (typeof ref !== 'string' || !ENTRY_ID.test(ref)) return false;
  // A change sets a new dose; only a stop (or a version 1 start) carries a stop day.
  return action === 'change' ? dose !== undefined && stopped === undefined : true;
}

/** One medicine from its start: what is current, and every step of its history. */
export interface MedicineCourse {
  /** The id of the start entry (what changes and stops refer to). */
  readonly id: string;
  readonly name: string;
  /** The dose now (after the latest change), if any was given. */
  readonly dose?: string;
  /** The day it was stopped, when it was. */
  readonly stopped?: string;
  /** The start, then its changes and its stop, oldest first. */
  readonly history: readonly Entry<Medication>[];
}

const byTimeThenId = (a: Entry, b: Entry) =>
  a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * Folds medication entries into medicines. A change or a stop that refers to no start in
 * `entries` (not arrived yet, withheld, or naming another change) is left out, not guessed; a
 * change after the stop stays in the history but does not restart the medicine.
 */
export function foldMedicines(entries: readonly Entry<Medication>[]): {
  current: MedicineCourse[];
  past: MedicineCourse[];
} {
  const sorted = [...entries].sort(byTimeThenId);
  const courses = new Map<
    string,
    { id: string; name: string; dose?: string; stopped?: string; history: Entry<Medication>[] }
  >();
  for (const e of sorted) {
    const d = e.data;
    if (d.action === undefined || d.action === 'start') {
      if (courses.has(e.id)) continue;
      courses.set(e.id, {
        id: e.id,
        name: d.name,
        ...(d.dose !== undefined ? { dose: d.dose } : {}),
        ...(d.stopped !== undefined ? { stopped: d.stopped } : {}),
        history: [e],
      });
    }
  }
  for (const e of sorted) {
    const d = e.data;
    if (d.action !== 'change' && d.action !== 'stop') continue;
    const course = d.ref !== undefined ? courses.get(d.ref) : undefined;
    if (!course) continue;
    course.history.push(e);
    if (course.stopped !== undefined) continue;
    if (d.action === 'change') course.dose = d.dose;
    else course.stopped = d.stopped ?? e.at.slice(0, 10);
  }
  const all = [...courses.values()].map((c) => ({
    ...c,
    history: [...c.history].sort(byTimeThenId),
  }));
  const newestFirst = (a: MedicineCourse, b: MedicineCourse) =>
    -byTimeThenId(a.history[0]!, b.history[0]!);
  return {
    current: all.filter((c) => c.stopped === undefined).sort(newestFirst),
    past: all.filter((c) => c.stopped !== undefined).sort(newestFirst),
  };
}
