import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { bytesEqual } from '../../src/lib/core/sync/protocol';
import type { Role } from './auth';
import { checkUpdate, OUTER_ARRAY, type UpdateContext } from './policy';
import { envelope, keyPair, type KeyPair } from './testing';

const DOC = 'clinical';
const owner = keyPair();
const pro = keyPair();
const stranger = keyPair();

function ctx(device: KeyPair, role: Role, doc: Y.Doc, writers: KeyPair[] = [owner, pro]) {
  return {
    docId: DOC,
    deviceKey: device.publicKey,
    role,
    doc,
    isWriter: (k: Uint8Array) => writers.some((w) => bytesEqual(w.publicKey, k)),
  } satisfies UpdateContext;
}

/** The update a change to `client` produces. */
function change(client: Y.Doc, f: () => void): Uint8Array {
  let out: Uint8Array | null = null;
  const h = (u: Uint8Array) => (out = out ? Y.mergeUpdates([out, u]) : u);
  client.on('update', h);
  client.transact(f);
  client.off('update', h);
  if (!out) throw new Error('no change');
  return out;
}

/** A relay document and a client in sync with it. */
function pair(): { relay: Y.Doc; client: Y.Doc } {
  const relay = new Y.Doc();
  const client = new Y.Doc();
  return { relay, client };
}

function sync(from: Y.Doc, to: Y.Doc) {
  Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));
}

