import type { DueItem } from './schedule';
import type { InstrumentId } from './definitions';

/**
 * [SCH-3] "Due" means answerable (issue 14 item 2): a questionnaire whose wording this device
 * does not have (a licensed pack not shipped or installed) cannot be answered here, so it is
 * never counted as due; it is listed as "filled in with your clinic", where a professional
 * enters it from the paper form with the patient.
 */
export interface DueSplit {
  /** Answerable here and due now: what the home badge counts. */
  readonly due: readonly DueItem[];
  /** Answerable here, not due yet. */
  readonly later: readonly DueItem[];
  /** Not answerable on this device: filled in with the clinic. */
  readonly clinic: readonly DueItem[];
}

export function splitDue(
  items: readonly DueItem[],
  answerable: ReadonlySet<InstrumentId>,
): DueSplit {
  const due: DueItem[] = [];
  const later: DueItem[] = [];
  const clinic: DueItem[] = [];
  for (const item of items) {
    if (!answerable.has(item.instrument)) clinic.push(item);
    else (item.due ? due : later).push(item);
  }
  return { due, later, clinic };
}
