import type { PainRegion } from '../record/types';
import { INSTRUMENT, INSTRUMENTS, type InstrumentId } from './definitions';

/**
 * [SCH-1] A questionnaire is due when it was never answered, or when its interval has passed
 * since the last answer. [SCH-2] Region-specific ones (ODI for the back, NDI for the neck) are
 * offered only when the patient has reported pain there (or has answered them before).
 */

export interface DueItem {
  readonly instrument: InstrumentId;
  /** The last answer, or null. */
  readonly last: string | null;
  readonly due: boolean;
  /** When it is next due (ISO), or null when due now. */
  readonly next: string | null;
}

const DAY = 86_400_000;

export function schedule(
  lastAnswered: ReadonlyMap<InstrumentId, string>,
  regions: ReadonlySet<PainRegion>,
  now: Date,
): DueItem[] {
  const out: DueItem[] = [];
  for (const id of INSTRUMENTS) {
    const def = INSTRUMENT[id];
    const last = lastAnswered.get(id) ?? null;
    const relevant =
      def.region === 'any' ||
      last !== null ||
      (def.region === 'back' ? regions.has('back') || regions.has('leg') : regions.has('neck'));
    if (!relevant) continue;
    const nextMs = last === null ? null : Date.parse(last) + def.intervalDays * DAY;
    const due = nextMs === null || nextMs <= now.getTime();
    out.push({ instrument: id, last, due, next: due ? null : new Date(nextMs!).toISOString() });
  }
  return out;
}
