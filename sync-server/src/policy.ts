import * as Y from 'yjs';
import {
  bytesEqual,
  decodeEnvelope,
  isProtocolError,
  verifyEnvelopeSignature,
} from '../../src/lib/core/sync/protocol';
import type { Role } from './auth';

/**
 * What the relay accepts in an outer document, checked on the Yjs update before it is applied.
 * The relay cannot read envelopes, but it can see their structure:
 *
 * - every new item is one envelope (`Uint8Array`) in the root array {@link OUTER_ARRAY};
 * - the envelope decodes, names this compartment, and is the connection's own (its author is
 *   the device key that signed the connection's token), or it carries a valid signature of a
 *   device that may write this compartment (a client re-uploading someone else's envelope the
 *   relay lost);
 * - only owners delete. A non-owner's update may repeat deletions the relay already holds (a
 *   sync step 2 always carries the sender's whole delete set), nothing more.
 */

/** The root array of the outer document (`OUTER_ARRAY` of `src/lib/core/sync/binding.ts`). */
export const OUTER_ARRAY = 'envelopes';

export type RefusalReason =
  | 'not-a-yjs-update'
  | 'only-owners-delete'
  | 'not-an-envelope'
  | 'wrong-document'
  | 'not-your-envelope';

export interface Refusal {
  readonly reason: RefusalReason;
}

export interface UpdateContext {
  readonly docId: string;
  readonly deviceKey: Uint8Array;
  readonly role: Role;
  /** The relay's current document (what it already holds). */
  readonly doc: Y.Doc;
  /** Whether another device may write this compartment (for envelopes it signed). */
  readonly isWriter: (author: Uint8Array) => boolean;
}

export interface UpdateSummary {
  /** New items (envelopes) the update brings. */
  readonly inserts: number;
  /** Deleted ranges in the update. */
  readonly deletes: number;
  /**
   * Every struct lies beyond what the relay holds and nothing is deleted: the update is all new
   * content as it came (what `newContent` in `new-content.ts` would compute from it), so it is
   * stored as is.
   */
  readonly allNew: boolean;
}

type Range = readonly [start: number, end: number];
export type DeleteSet = ReturnType<typeof Y.createDeleteSetFromStructStore>;

/** Sorted, merged `[start, end)` ranges of a client in a delete set. */
export function deletedRanges(ds: DeleteSet, client: number): Range[] {
  const items: ReadonlyArray<{ clock: number; len: number }> = ds.clients.get(client) ?? [];
  const ranges = items.map((d): Range => [d.clock, d.clock + d.len]).sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [s, e] of ranges) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  return merged;
}

/** Whether `[start, end)` lies within the union of sorted, merged `ranges`. */
export function covered(ranges: readonly Range[], start: number, end: number): boolean {
  let at = start;
  for (const [s, e] of ranges) {
    if (s > at) return false;
    if (e > at) at = e;
    if (at >= end) return true;
  }
  return at >= end;
}

export function checkUpdate(update: Uint8Array, ctx: UpdateContext): Refusal | UpdateSummary {
  let decoded: { structs: Array<Y.Item | Y.GC | Y.Skip>; ds: DeleteSet };
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return { reason: 'not-a-yjs-update' };
  }

  // Ranges of structs in this update that are new to the relay and carry no content (already
  // deleted on the sender): a non-owner may send their deletion along with them.
  const emptyNew = new Map<number, Array<[number, number]>>();
  let inserts = 0;
  let allNew = decoded.structs.length > 0 && decoded.ds.clients.size === 0;
  for (const s of decoded.structs) {
    const client = s.id.client;
    const start = s.id.clock;
    const end = start + s.length;
    // What the relay holds of this client (read from its store: no state vector encoded per update).
    const have = Y.getState(ctx.doc.store, client);
    if (start < have || s instanceof Y.Skip) allNew = false;
    if (end <= have || s instanceof Y.Skip) continue; // the relay has it already: Yjs skips it
    if (s instanceof Y.GC || (s instanceof Y.Item && s.content instanceof Y.ContentDeleted)) {
      const list = emptyNew.get(client) ?? [];
      list.push([Math.max(start, have), end]);
      emptyNew.set(client, list);
      continue;
    }
    if (!(s instanceof Y.Item) || !(s.content instanceof Y.ContentBinary)) {
      return { reason: 'not-an-envelope' };
    }
    // Root array items name their parent, or inherit it from their neighbour, which was
    // checked when it arrived. Nested types (parent given by id) and map keys are refused.
    if (s.parentSub !== null) return { reason: 'not-an-envelope' };
    const parent: unknown = s.parent; // a root name (string) or a parent item's id, in an update
    if (parent !== null && parent !== OUTER_ARRAY) return { reason: 'not-an-envelope' };
    const env = decodeEnvelope(s.content.content);
    if (isProtocolError(env)) return { reason: 'not-an-envelope' };
    if (env.docId !== ctx.docId) return { reason: 'wrong-document' };
    if (!bytesEqual(env.author, ctx.deviceKey)) {
      if (!ctx.isWriter(env.author) || !verifyEnvelopeSignature(env)) {
        return { reason: 'not-your-envelope' };
      }
    }
    inserts++;
  }

  let deletes = 0;
  if (decoded.ds.clients.size > 0) {
    const docDeleted =
      ctx.role === 'owner' ? null : Y.createDeleteSetFromStructStore(ctx.doc.store);
    for (const [client, items] of decoded.ds.clients) {
      deletes += items.length;
      if (!docDeleted) continue;
      const allowed = [...deletedRanges(docDeleted, client), ...(emptyNew.get(client) ?? [])].sort(
        (a, b) => a[0] - b[0],
      );
      for (const d of items) {
        if (d.len > 0 && !covered(allowed, d.clock, d.clock + d.len)) {
          return { reason: 'only-owners-delete' };
        }
      }
    }
  }
  return { inserts, deletes, allNew };
}

export function isRefusal(x: Refusal | UpdateSummary): x is Refusal {
  return 'reason' in x;
}
