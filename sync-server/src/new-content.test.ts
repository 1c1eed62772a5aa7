import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { newContent } from './new-content';
import { checkUpdate, isRefusal, OUTER_ARRAY, type UpdateSummary } from './policy';
import { envelope, keyPair } from './testing';

const DOC = 'clinical';
const owner = keyPair();

function summary(update: Uint8Array, relay: Y.Doc): UpdateSummary {
  const verdict = checkUpdate(update, {
    docId: DOC,
    deviceKey: owner.publicKey,
    role: 'owner',
    doc: relay,
    isWriter: () => true,
  });
  if (isRefusal(verdict)) throw new Error(verdict.reason);
  return verdict;
}

/** The struct ids and lengths an update carries, and its deleted ranges. */
function shape(update: Uint8Array) {
  const { structs, ds } = Y.decodeUpdate(update);
  return {
    structs: structs.map((s) => [s.id.client, s.id.clock, s.length, s.constructor.name]),
    ds: [...ds.clients].map(([client, items]) => [client, items.map((d) => [d.clock, d.len])]),
  };
}

/** What a copy of `relay` holds after applying `update`. */
function after(relay: Y.Doc, update: Uint8Array): unknown {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(relay));
  Y.applyUpdate(copy, update);
  return {
    items: copy
      .getArray<Uint8Array>(OUTER_ARRAY)
      .toArray()
      .map((b) => [...b]),
    state: [...Y.decodeStateVector(Y.encodeStateVector(copy))],
    pending: copy.store.pendingStructs !== null,
  };
}

/** A relay document and a client that wrote one envelope, both holding it. */
function synced() {
  const relay = new Y.Doc();
  const client = new Y.Doc();
  const arr = client.getArray<Uint8Array>(OUTER_ARRAY);
  arr.push([envelope(owner, DOC, 1)]);
  Y.applyUpdate(relay, Y.encodeStateAsUpdate(client));
  return { relay, client, arr };
}

describe('newContent and the policy’s allNew', () => {
  it('an update all new to the relay is what newContent computes from it, so it is stored as is', () => {
    const { relay, client, arr } = synced();
    // The next single edit, and one that arrives ahead of an update the relay has not had.
    const updates: Uint8Array[] = [];
    client.on('update', (u: Uint8Array) => updates.push(u));
    arr.push([envelope(owner, DOC, 2)]);
    arr.push([envelope(owner, DOC, 3)]);
    for (const u of [updates[0]!, updates[1]!]) {
      expect(summary(u, relay).allNew).toBe(true);
      const fresh = newContent(u, relay)!;
      expect(shape(fresh)).toEqual(shape(u));
      expect(after(relay, u)).toEqual(after(relay, fresh));
    }
    expect(after(relay, updates[1]!)).toMatchObject({ pending: true });
  });

  it('an update that repeats what the relay holds is not all new: only the rest is stored', () => {
    const { relay, client, arr } = synced();
    arr.push([envelope(owner, DOC, 2)]);
    // A reconnecting client's sync step 2 against an old state vector: both envelopes.
    const again = Y.encodeStateAsUpdate(client);
    expect(summary(again, relay)).toMatchObject({ inserts: 1, allNew: false });
    const fresh = newContent(again, relay)!;
    expect(fresh.length).toBeLessThan(again.length);
    expect(after(relay, fresh)).toEqual(after(relay, again));
    // Everything held already: nothing to store.
    Y.applyUpdate(relay, again);
    expect(summary(again, relay).allNew).toBe(false);
    expect(newContent(again, relay)).toBeNull();
  });

  it('an update with deletions is diffed: deletions the relay holds are not stored again', () => {
    const relay = new Y.Doc();
    const client = new Y.Doc();
    const arr = client.getArray<Uint8Array>(OUTER_ARRAY);
    arr.push([envelope(owner, DOC, 1), envelope(owner, DOC, 2)]);
    const updates: Uint8Array[] = [];
    client.on('update', (u: Uint8Array) => updates.push(u));
    arr.delete(0, 1);
    Y.applyUpdate(relay, Y.encodeStateAsUpdate(client));
    expect(summary(updates[0]!, relay)).toMatchObject({ deletes: 1, allNew: false });
    expect(newContent(updates[0]!, relay)).toBeNull();
  });
});
