import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import type { AuthorState } from './author-seqs';

/**
 * The binding's checkpoint format (`EncryptedDocBinding.checkpoint`): the inner state and the
 * per-author seqs it includes, which the device keeps (encrypted under a key of its own) so that
 * the next open verifies only envelopes that arrived since. lib0-encoded:
 *
 * - format byte (2; 1 is still read);
 * - the inner state as one Yjs update;
 * - per author: hex of the signing key, the seq its snapshots cover, the seqs applied (ascending,
 *   as deltas);
 * - format 2 only: the local changes not sealed yet (one merged Yjs update, empty when none).
 */

export function encodeCheckpoint(
  innerState: Uint8Array,
  authors: ReadonlyMap<string, AuthorState>,
  unsealed: Uint8Array,
): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, 2);
  encoding.writeVarUint8Array(e, innerState);
  encoding.writeVarUint(e, authors.size);
  for (const [hex, state] of authors) {
    encoding.writeVarString(e, hex);
    encoding.writeVarUint(e, state.covered);
    const seqs = [...state.applied].sort((a, b) => a - b);
    encoding.writeVarUint(e, seqs.length);
    let previous = 0;
    for (const seq of seqs) {
      encoding.writeVarUint(e, seq - previous);
      previous = seq;
    }
  }
  // 2: local changes not sealed yet (no key, or waiting for a newer manifest) are kept too, so
  // they are sealed after a reload instead of living only in the inner state.
  encoding.writeVarUint8Array(e, unsealed);
  return encoding.toUint8Array(e);
}

export interface DecodedCheckpoint {
  /** The inner state, a Yjs update. */
  readonly state: Uint8Array;
  readonly authors: Map<string, AuthorState>;
  /** `author:seq` of every envelope the checkpoint includes. */
  readonly keys: string[];
  /** Local changes not sealed when it was made (empty when none, and in format 1). */
  readonly unsealed: Uint8Array;
}

/** `null` for a format it does not know; throws (lib0) on a damaged one. */
export function decodeCheckpoint(bytes: Uint8Array): DecodedCheckpoint | null {
  const d = decoding.createDecoder(bytes);
  const format = decoding.readUint8(d);
  if (format !== 1 && format !== 2) return null;
  const state = decoding.readVarUint8Array(d);
  const authors = new Map<string, AuthorState>();
  const keys: string[] = [];
  for (let i = decoding.readVarUint(d); i > 0; i--) {
    const hex = decoding.readVarString(d);
    const covered = decoding.readVarUint(d);
    const applied = new Set<number>();
    let seq = 0;
    for (let j = decoding.readVarUint(d); j > 0; j--) {
      seq += decoding.readVarUint(d);
      applied.add(seq);
      keys.push(`${hex}:${seq}`);
    }
    authors.set(hex, { applied, covered, max: Math.max(covered, seq) });
  }
  const unsealed = format === 2 ? decoding.readVarUint8Array(d) : new Uint8Array(0);
  return { state, authors, keys, unsealed };
}
