import { describe, expect, it } from 'vitest';
import { randomBytes } from '../crypto/index';
import { validateRecordUpdate } from '../record/index';
import { OUTER_ARRAY } from './binding';
import {
  DOC,
  type Device,
  makeDevice,
  ownerBinding,
  sync,
  write,
  texts,
  pushRaw,
} from './binding.testing';
import { MemoryKeyring } from './keyring';
import { decodeEnvelope, encodeEnvelope, isProtocolError, toHex } from './protocol';

/** THREAT_MODEL rule 6 (`write-gate.ts`): sealing waits while a newer manifest is awaited. */

describe('a relay that withholds a new manifest cannot keep a device writing under the old key (rule 6)', () => {
  /** Two owner devices that hold epoch 0; the phone has moved on to epoch 1 (a revocation). */
  function rotated() {
    const old = randomBytes(32);
    const fresh = randomBytes(32);
    const phoneRing = new MemoryKeyring().setKey(DOC, 0, old).setKey(DOC, 1, fresh);
    const laptopRing = new MemoryKeyring().setKey(DOC, 0, old);
    const phone = makeDevice('phone', phoneRing);
    const laptop = makeDevice('laptop', laptopRing);
    phoneRing.setRole(laptop.keys.signPublic, 'owner');
    laptopRing.setRole(phone.keys.signPublic, 'owner');
    return { old, fresh, phoneRing, laptopRing, phone, laptop };
  }

  const epochsBy = (d: Device, author: Device) =>
    d.outer
      .getArray<Uint8Array>(OUTER_ARRAY)
      .toArray()
      .map((b) => decodeEnvelope(b))
      .filter((e) => !isProtocolError(e) && toHex(e.author) === toHex(author.keys.signPublic))
      .map((e) => (isProtocolError(e) ? -1 : e.epoch));

  it('stops sealing once an owner’s envelope of a newer epoch arrives, and resumes under the new key', () => {
    const { fresh, laptopRing, phone, laptop } = rotated();
    write(phone, 'after the revocation');
    sync(phone.outer, laptop.outer);
    expect(laptop.binding.stats().awaitingEpoch).toBe(1);

    write(laptop, 'typed on the laptop while the relay withholds the manifest');
    expect(epochsBy(laptop, laptop)).toEqual([]); // nothing sealed under epoch 0
    expect(laptop.binding.stats().unsealed).toBe(1);

    // The checkpoint keeps the waiting change, so a reload does not lose it.
    const checkpoint = laptop.binding.checkpoint();
    const reopened = ownerBinding(laptopRing, laptop.keys, {
      validate: validateRecordUpdate,
      batchMs: 0,
      checkpoint,
    });
    expect(reopened.stats().unsealed).toBe(1);
    reopened.destroy();

    laptopRing.setKey(DOC, 1, fresh); // the newer manifest arrived
    laptop.binding.retryDeferred();
    expect(laptop.binding.stats().awaitingEpoch).toBeNull();
    expect(epochsBy(laptop, laptop)).toEqual([1]);
    sync(laptop.outer, phone.outer);
    expect(texts(phone.inner)).toEqual([
      'after the revocation',
      'typed on the laptop while the relay withholds the manifest',
    ]);
  });

  it('a writer who may not rotate keys cannot freeze anyone with an envelope of a made-up epoch', () => {
    const key = randomBytes(32);
    const patientRing = new MemoryKeyring().setKey(DOC, 0, key);
    const patient = makeDevice('patient', patientRing);
    const physio = makeDevice('physio', new MemoryKeyring().setKey(DOC, 7, randomBytes(32)));
    patientRing.setRole(physio.keys.signPublic, 'professional');
    write(physio, 'note under an epoch nobody made');
    sync(physio.outer, patient.outer);
    expect(patient.binding.stats().awaitingEpoch).toBeNull();
    write(patient, 'still writing');
    expect(epochsBy(patient, patient)).toEqual([0]);
  });

  it('a forged envelope of a newer epoch (bad signature) does not stop writing', () => {
    const { phone, laptop } = rotated();
    write(phone, 'real');
    const bytes = phone.outer.getArray<Uint8Array>(OUTER_ARRAY).get(0);
    const env = decodeEnvelope(bytes);
    if (isProtocolError(env)) throw new Error('bad fixture');
    pushRaw(laptop, encodeEnvelope({ ...env, seq: env.seq + 5, signature: randomBytes(64) }));
    expect(laptop.binding.stats().awaitingEpoch).toBeNull();
  });
});

describe('a newer manifest version in a signed envelope holds writing back (rule 6)', () => {
  it('waits in every compartment until the keyring holds that version, then seals under it', () => {
    const key = randomBytes(32);
    const phoneRing = new MemoryKeyring().setKey(DOC, 0, key).setVersion(6);
    const laptopRing = new MemoryKeyring().setKey(DOC, 0, key).setVersion(5);
    const phone = makeDevice('phone', phoneRing);
    const laptop = makeDevice('laptop', laptopRing);
    phoneRing.setRole(laptop.keys.signPublic, 'owner');
    laptopRing.setRole(phone.keys.signPublic, 'owner');
    write(phone, 'written under manifest 6');
    sync(phone.outer, laptop.outer);
    expect(texts(laptop.inner)).toEqual(['written under manifest 6']);
    expect(laptop.binding.stats().awaitingManifest).toBe(6);
    write(laptop, 'waits for manifest 6');
    const sealed = () =>
      laptop.outer
        .getArray<Uint8Array>(OUTER_ARRAY)
        .toArray()
        .map((b) => decodeEnvelope(b))
        .filter((e) => !isProtocolError(e) && toHex(e.author) === toHex(laptop.keys.signPublic));
    expect(sealed()).toEqual([]);
    laptopRing.setVersion(6);
    laptop.binding.retryDeferred();
    expect(sealed().map((e) => (isProtocolError(e) ? null : e.manifestVersion))).toEqual([6]);
    expect(laptop.binding.stats().awaitingManifest).toBeNull();
  });

  it('ignores the version claimed by a device that may not change sharing', () => {
    const key = randomBytes(32);
    const patientRing = new MemoryKeyring().setKey(DOC, 0, key).setVersion(3);
    const physioRing = new MemoryKeyring().setKey(DOC, 0, key).setVersion(99);
    const patient = makeDevice('patient', patientRing);
    const physio = makeDevice('physio', physioRing, 'professional');
    patientRing.setRole(physio.keys.signPublic, 'professional');
    write(physio, 'a note');
    sync(physio.outer, patient.outer);
    expect(patient.binding.stats().awaitingManifest).toBeNull();
  });
});
