import { contiguousUpTo, type AuthorState } from './author-seqs';
import type { Verdict } from './binding-types';
import { decodeEnvelope, isProtocolError, toHex } from './protocol';

/**
 * What a compaction's snapshot covers, and which envelopes of the outer array it then replaces
 * (`EncryptedDocBinding.compact` writes the snapshot and deletes them in one outer transaction).
 */

/**
 * What a snapshot made now covers: per author, the highest seq up to which everything is applied
 * or covered by an earlier snapshot (authors with none are left out).
 */
export function snapshotCovers(authors: ReadonlyMap<string, AuthorState>): Map<string, number> {
  const covers = new Map<string, number>();
  for (const [hex, state] of authors) {
    const contiguous = contiguousUpTo(state);
    if (contiguous > 0) covers.set(hex, contiguous);
  }
  return covers;
}

/**
 * Indexes of the outer array's items that a snapshot with `covers` replaces: those refused or
 * malformed, and those it covers. Deferred ones stay (they are not applied yet).
 */
export function replacedBy(
  items: readonly Uint8Array[],
  covers: ReadonlyMap<string, number>,
  verdictOf: (item: Uint8Array) => Verdict | undefined,
): number[] {
  const doomed: number[] = [];
  items.forEach((item, index) => {
    const verdict = verdictOf(item);
    if (verdict === 'deferred') return;
    if (verdict === 'rejected') return void doomed.push(index);
    const env = decodeEnvelope(item);
    if (isProtocolError(env)) return void doomed.push(index);
    const covered = covers.get(toHex(env.author));
    if (covered !== undefined && env.seq <= covered) doomed.push(index);
  });
  return doomed;
}