describe('checkUpdate', () => {
  it('accepts envelopes in the connection’s own name, from any role that writes', () => {
    for (const [who, role] of [
      [owner, 'owner'],
      [pro, 'professional'],
    ] as const) {
      const { relay, client } = pair();
      const u = change(client, () =>
        client.getArray<Uint8Array>(OUTER_ARRAY).push([envelope(who, DOC, 1)]),
      );
      expect(checkUpdate(u, ctx(who, role, relay))).toEqual({
        inserts: 1,
        deletes: 0,
        allNew: true,
      });
    }
  });

  it('refuses bytes that are not a Yjs update', () => {
    const { relay } = pair();
    expect(
      checkUpdate(new Uint8Array([1, 2, 3, 250, 250, 250]), ctx(owner, 'owner', relay)),
    ).toEqual({
      reason: 'not-a-yjs-update',
    });
  });

  it('refuses anything but envelopes in the root array', () => {
    const cases: Array<(d: Y.Doc) => void> = [
      (d) => d.getArray<Uint8Array>(OUTER_ARRAY).push([new Uint8Array([1, 2, 3])]),
      (d) => d.getArray<string>(OUTER_ARRAY).push(['plain text']),
      (d) => d.getText('notes').insert(0, 'plain text'),
      (d) => d.getMap<Uint8Array>('m').set('k', envelope(owner, DOC, 1)),
      (d) => d.getArray<Uint8Array>('other').push([envelope(owner, DOC, 1)]),
      (d) =>
        d
          .getArray<Y.Array<Uint8Array>>(OUTER_ARRAY)
          .push([Y.Array.from([envelope(owner, DOC, 1)])]),
    ];
    for (const f of cases) {
      const { relay, client } = pair();
      const u = change(client, () => f(client));
      expect(checkUpdate(u, ctx(owner, 'owner', relay))).toEqual({ reason: 'not-an-envelope' });
    }
  });

  it('refuses an item placed after an accepted one that is not an envelope', () => {
    const { relay, client } = pair();
    const arr = client.getArray<Uint8Array>(OUTER_ARRAY);
    Y.applyUpdate(
      relay,
      change(client, () => arr.push([envelope(owner, DOC, 1)])),
    );
    const u = change(client, () => arr.push([new Uint8Array(80)]));
    expect(checkUpdate(u, ctx(owner, 'owner', relay))).toEqual({ reason: 'not-an-envelope' });
  });

  it('refuses envelopes of another compartment', () => {
    const { relay, client } = pair();
    const u = change(client, () =>
      client.getArray<Uint8Array>(OUTER_ARRAY).push([envelope(owner, 'journal', 1)]),
    );
    expect(checkUpdate(u, ctx(owner, 'owner', relay))).toEqual({ reason: 'wrong-document' });
  });

  it('refuses envelopes in someone else’s name unless a writer signed them', () => {
    const { relay, client } = pair();
    const arr = client.getArray<Uint8Array>(OUTER_ARRAY);
    // Forged: claims the owner as author, signed by the professional.
    const forged = change(client, () =>
      arr.push([envelope(owner, DOC, 1, undefined, { signer: pro })]),
    );
    expect(checkUpdate(forged, ctx(pro, 'professional', relay))).toEqual({
      reason: 'not-your-envelope',
    });
    // Signed by a device that holds no write grant.
    const c2 = new Y.Doc();
    const outsider = change(c2, () =>
      c2.getArray<Uint8Array>(OUTER_ARRAY).push([envelope(stranger, DOC, 1)]),
    );
    expect(checkUpdate(outsider, ctx(pro, 'professional', relay))).toEqual({
      reason: 'not-your-envelope',
    });
    // The owner's genuine envelope, re-uploaded by the professional (the relay lost it).
    const c3 = new Y.Doc();
    const genuine = change(c3, () =>
      c3.getArray<Uint8Array>(OUTER_ARRAY).push([envelope(owner, DOC, 7)]),
    );
    expect(checkUpdate(genuine, ctx(pro, 'professional', relay))).toEqual({
      inserts: 1,
      deletes: 0,
      allNew: true,
    });
  });

  it('lets owners delete, and refuses deletions by anyone else', () => {
    const { relay, client } = pair();
    const arr = client.getArray<Uint8Array>(OUTER_ARRAY);
    Y.applyUpdate(
      relay,
      change(client, () => arr.push([envelope(owner, DOC, 1), envelope(owner, DOC, 2)])),
    );
    const del = change(client, () => arr.delete(0, 1));
    for (const role of ['delegate', 'professional', 'viewer'] as const) {
      expect(checkUpdate(del, ctx(pro, role, relay))).toEqual({ reason: 'only-owners-delete' });
    }
    expect(checkUpdate(del, ctx(owner, 'owner', relay))).toEqual({
      inserts: 0,
      deletes: 1,
      allNew: false,
    });
  });

  it('lets a non-owner repeat deletions the relay already holds (sync step 2)', () => {
    const relay = new Y.Doc();
    const ownerDoc = new Y.Doc();
    const proDoc = new Y.Doc();
    const arr = ownerDoc.getArray<Uint8Array>(OUTER_ARRAY);
    arr.push([envelope(owner, DOC, 1), envelope(owner, DOC, 2)]);
    sync(ownerDoc, relay);
    sync(relay, proDoc);
    arr.delete(0, 1); // owner compaction
    sync(ownerDoc, relay);
    sync(relay, proDoc);
    // The professional writes offline, then answers the relay's sync step 1.
    proDoc.getArray<Uint8Array>(OUTER_ARRAY).push([envelope(pro, DOC, 1)]);
    const step2 = Y.encodeStateAsUpdate(proDoc, Y.encodeStateVector(relay));
    expect(Y.decodeUpdate(step2).ds.clients.size).toBeGreaterThan(0);
    expect(checkUpdate(step2, ctx(pro, 'professional', relay))).toEqual({
      inserts: 1,
      deletes: 1,
      allNew: false,
    });
  });

  it('lets a non-owner re-send items the relay already has, whoever wrote them', () => {
    const relay = new Y.Doc();
    const ownerDoc = new Y.Doc();
    ownerDoc.getArray<Uint8Array>(OUTER_ARRAY).push([envelope(owner, DOC, 1)]);
    sync(ownerDoc, relay);
    const proDoc = new Y.Doc();
    sync(relay, proDoc);
    const everything = Y.encodeStateAsUpdate(proDoc);
    expect(checkUpdate(everything, ctx(pro, 'professional', relay))).toEqual({
      inserts: 0,
      deletes: 0,
      allNew: false,
    });
  });

  it('refuses a non-owner deleting an item the relay does not have yet', () => {
    const relay = new Y.Doc();
    const ownerDoc = new Y.Doc();
    const arr = ownerDoc.getArray<Uint8Array>(OUTER_ARRAY);
    arr.push([envelope(owner, DOC, 1)]);
    arr.delete(0, 1);
    // A delete set that names the owner's (unknown to the relay) item, with no item attached.
    const ds = Y.encodeStateAsUpdate(ownerDoc);
    const dsOnly = Y.diffUpdate(ds, Y.encodeStateVector(ownerDoc));
    expect(Y.decodeUpdate(dsOnly).structs).toHaveLength(0);
    expect(checkUpdate(dsOnly, ctx(pro, 'professional', relay))).toEqual({
      reason: 'only-owners-delete',
    });
  });
});
