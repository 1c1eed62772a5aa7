import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed, randomBytes, sign, signEd25519Then } from '../crypto/index';
import { validateRecordUpdate } from '../record/index';
import { OUTER_ARRAY } from './binding';
import {
  DOC,
  usePath,
  settleAll,
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
import type { Signer } from './binding-types';

/** Asynchronous signing (`signing-queue.ts`): seq order, flushing what is in flight, decrypt-ahead. */

describe('asynchronous signing (WebCrypto, issue 15)', () => {
  /** A signer whose signatures complete when the test says, in any order. */
  function heldSigner() {
    const held: Array<() => void> = [];
    const signer: Signer = (message, secret, done) => {
      held.push(() => done(sign(message, secret)));
      return null;
    };
    return { signer, held };
  }

  function device(
    signer: Signer,
    batchMs = 0,
    keyring = new MemoryKeyring().setKey(DOC, 0, randomBytes(32)),
    keys = deviceKeysFromSeed(newSeed()),
    checkpoint?: Uint8Array,
    outer = new Y.Doc(),
  ) {
    keyring.setRole(keys.signPublic, 'owner');
    const inner = new Y.Doc();
    const binding = ownerBinding(keyring, keys, {
      inner,
      outer,
      validate: validateRecordUpdate,
      batchMs,
      sign: signer,
      ...(checkpoint ? { checkpoint } : {}),
    });
    const put = (text: string) => putNote(inner, keys.deviceId, { text });
    const seqs = () =>
      outer
        .getArray<Uint8Array>(OUTER_ARRAY)
        .toArray()
        .map((b) => decodeEnvelope(b))
        .map((e) => (isProtocolError(e) ? -1 : e.seq));
    return { keyring, keys, inner, outer, binding, put, seqs };
  }

  function reader(keyring: MemoryKeyring, outer: Y.Doc) {
    const inner = new Y.Doc();
    const keys = deviceKeysFromSeed(newSeed());
    keyring.setRole(keys.signPublic, 'owner');
    const binding = ownerBinding(keyring, keys, {
      inner,
      outer,
      validate: validateRecordUpdate,
      batchMs: 0,
    });
    return { inner, binding };
  }

  const until = async (ok: () => boolean) => {
    for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 2));
    expect(ok()).toBe(true);
  };

  it('takes the seq when sealing and appends in seq order when signatures complete out of order', async () => {
    const { signer, held } = heldSigner();
    const a = device(signer);
    a.put('one');
    a.put('two');
    a.put('three');
    expect(a.seqs()).toEqual([]);
    expect(a.binding.stats().unsealed).toBe(3); // not in the outer array yet
    held[2]!();
    await new Promise((r) => setTimeout(r, 0));
    expect(a.seqs()).toEqual([]); // the third waits for the first two
    held[0]!();
    await new Promise((r) => setTimeout(r, 0));
    expect(a.seqs()).toEqual([1]);
    held[1]!();
    await new Promise((r) => setTimeout(r, 0));
    expect(a.seqs()).toEqual([1, 2, 3]);
    expect(a.binding.stats().unsealed).toBe(0);
    const b = reader(a.keyring, new Y.Doc());
    sync(a.outer, b.binding.outer);
    expect(texts(b.inner)).toEqual(['one', 'three', 'two']);
    expect(b.binding.stats().rejected).toEqual([]);
    a.binding.destroy();
  });

  it('flush, a checkpoint and destroy sign what is in flight at once; a late signature adds nothing', async () => {
    const { signer, held } = heldSigner();
    const a = device(signer);
    a.put('one');
    a.put('two');
    a.binding.flush();
    expect(a.seqs()).toEqual([1, 2]); // signed synchronously, same rule and bytes
    for (const release of held) release();
    await new Promise((r) => setTimeout(r, 0));
    expect(a.seqs()).toEqual([1, 2]);

    a.put('three');
    expect(a.seqs()).toEqual([1, 2]);
    const checkpoint = a.binding.checkpoint();
    expect(a.seqs()).toEqual([1, 2, 3]); // a checkpoint never claims a seq not in the array
    a.put('four'); // in flight when the device closes
    a.binding.destroy();
    expect(a.seqs()).toEqual([1, 2, 3, 4]);
    for (const release of held) release();
    await new Promise((r) => setTimeout(r, 0));
    expect(a.seqs()).toEqual([1, 2, 3, 4]);

    const reopened = device(signer, 0, a.keyring, a.keys, checkpoint, a.outer);
    expect(texts(reopened.inner)).toEqual(['four', 'one', 'three', 'two']);
    expect(reopened.binding.stats().applied).toBe(1); // only the envelope after the checkpoint
    expect(reopened.binding.stats().rejected).toEqual([]);
    reopened.put('five');
    reopened.binding.flush();
    expect(reopened.seqs()).toEqual([1, 2, 3, 4, 5]);
    const b = reader(a.keyring, new Y.Doc());
    sync(a.outer, b.binding.outer);
    expect(texts(b.inner)).toEqual(['five', 'four', 'one', 'three', 'two']);
    expect(b.binding.stats().rejected).toEqual([]);
    reopened.binding.destroy();
  });

  it('with WebCrypto: a single edit leaves at once, a burst is batched, and the envelopes verify', async () => {
    usePath('webcrypto');
    const a = device(signEd25519Then, 40);
    for (let i = 0; i < 25; i++) a.put(`t${i}`);
    await until(() => a.seqs().length === 1);
    expect(a.binding.stats().unsealed).toBe(24); // the rest waits for the window
    await new Promise((r) => setTimeout(r, 80));
    await until(() => a.seqs().length === 2);
    await new Promise((r) => setTimeout(r, 60)); // quiet for a whole window
    const t0 = Date.now();
    a.put('after a pause');
    await until(() => a.seqs().length === 3);
    expect(Date.now() - t0).toBeLessThan(40);
    expect(a.seqs()).toEqual([1, 2, 3]);
    const b = reader(a.keyring, new Y.Doc());
    sync(a.outer, b.binding.outer);
    expect(texts(b.inner)).toHaveLength(26);
    expect(b.binding.stats().rejected).toEqual([]);
    a.binding.destroy();
    usePath('sync');
  });

  it('a receiver decrypts while the signature is checked, and applies nothing whose signature fails', async () => {
    usePath('webcrypto');
    const { a, b } = setup();
    write(a, 'genuine');
    const good = a.outer.getArray<Uint8Array>(OUTER_ARRAY).get(0);
    const env = decodeEnvelope(good);
    if (isProtocolError(env)) throw new Error('bad fixture');
    // The ciphertext decrypts under the epoch key; only the signature is wrong.
    const forged = encodeEnvelope({ ...env, signature: randomBytes(64) });
    pushRaw(b, forged);
    await settleAll();
    expect(texts(b.inner)).toEqual([]);
    expect(b.binding.stats().rejected.map((r) => r.reason)).toEqual([
      'bad-signature-or-ciphertext',
    ]);
    sync(a.outer, b.outer);
    await settleAll();
    expect(texts(b.inner)).toEqual(['genuine']);
    usePath('sync');
  });

  it('seals nothing while a newer manifest is awaited, and the checkpoint keeps the change', async () => {
    const a = device(signEd25519Then);
    a.keyring.setVersion(5).sawManifestVersion(6);
    a.put('waits for manifest 6');
    await new Promise((r) => setTimeout(r, 10));
    expect(a.seqs()).toEqual([]);
    expect(a.binding.stats().unsealed).toBe(1);
    const checkpoint = a.binding.checkpoint();
    const reopened = device(signEd25519Then, 0, a.keyring, a.keys, checkpoint);
    expect(reopened.binding.stats().unsealed).toBe(1);
    reopened.binding.destroy();
    a.keyring.setVersion(6);
    a.binding.retryDeferred();
    expect(a.seqs()).toEqual([1]);
    a.binding.destroy();
  });
});
