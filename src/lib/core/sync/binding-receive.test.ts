import * as Y from 'yjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes, sealEnvelopeBytes } from '../crypto/index';
import { deleteEntry, newEntryId, putEntry, validateRecordUpdate } from '../record/index';
import { OUTER_ARRAY } from './binding';
import {
  DOC,
  SIGNATURE_PATHS,
  verifier,
  usePath,
  settleAll,
  type Device,
  makeDevice,
  sync,
  putNote,
  write,
  texts,
  setup,
  pushRaw,
  ownerBinding,
} from './binding.testing';
import { MemoryKeyring } from './keyring';
import { decodeEnvelope, encodeEnvelope, isProtocolError } from './protocol';

/** Receiving on every signature path: tampered, replayed, reordered and unauthorised envelopes. */

describe('encrypted doc binding', () => {
  describe.each(SIGNATURE_PATHS)('tamper (signatures: %s)', (path) => {
    beforeEach(() => usePath(path));
    afterEach(() => usePath('sync'));

    it('rejects flipped bits and leaves the record intact', async () => {
      const { a, b } = setup();
      write(a, 'first');
      sync(a.outer, b.outer);
      await settleAll();
      const good = a.outer.getArray<Uint8Array>(OUTER_ARRAY).get(0);
      let rejected = 0;
      for (const i of [5, 40, good.length - 70, good.length - 3]) {
        const bad = good.slice();
        bad[i]! ^= 0x10;
        pushRaw(a, bad);
        rejected++;
      }
      sync(a.outer, b.outer);
      await settleAll();
      expect(texts(b.inner)).toEqual(['first']);
      expect(b.binding.stats().rejected).toHaveLength(rejected);
    });

    it('rejects a replayed envelope', async () => {
      const { a, b } = setup();
      write(a, 'once');
      const first = a.outer.getArray<Uint8Array>(OUTER_ARRAY).get(0);
      sync(a.outer, b.outer);
      await settleAll();
      pushRaw(a, first.slice());
      sync(a.outer, b.outer);
      await settleAll();
      expect(b.binding.stats().rejected.map((r) => r.reason)).toEqual(['replay']);
      expect(texts(b.inner)).toEqual(['once']);
    });

    it('converges when envelopes arrive reordered', async () => {
      const { a, b } = setup();
      const e = write(a, 'v1');
      putEntry(a.inner, { ...e, data: { text: 'v2' } });
      write(a, 'other');
      const items = a.outer.getArray<Uint8Array>(OUTER_ARRAY).toArray();
      const reordered = new Y.Doc();
      const keyring = (b.binding as unknown as { keyring: MemoryKeyring }).keyring;
      const binding = ownerBinding(keyring, b.keys, {
        outer: reordered,
        validate: validateRecordUpdate,
        batchMs: 0,
        verifySignature: verifier,
      });
      for (const item of [...items].reverse())
        reordered.getArray<Uint8Array>(OUTER_ARRAY).push([item]);
      await binding.settled();
      expect(texts(binding.inner)).toEqual(texts(a.inner));
      expect(binding.stats().rejected).toEqual([]);
    });

    it('rejects an entry written in someone else\u2019s name', async () => {
      const { keyring, a, b } = setup();
      const mallory = makeDevice('m', keyring, 'delegate');
      putEntry(mallory.inner, {
        id: newEntryId(mallory.keys.deviceId),
        type: 'note',
        at: new Date().toISOString(),
        author: { deviceId: a.keys.deviceId, role: 'owner' },
        data: { text: 'forged' },
        v: 1,
      });
      sync(mallory.outer, b.outer);
      await settleAll();
      expect(texts(b.inner)).toEqual([]);
      expect(b.binding.stats().rejected[0]?.reason).toBe('forbidden-change');
    });

    it("rejects a non-owner replacing or deleting another writer's entry", async () => {
      const { keyring, a, b } = setup();
      const e = write(a, 'patient wrote this');
      sync(a.outer, b.outer);
      await settleAll();
      const attacks: Array<(r: Device) => void> = [
        (r) =>
          putEntry(r.inner, {
            ...e,
            author: { deviceId: r.keys.deviceId, role: 'delegate' },
            data: { text: 'overwritten' },
          }),
        (r) => deleteEntry(r.inner, e.id, { deviceId: r.keys.deviceId, role: 'delegate' }, e.at),
        (r) => r.inner.getMap('entries').delete(e.id),
      ];
      for (const attack of attacks) {
        const relative = makeDevice('r', keyring, 'delegate');
        sync(a.outer, relative.outer);
        await settleAll();
        attack(relative);
        sync(relative.outer, b.outer);
        await settleAll();
      }
      expect(texts(b.inner)).toEqual(['patient wrote this']);
      expect(b.binding.stats().rejected.map((r) => r.reason)).toEqual([
        'forbidden-change',
        'forbidden-change',
        'forbidden-change',
      ]);
    });

    it('rejects envelopes of a device without a write grant, and snapshots by non-owners', async () => {
      const { keyring, a, b } = setup();
      const viewer = makeDevice('v', keyring, 'delegate');
      keyring.setRole(viewer.keys.signPublic, 'viewer');
      write(viewer, 'viewer writes');
      const delegate = makeDevice('d', keyring, 'delegate');
      write(delegate, 'fine');
      delegate.binding.compact(); // refused locally: not an owner
      const env = decodeEnvelope(delegate.outer.getArray<Uint8Array>(OUTER_ARRAY).get(0));
      if (isProtocolError(env)) throw new Error(env.message);
      const fakeSnapshot = sealEnvelopeBytes(
        {
          kind: 'snapshot',
          docId: DOC,
          epoch: 0,
          author: delegate.keys.signPublic,
          seq: 9,
          covers: new Map(),
        },
        keyring.key(DOC, 0)!,
        Y.encodeStateAsUpdate(delegate.inner),
        delegate.keys.signSecret,
      );
      pushRaw(delegate, fakeSnapshot);
      sync(viewer.outer, b.outer);
      await settleAll();
      sync(delegate.outer, b.outer);
      await settleAll();
      expect(texts(b.inner)).toEqual(['fine']);
      expect(
        b.binding
          .stats()
          .rejected.map((r) => r.reason)
          .sort(),
      ).toEqual(['not-a-writer', 'snapshot-not-owner']);
      void a;
    });

    it('defers an envelope of an unknown newer epoch and rejects one of a forgotten older epoch', async () => {
      const { keyring, a, b } = setup();
      const newKey = randomBytes(32);
      const future = sealEnvelopeBytes(
        {
          kind: 'update',
          docId: DOC,
          epoch: 1,
          author: a.keys.signPublic,
          seq: 50,
          covers: new Map(),
        },
        newKey,
        (() => {
          const d = new Y.Doc();
          putNote(d, a.keys.deviceId, { text: 'epoch one' });
          return Y.encodeStateAsUpdate(d);
        })(),
        a.keys.signSecret,
      );
      pushRaw(a, future);
      sync(a.outer, b.outer);
      await settleAll();
      expect(b.binding.stats().deferred).toBe(1);
      expect(texts(b.inner)).toEqual([]);
      keyring.setKey(DOC, 1, newKey);
      b.binding.retryDeferred();
      await settleAll();
      expect(texts(b.inner)).toEqual(['epoch one']);
      // An envelope that claims epoch 1 but was sealed with the epoch-0 key fails to open.
      const wrong = decodeEnvelope(future);
      if (isProtocolError(wrong)) throw new Error(wrong.message);
      const lying = sealEnvelopeBytes(
        { ...wrong, seq: 51 },
        keyring.key(DOC, 0)!,
        new Uint8Array([0, 0]),
        a.keys.signSecret,
      );
      const relabelled = decodeEnvelope(lying);
      if (isProtocolError(relabelled)) throw new Error(relabelled.message);
      pushRaw(a, encodeEnvelope({ ...relabelled, epoch: 1 }));
      sync(a.outer, b.outer);
      await settleAll();
      expect(b.binding.stats().rejected.map((r) => r.reason)).toEqual([
        'bad-signature-or-ciphertext',
      ]);
    });
  });
});
