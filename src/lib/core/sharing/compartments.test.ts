import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed, rootKeysFromSeed } from '../crypto/index';
import { bytesEqual, verifyManifestSuccessor, type SignedManifest } from '../sync/protocol';
import { addCompartments } from './compartments';
import { grantAccess } from './grants';
import { acceptManifest, createRecordManifest, openLockboxes, signManifest } from './manifest';
import { encodeManifest } from '../sync/protocol';

/**
 * A record made before the `safety` compartment existed gains it (issue 12 item 9, THREAT_MODEL
 * rule 26): signed by the root, sealed to the patient's devices, the root and whoever read
 * `clinical`, and accepted as a successor by every client.
 */

const now = 1_800_000_000_000;
const root = rootKeysFromSeed(newSeed());
const phone = deviceKeysFromSeed(newSeed());
const sister = deviceKeysFromSeed(newSeed());
const physio = deviceKeysFromSeed(newSeed());

function olderRecord() {
  const { manifest, keys } = createRecordManifest(root, phone, now, [
    'clinical',
    'messages',
    'journal',
  ]);
  const doc = (name: string) => manifest.compartments.find((c) => c.name === name)!.docId;
  let m: SignedManifest = grantAccess(
    manifest,
    root,
    {
      device: sister,
      role: 'viewer',
      compartments: [doc('clinical')],
      notAfter: null,
      manage: false,
    },
    keys,
    now,
  );
  m = grantAccess(
    m,
    root,
    {
      device: physio,
      role: 'professional',
      compartments: [doc('messages')],
      notAfter: now + 86_400_000,
      manage: false,
    },
    keys,
    now,
  );
  return { manifest: m, keys };
}

describe('addCompartments', () => {
  it('adds safety for the patient, the root and whoever read clinical', () => {
    const { manifest, keys } = olderRecord();
    const next = addCompartments(manifest, root, keys, now + 1)!;
    expect(next.version).toBe(manifest.version + 1);
    expect(next.compartments.map((c) => c.name)).toEqual([
      'clinical',
      'messages',
      'journal',
      'safety',
    ]);
    const safety = next.compartments.find((c) => c.name === 'safety')!;
    expect(safety.epoch).toBe(0);
    expect(verifyManifestSuccessor(manifest, next, now + 1)).toBeNull();
    const accepted = acceptManifest(encodeManifest(next), root.signPublic, manifest, now + 1);
    expect('error' in accepted).toBe(false);
    const key = keys.get(safety.docId)!.get(0)!;
    for (const reader of [phone, sister, root]) {
      expect(openLockboxes(next, reader).get(safety.docId)?.get(0)).toEqual(key);
    }
    expect(openLockboxes(next, physio).has(safety.docId)).toBe(false);
    const grant = (d: typeof sister) =>
      next.grantees.find((g) => bytesEqual(g.deviceKey, d.signPublic))!;
    expect(grant(sister).compartments).toContain(safety.docId);
    expect(grant(physio).compartments).not.toContain(safety.docId);
    // Nothing else changed: the other compartments keep their epochs and lockboxes.
    for (const c of manifest.compartments) {
      expect(next.compartments.find((x) => x.docId === c.docId)?.epoch).toBe(c.epoch);
    }
    expect(next.lockboxes.filter((l) => l.docId !== safety.docId)).toEqual(manifest.lockboxes);
    // A record that has every compartment gains nothing.
    expect(addCompartments(next, root, keys, now + 2)).toBeNull();
  });

  it('is refused from a delegate: only the root adds compartments', () => {
    const { manifest, keys } = olderRecord();
    const byRoot = addCompartments(manifest, root, keys, now + 1)!;
    const forged = signManifest({ ...byRoot, signer: sister.signPublic }, sister);
    expect(verifyManifestSuccessor(manifest, forged, now + 1)).not.toBeNull();
  });
});
