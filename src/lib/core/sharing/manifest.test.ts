import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed, rootKeysFromSeed } from '../crypto/index';
import { encodeManifest, isProtocolError, toHex } from '../sync/protocol';
import {
  acceptManifest,
  addOwnerDevice,
  createRecordManifest,
  ManifestKeyring,
  openLockboxes,
  signManifest,
} from './manifest';

const now = 1_800_000_000_000;
const root = rootKeysFromSeed(newSeed());
const phone = deviceKeysFromSeed(newSeed());
const laptop = deviceKeysFromSeed(newSeed());

describe('record manifest', () => {
  const { manifest, keys } = createRecordManifest(root, phone, now);

  it('creates four compartments whose keys the device and the root can open', () => {
    expect(manifest.compartments.map((c) => c.name)).toEqual([
      'clinical',
      'messages',
      'journal',
      'safety',
    ]);
    const fromDevice = openLockboxes(manifest, phone);
    const fromRoot = openLockboxes(manifest, root);
    for (const c of manifest.compartments) {
      const k = keys.get(c.docId)!.get(0)!;
      expect(fromDevice.get(c.docId)?.get(0)).toEqual(k);
      expect(fromRoot.get(c.docId)?.get(0)).toEqual(k);
    }
    expect(openLockboxes(manifest, laptop).size).toBe(0);
  });

  it('verifies against the pinned root and refuses rollback, forgery and another record', () => {
    const v2 = addOwnerDevice(manifest, root, laptop, keys, now + 1);
    expect(v2.version).toBe(2);
    const accepted = acceptManifest(encodeManifest(v2), root.signPublic, v2, now);
    expect(isProtocolError(accepted)).toBe(false);
    expect(acceptManifest(encodeManifest(manifest), root.signPublic, v2, now)).toMatchObject({
      error: 'rollback',
    });
    const other = rootKeysFromSeed(newSeed());
    expect(acceptManifest(encodeManifest(v2), other.signPublic, null, now)).toMatchObject({
      error: 'wrong-root',
    });
    const forged = { ...signManifest({ ...v2, version: 3 }, other), signer: root.signPublic };
    expect(acceptManifest(encodeManifest(forged), root.signPublic, null, now)).toMatchObject({
      error: 'bad-signature',
    });
  });

  it('gives a linked device the keys and a write role', () => {
    const v2 = addOwnerDevice(manifest, root, laptop, keys, now + 1);
    const keyring = new ManifestKeyring(v2, openLockboxes(v2, laptop), () => now);
    const clinical = v2.compartments[0]!.docId;
    expect(keyring.current(clinical)?.key).toEqual(keys.get(clinical)!.get(0));
    expect(keyring.writerRole(clinical, phone.signPublic)).toBe('owner');
    expect(keyring.writerRole(clinical, laptop.signPublic)).toBe('owner');
    expect(keyring.writerRole(clinical, deviceKeysFromSeed(newSeed()).signPublic)).toBeNull();
    expect(v2.grantees.map((g) => toHex(g.deviceKey))).toEqual([phone.deviceId, laptop.deviceId]);
  });
});
