import type { Entry } from '$lib/core/record/entries';
import type { ReviewAction } from '$lib/core/record/review';

/**
 * What the timeline may do with an entry, handed in by the view that owns the session: correct
 * or withdraw it (when this device's role may: `versions.ts` `mayCorrect`), and, for a
 * professional, mark warning signs reviewed. Each call throws, writing nothing, when refused.
 */
export interface EntryActionsApi {
  mayChange(entry: Entry): boolean;
  correct(entry: Entry, data: unknown): void;
  withdraw(entry: Entry, reason: string): void;
  review?: (target: Entry, action: ReviewAction, note: string | undefined) => void;
}

/** The entry types the timeline offers a correction form for (others can be withdrawn). */
export const CORRECTABLE = ['pain-checkin', 'note', 'diary'] as const;
