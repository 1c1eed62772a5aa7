import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed, rootKeysFromSeed, type DeviceKeys } from '../crypto/index';
import { listEntries, newEntryId, putEntry, validateRecordUpdate } from '../record/index';
import { EncryptedDocBinding } from '../sync/binding';
import { granteeFor, type Role, type SignedManifest } from '../sync/protocol';
import { grantAccess, GrantError, revokeAccess } from './grants';
import { createRecordManifest, ManifestKeyring, openLockboxes } from './manifest';

const t0 = 1_800_000_000_000;
const root = rootKeysFromSeed(newSeed());
const phone = deviceKeysFromSeed(newSeed());
const physio = deviceKeysFromSeed(newSeed());
const sister = deviceKeysFromSeed(newSeed());

function sync(a: Y.Doc, b: Y.Doc) {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

function device(keys: DeviceKeys, role: Role, manifest: SignedManifest, docId: string) {
  const keyring = new ManifestKeyring(manifest, openLockboxes(manifest, keys), () => t0 + 10);
  const inner = new Y.Doc();
  const outer = new Y.Doc();
  const binding = new EncryptedDocBinding({
    docId,
    inner,
    outer,
    keyring,
    author: { ...keys, role },
    validate: validateRecordUpdate,
    batchMs: 0,
  });
  const write = (text: string) =>
    putEntry(inner, {
      id: newEntryId(),
      type: 'note',
      at: new Date(t0).toISOString(),
      author: { deviceId: keys.deviceId, role },
      data: { text },
      v: 1,
    });
  const texts = () =>
    listEntries(inner)
      .map((e) => (e.data as { text: string }).text)
      .sort();
  return { keyring, inner, outer, binding, write, texts, keys };
}

describe('grants', () => {
  it('a professional reads and writes notes, a viewer only reads, and revocation locks the professional out of what comes after', () => {
    const { manifest: m1, keys } = createRecordManifest(root, phone, t0);
    const clinical = m1.compartments.find((c) => c.name === 'clinical')!.docId;
    const m2 = grantAccess(
      m1,
      root,
      { device: physio, role: 'professional', compartments: [clinical], notAfter: t0 + 86_400_000 },
      keys,
      t0,
    );
    const m3 = grantAccess(
      m2,
      root,
      { device: sister, role: 'viewer', compartments: [clinical], notAfter: null },
      keys,
      t0,
    );
    expect(m3.version).toBe(3);
    expect(granteeFor(m3, physio.signPublic, clinical, t0)?.role).toBe('professional');

    const p = device(phone, 'owner', m3, clinical);
    const pro = device(physio, 'professional', m3, clinical);
    const sis = device(sister, 'viewer', m3, clinical);
    p.write('pain 6 after gardening');
    pro.write('physio: start graded walking');
    sis.write('the viewer tries to write');
    for (const d of [pro, sis]) sync(p.outer, d.outer);
    sync(pro.outer, sis.outer);
    for (const d of [p, pro]) {
      expect(d.texts()).toEqual(['pain 6 after gardening', 'physio: start graded walking']);
    }
    // The viewer's own attempt exists only on its own device: everyone else refuses it.
    expect(sis.texts()).toEqual([
      'pain 6 after gardening',
      'physio: start graded walking',
      'the viewer tries to write',
    ]);
    expect(p.binding.stats().rejected.map((r) => r.reason)).toEqual(['not-a-writer']);
    expect(pro.binding.stats().rejected.map((r) => r.reason)).toEqual(['not-a-writer']);

    // Revoke the professional: clinical moves to epoch 1 with a key they never get.
    const { manifest: m4, rotated } = revokeAccess(m3, root, [physio.signPublic], keys, t0 + 1);
    expect(rotated).toEqual([clinical]);
    expect(m4.compartments.find((c) => c.docId === clinical)!.epoch).toBe(1);
    expect(openLockboxes(m4, physio).get(clinical)?.get(1)).toBeUndefined();
    expect(openLockboxes(m4, sister).get(clinical)?.get(1)).toEqual(keys.get(clinical)!.get(1));
    expect(openLockboxes(m4, root).get(clinical)?.get(1)).toEqual(keys.get(clinical)!.get(1));
    for (const d of [p, pro, sis]) {
      d.keyring.update(m4, d.keys);
      d.binding.retryDeferred();
    }
    p.binding.compact(); // a snapshot under the new epoch replaces the old envelopes
    p.write('after the revocation');
    for (const d of [pro, sis]) sync(p.outer, d.outer);
    expect(sis.texts()).toContain('after the revocation');
    expect(pro.texts()).not.toContain('after the revocation');
    expect(pro.binding.stats().deferred).toBeGreaterThan(0);
    // What they saw before stays with them: it cannot be recalled.
    expect(pro.texts()).toContain('pain 6 after gardening');
    // A late write by the revoked professional is refused by everyone.
    pro.write('late note');
    sync(pro.outer, p.outer);
    expect(p.texts()).not.toContain('late note');
  });

  it('expired grants are removed with a rotation; bad requests are refused', () => {
    const { manifest: m1, keys } = createRecordManifest(root, phone, t0);
    const clinical = m1.compartments[0]!.docId;
    const m2 = grantAccess(
      m1,
      root,
      { device: physio, role: 'professional', compartments: [clinical], notAfter: t0 + 1000 },
      keys,
      t0,
    );
    expect(revokeAccess(m2, root, 'expired', keys, t0 + 999).rotated).toEqual([]);
    const { manifest: m3, rotated } = revokeAccess(m2, root, 'expired', keys, t0 + 1000);
    expect(rotated).toEqual([clinical]);
    expect(m3.grantees).toHaveLength(1);
    expect(() =>
      grantAccess(
        m1,
        root,
        { device: physio, role: 'viewer', compartments: [], notAfter: null },
        keys,
        t0,
      ),
    ).toThrow(GrantError);
    expect(() =>
      grantAccess(
        m1,
        root,
        { device: physio, role: 'viewer', compartments: ['nope'], notAfter: null },
        keys,
        t0,
      ),
    ).toThrow(GrantError);
    expect(() => revokeAccess(m1, root, [phone.signPublic], keys, t0)).toThrow(GrantError);
  });
});
