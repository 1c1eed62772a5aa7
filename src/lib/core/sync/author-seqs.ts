/**
 * The binding's per-author seq bookkeeping: which seqs of each author were applied, how far the
 * snapshots applied cover, and what is still missing below the highest seq seen (gaps). Replay
 * detection, compaction (`compaction.ts`) and the checkpoint read it.
 */

export interface AuthorState {
  /** Seqs applied from this author. */
  readonly applied: Set<number>;
  /** Highest seq included in a snapshot we applied. */
  covered: number;
  max: number;
}

/** The state of an author (hex of the signing key), made empty the first time it is asked for. */
export function stateOf(authors: Map<string, AuthorState>, hex: string): AuthorState {
  let state = authors.get(hex);
  if (!state) {
    state = { applied: new Set(), covered: 0, max: 0 };
    authors.set(hex, state);
  }
  return state;
}

/** Marks everything a snapshot covers (author hex → seq) as covered, and seen up to there. */
export function coverAll(
  authors: Map<string, AuthorState>,
  covers: ReadonlyMap<string, number>,
): void {
  for (const [hex, seq] of covers) {
    const state = stateOf(authors, hex);
    state.covered = Math.max(state.covered, seq);
    state.max = Math.max(state.max, seq);
  }
}

/** The highest seq up to which everything of this author is applied or covered. */
export function contiguousUpTo(state: AuthorState): number {
  let s = state.covered;
  while (state.applied.has(s + 1)) s++;
  return s;
}

/** Per author, seqs missing below the highest seen and not covered by a snapshot. */
export function seqGaps(authors: ReadonlyMap<string, AuthorState>): Map<string, number> {
  const gaps = new Map<string, number>();
  for (const [hex, state] of authors) {
    let missing = 0;
    for (let s = state.covered + 1; s <= state.max; s++) if (!state.applied.has(s)) missing++;
    if (missing > 0) gaps.set(hex, missing);
  }
  return gaps;
}
