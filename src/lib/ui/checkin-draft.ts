import type { SleepQuality } from '$lib/core/record/types';

/** A check-in being filled in: the form binds it, and the views keep it as a draft. */
export interface CheckInDraft {
  back?: number | null;
  leg?: number | null;
  neck?: number | null;
  note?: string;
  sleep?: SleepQuality;
  painMedicine?: boolean;
}
