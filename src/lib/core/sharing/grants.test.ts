import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed, rootKeysFromSeed, type DeviceKeys } from '../crypto/index';
import { listEntries, newEntryId, putEntry, validateRecordUpdate } from '../record/index';
import { EncryptedDocBinding } from '../sync/binding';
import {
  bytesEqual,
  granteeFor,
  hasValidCertificate,
  verifyManifest,
  verifyManifestSuccessor,
  type Role,
  type SignedManifest,
} from '../sync/protocol';
import { grantAccess, GrantError, revokeAccess } from './grants';
import {
  certifyDelegate,
  createRecordManifest,
  ManifestKeyring,
  openLockboxes,
  signManifest,
} from './manifest';

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
  const write = (text: string, type = 'note') =>
    putEntry(inner, {
      id: newEntryId(keys.deviceId),
      type,
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
    // A professional writes notes and messages only: a check-in in their name is refused.
    const before = p.binding.stats().rejected.length;
    const gp = deviceKeysFromSeed(newSeed());
    const m5 = grantAccess(
      m4,
      root,
      { device: gp, role: 'professional', compartments: [clinical], notAfter: null },
      keys,
      t0 + 2,
    );
    const pro2 = device(gp, 'professional', m5, clinical);
    p.keyring.update(m5, p.keys);
    pro2.write('pain 0, says the physio', 'pain-checkin');
    sync(pro2.outer, p.outer);
    expect(p.texts()).not.toContain('pain 0, says the physio');
    expect(
      p.binding
        .stats()
        .rejected.slice(before)
        .map((r) => r.reason),
    ).toEqual(['forbidden-change']);
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

describe('delegates', () => {
  const mother = deviceKeysFromSeed(newSeed());
  const setup = () => {
    const { manifest: m1, keys } = createRecordManifest(root, phone, t0);
    const clinical = m1.compartments.find((c) => c.name === 'clinical')!.docId;
    const messages = m1.compartments.find((c) => c.name === 'messages')!.docId;
    return { m1, keys, clinical, messages };
  };

  it('a certified delegate grants and revokes a professional within what it can open', () => {
    const { m1, keys, clinical, messages } = setup();
    const m2 = grantAccess(
      m1,
      root,
      {
        device: sister,
        role: 'delegate',
        compartments: [clinical, messages],
        notAfter: null,
        manage: true,
      },
      keys,
      t0,
    );
    expect(verifyManifest(m2)).toBeNull();
    expect(
      hasValidCertificate(
        m2,
        m2.grantees.find((g) => g.role === 'delegate')!,
      ),
    ).toBe(true);
    // The delegate's own device holds only what was sealed to it.
    const sisterKeys = openLockboxes(m2, sister);
    const m3 = grantAccess(
      m2,
      sister,
      { device: physio, role: 'professional', compartments: [clinical], notAfter: null },
      sisterKeys,
      t0 + 1,
    );
    expect(bytesEqual(m3.signer, sister.signPublic)).toBe(true);
    expect(verifyManifest(m3)).toBeNull();
    expect(verifyManifestSuccessor(m2, m3, t0 + 1)).toBeNull();
    expect(openLockboxes(m3, physio).get(clinical)?.get(0)).toEqual(keys.get(clinical)!.get(0));
    const { manifest: m4 } = revokeAccess(m3, sister, [physio.signPublic], sisterKeys, t0 + 2);
    expect(verifyManifestSuccessor(m3, m4, t0 + 2)).toBeNull();
    expect(m4.compartments.find((c) => c.docId === clinical)!.epoch).toBe(1);
    // The patient's phone and the root can open the new key.
    expect(openLockboxes(m4, phone).get(clinical)?.get(1)).toEqual(
      sisterKeys.get(clinical)!.get(1),
    );
    // It cannot grant the journal it cannot open, nor touch the patient's devices.
    const journal = m1.compartments.find((c) => c.name === 'journal')!.docId;
    expect(() =>
      grantAccess(
        m4,
        sister,
        { device: physio, role: 'viewer', compartments: [journal], notAfter: null },
        sisterKeys,
        t0 + 3,
      ),
    ).toThrow(GrantError);
    expect(() => revokeAccess(m4, sister, [phone.signPublic], sisterKeys, t0 + 3)).toThrow(
      GrantError,
    );
    // Nor certify anyone.
    expect(() =>
      grantAccess(
        m4,
        sister,
        {
          device: mother,
          role: 'delegate',
          compartments: [clinical],
          notAfter: null,
          manage: true,
        },
        sisterKeys,
        t0 + 3,
      ),
    ).toThrow(GrantError);
  });

  it('a delegate without a certificate cannot change sharing', () => {
    const { m1, keys, clinical } = setup();
    const m2 = grantAccess(
      m1,
      root,
      { device: sister, role: 'delegate', compartments: [clinical], notAfter: null },
      keys,
      t0,
    );
    expect(m2.grantees.find((g) => g.role === 'delegate')!.certificate).toBeNull();
    expect(() =>
      grantAccess(
        m2,
        sister,
        { device: physio, role: 'professional', compartments: [clinical], notAfter: null },
        openLockboxes(m2, sister),
        t0 + 1,
      ),
    ).toThrow(/certificate/);
    // Signed by hand, it fails verification everywhere.
    const forged = signManifest({ ...m2, version: m2.version + 1 }, sister);
    expect(verifyManifest(forged)?.error).toBe('bad-signature');
    // A certificate for another device does not transfer.
    const stolen = {
      ...m2,
      version: m2.version + 1,
      grantees: m2.grantees.map((g) =>
        g.role === 'delegate'
          ? { ...g, certificate: certifyDelegate(root, mother.signPublic, null) }
          : g,
      ),
    };
    expect(verifyManifest(signManifest(stolen, sister))?.error).toBe('bad-signature');
  });

  it('removing a delegate revokes its certificate; an expired delegate cannot sign', () => {
    const { m1, keys, clinical } = setup();
    const request = {
      device: sister,
      role: 'delegate' as const,
      compartments: [clinical],
      notAfter: t0 + 1000,
      manage: true,
    };
    const m2 = grantAccess(m1, root, request, keys, t0);
    const sisterKeys = openLockboxes(m2, sister);
    const { manifest: m3 } = revokeAccess(m2, root, [sister.signPublic], keys, t0 + 1);
    // The removed delegate re-adds itself with its old certificate under a higher version.
    const comeback = signManifest(
      { ...m3, version: m3.version + 1, grantees: [...m3.grantees, m2.grantees[1]!] },
      sister,
    );
    expect(verifyManifest(comeback)).toBeNull(); // self-consistent…
    expect(verifyManifestSuccessor(m3, comeback, t0 + 2)?.error).toBe('not-permitted'); // …not a successor
    // Past notAfter, its changes are refused even while it is still listed.
    const late = grantAccess(
      m2,
      sister,
      { device: physio, role: 'viewer', compartments: [clinical], notAfter: null },
      sisterKeys,
      t0 + 10,
    );
    expect(verifyManifestSuccessor(m2, late, t0 + 1001)?.error).toBe('not-permitted');
  });
});
