import * as Y from 'yjs';
import { covered, deletedRanges } from './policy';

/**
 * What an accepted update brings that `doc` lacks, as an update to append to the log: its
 * structs beyond the document's state vector and its deletions of anything not deleted yet;
 * `null` when it brings nothing (a reconnecting client's sync step 2 repeats its delete set).
 */
export function newContent(update: Uint8Array, doc: Y.Doc): Uint8Array | null {
  const diff = Y.diffUpdate(update, Y.encodeStateVector(doc));
  const { structs, ds } = Y.decodeUpdate(diff);
  if (structs.some((s) => !(s instanceof Y.Skip))) return diff;
  if (ds.clients.size === 0) return null;
  const deleted = Y.createDeleteSetFromStructStore(doc.store);
  for (const [client, items] of ds.clients) {
    const have = deletedRanges(deleted, client);
    for (const d of items) {
      if (d.len > 0 && !covered(have, d.clock, d.clock + d.len)) return diff;
    }
  }
  return null;
}
