import type { Entry } from './entries';
import { positiveFlags, RED_FLAGS, URGENT_RED_FLAGS, type RedFlags } from './clinical';

/**
 * A professional's review of a warning-signs entry (issue 14 item 1): which entry, what was done
 * and, optionally, a short note. Only professionals write it (registry), and readers honour it
 * only from a professional and only for a red-flags entry of the same record.
 */
export const REDFLAG_REVIEW = 'redflag-review';

export const REVIEW_ACTIONS = ['contacted', 'referred', 'assessed'] as const;
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

export const MAX_REVIEW_NOTE = 1000;

export interface RedFlagReview {
  /** The id of the red-flags entry reviewed. */
  readonly target: string;
  readonly action: ReviewAction;
  readonly note?: string;
}

const ENTRY_ID = /^[0-9a-z]{19}(?:[0-9a-f]{24})?$/;

export function isRedFlagReview(data: unknown): data is RedFlagReview {
  if (typeof data !== 'object' || data === null) return false;
  const { target, action, note, ...rest } = data as Record<string, unknown>;
  return (
    Object.keys(rest).length === 0 &&
    typeof target === 'string' &&
    ENTRY_ID.test(target) &&
    (REVIEW_ACTIONS as readonly unknown[]).includes(action) &&
    (note === undefined ||
      (typeof note === 'string' && note.trim() !== '' && note.length <= MAX_REVIEW_NOTE))
  );
}

/** The reviews honoured for each red-flags entry: by a professional, naming that entry. */
export function reviewsByTarget(entries: readonly Entry[]): Map<string, Entry<RedFlagReview>[]> {
  const flags = new Set(entries.filter((e) => e.type === RED_FLAGS).map((e) => e.id as string));
  const out = new Map<string, Entry<RedFlagReview>[]>();
  for (const e of entries) {
    if (e.type !== REDFLAG_REVIEW || e.author.role !== 'professional') continue;
    if (!isRedFlagReview(e.data) || !flags.has(e.data.target)) continue;
    const list = out.get(e.data.target) ?? [];
    list.push(e as Entry<RedFlagReview>);
    out.set(e.data.target, list);
  }
  return out;
}

/** Whether a warning-signs entry has a yes to an urgent sign (RF-2: same-day care). */
export function hasUrgentSign(flags: RedFlags): boolean {
  return positiveFlags(flags).some((f) => URGENT_RED_FLAGS.includes(f));
}

/**
 * The current red-flags entries with an urgent yes that no professional has reviewed yet,
 * newest first: while there is one, the patient's record shows the same-day advice. `entries`
 * are current versions (`versions.ts`), so a withdrawn or corrected misclick no longer counts.
 */
export function unreviewedUrgent(entries: readonly Entry[]): Entry<RedFlags>[] {
  const reviews = reviewsByTarget(entries);
  return entries.filter(
    (e): e is Entry<RedFlags> =>
      e.type === RED_FLAGS && hasUrgentSign((e as Entry<RedFlags>).data) && !reviews.has(e.id),
  );
}
