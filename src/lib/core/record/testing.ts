import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';

/**
 * Test support: hand-crafted Yjs updates, byte for byte what a hostile writer could send. Yjs
 * itself never produces some of these (an origin-less item for a key that has a value, a
 * replacement without its delete set), which is exactly why the write rules must not assume it.
 */
export interface CraftedItem {
  readonly client: number;
  readonly clock: number;
  /** One JSON value (ignored when `deleted` or `gc` is given). */
  readonly value?: unknown;
  /** An already-deleted run of this many items (`ContentDeleted`). */
  readonly deleted?: number;
  /** A garbage-collected run of this length (a `GC` struct, no parent). */
  readonly gc?: number;
  readonly origin?: Y.ID | null;
  readonly rightOrigin?: Y.ID | null;
  /** A root type's name, or the id of a nested type's item; only written without origins. */
  readonly parent?: string | Y.ID;
  readonly key?: string;
}

export interface CraftedDelete {
  readonly client: number;
  readonly clock: number;
  readonly len: number;
}

/** Encodes `items` (consecutive clocks per client) and `deletes` as one V1 update. */
export function craftUpdate(
  items: readonly CraftedItem[],
  deletes: readonly CraftedDelete[] = [],
): Uint8Array {
  const enc = new Y.UpdateEncoderV1();
  const byClient = new Map<number, CraftedItem[]>();
  for (const it of items) byClient.set(it.client, [...(byClient.get(it.client) ?? []), it]);
  encoding.writeVarUint(enc.restEncoder, byClient.size);
  for (const [client, list] of byClient) {
    list.sort((a, b) => a.clock - b.clock);
    encoding.writeVarUint(enc.restEncoder, list.length);
    enc.writeClient(client);
    encoding.writeVarUint(enc.restEncoder, list[0]!.clock);
    for (const it of list) {
      if (it.gc !== undefined) {
        new Y.GC(Y.createID(client, it.clock), it.gc).write(enc, 0);
        continue;
      }
      const content =
        it.deleted !== undefined ? new Y.ContentDeleted(it.deleted) : new Y.ContentAny([it.value]);
      const parent = (it.parent ?? null) as unknown as Y.AbstractType<unknown> | Y.ID | null;
      new Y.Item(
        Y.createID(client, it.clock),
        null,
        it.origin ?? null,
        null,
        it.rightOrigin ?? null,
        parent,
        it.key ?? null,
        content,
      ).write(enc, 0);
    }
  }
  const ds = new Map<number, CraftedDelete[]>();
  for (const d of deletes) ds.set(d.client, [...(ds.get(d.client) ?? []), d]);
  encoding.writeVarUint(enc.restEncoder, ds.size);
  for (const [client, list] of ds) {
    enc.resetDsCurVal();
    encoding.writeVarUint(enc.restEncoder, client);
    encoding.writeVarUint(enc.restEncoder, list.length);
    for (const d of list) {
      enc.writeDsClock(d.clock);
      enc.writeDsLen(d.len);
    }
  }
  return enc.toUint8Array();
}

/** The item that currently holds `key` in the root map `root` (visible or not). */
export function itemAt(doc: Y.Doc, key: string, root = 'entries'): Y.Item | null {
  return doc.getMap(root)._map.get(key) ?? null;
}

/** The next clock `client` would write at, as far as `doc` knows. */
export function nextClock(doc: Y.Doc, client: number): number {
  return Y.getState(doc.store, client);
}

/** A copy of `doc` with the same state (and no history of how it got there). */
export function copyDoc(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}
