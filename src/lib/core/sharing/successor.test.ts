import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed, randomBytes, rootKeysFromSeed, seal } from '../crypto/index';
import {
  bytesEqual,
  decodeManifest,
  encodeManifest,
  isProtocolError,
  type ManifestBody,
  type SignedManifest,
} from '../sync/protocol';
import { grantAccess, GrantError, revokeAccess } from './grants';
import {
  acceptManifest,
  acceptManifestChain,
  createRecordManifest,
  ManifestKeyring,
  openLockboxes,
  signManifest,
  type EpochKeys,
} from './manifest';

/**
 * THREAT_MODEL rule 7: a manifest signer hands out only what it holds. Each attack builds the
 * delegate's manifest by hand, signs it with the delegate's real key, and offers it to the
 * patient's device (`acceptManifest`, as `refreshManifest` does). The relay runs the same
 * `verifyManifestSuccessor` (tested through its registry in `sync-server/src/auth.test.ts`).
 */

const t0 = 1_800_000_000_000;
const root = rootKeysFromSeed(newSeed());
const phone = deviceKeysFromSeed(newSeed());
const sister = deviceKeysFromSeed(newSeed());
const brother = deviceKeysFromSeed(newSeed());
const spare = deviceKeysFromSeed(newSeed());
const physio = deviceKeysFromSeed(newSeed());

/** The context `sealLockboxes` binds an epoch key to (manifest.ts `lockboxContext`). */
function context(m: ManifestBody, docId: string, epoch: number): string {
  return `epoch-key:${m.recordId}:${docId}:${epoch}`;
}

/** A record where the sister manages sharing of `clinical` only and the brother of both. */
function setup() {
  const { manifest: m1, keys } = createRecordManifest(root, phone, t0);
  const clinical = m1.compartments.find((c) => c.name === 'clinical')!.docId;
  const messages = m1.compartments.find((c) => c.name === 'messages')!.docId;
  const m2 = grantAccess(
    m1,
    root,
    { device: sister, role: 'delegate', compartments: [clinical], notAfter: null, manage: true },
    keys,
    t0,
  );
  const m3 = grantAccess(
    m2,
    root,
    {
      device: brother,
      role: 'delegate',
      compartments: [clinical, messages],
      notAfter: null,
      manage: true,
    },
    keys,
    t0,
  );
  const sisterKeys = openLockboxes(m3, sister);
  return { m3, keys, clinical, messages, sisterKeys };
}

/** The patient shares clinical and messages with the physiotherapist. */
function physioOnBoth(m: SignedManifest, keys: EpochKeys, clinical: string, messages: string) {
  return grantAccess(
    m,
    root,
    { device: physio, role: 'professional', compartments: [clinical, messages], notAfter: null },
    keys,
    t0,
  );
}

/** What the patient's phone says of a manifest the relay offers it. */
function phoneAccepts(previous: SignedManifest, next: SignedManifest): boolean {
  const result = acceptManifest(encodeManifest(next), root.signPublic, previous, t0 + 1);
  return !('error' in result);
}

describe('a delegate hands out only the compartments it holds (rule 7)', () => {
  it('refuses a manifest that moves messages to a key of the delegate’s choosing and gives a spare device access', () => {
    const { m3, messages } = setup();
    const own = randomBytes(32);
    const epoch = m3.compartments.find((c) => c.docId === messages)!.epoch + 1;
    const lockboxes = m3.lockboxes
      .filter((l) => l.docId !== messages)
      .concat(
        [phone.boxPublic, root.boxPublic, spare.boxPublic, brother.boxPublic].map((recipient) => ({
          recipient,
          docId: messages,
          epoch,
          sealed: seal(recipient, own, context(m3, messages, epoch)),
        })),
      );
    const forged = signManifest(
      {
        ...m3,
        version: m3.version + 1,
        issuedAt: t0 + 1,
        compartments: m3.compartments.map((c) => (c.docId === messages ? { ...c, epoch } : c)),
        grantees: [
          ...m3.grantees,
          {
            deviceKey: spare.signPublic,
            boxKey: spare.boxPublic,
            role: 'viewer',
            compartments: [messages],
            since: t0,
            notAfter: null,
            certificate: null,
          },
        ],
        lockboxes,
        signer: sister.signPublic,
      },
      sister,
    );
    expect(phoneAccepts(m3, forged)).toBe(false);
    const result = acceptManifest(encodeManifest(forged), root.signPublic, m3, t0 + 1);
    expect(result).toMatchObject({ error: 'not-permitted' });

    // Even if a device were handed it, it takes no key the signer could not have known.
    const keys: EpochKeys = openLockboxes(m3, phone);
    const keyring = new ManifestKeyring(m3, keys, () => t0 + 1);
    keyring.update(forged, phone);
    expect(keyring.key(messages, epoch)).toBeNull();
  });

  it('refuses the variant that leaves the patient without a key to messages', () => {
    const { m3, messages } = setup();
    const epoch = m3.compartments.find((c) => c.docId === messages)!.epoch + 1;
    const forged = signManifest(
      {
        ...m3,
        version: m3.version + 1,
        compartments: m3.compartments.map((c) => (c.docId === messages ? { ...c, epoch } : c)),
        lockboxes: m3.lockboxes.filter((l) => l.docId !== messages),
        signer: sister.signPublic,
      },
      sister,
    );
    expect(phoneAccepts(m3, forged)).toBe(false);
  });

  it('refuses a delegate’s new epoch of its own compartment that leaves out the patient’s devices', () => {
    const { m3, clinical, sisterKeys } = setup();
    const epoch = m3.compartments.find((c) => c.docId === clinical)!.epoch + 1;
    const key = randomBytes(32);
    sisterKeys.get(clinical)!.set(epoch, key);
    const forged = signManifest(
      {
        ...m3,
        version: m3.version + 1,
        compartments: m3.compartments.map((c) => (c.docId === clinical ? { ...c, epoch } : c)),
        lockboxes: m3.lockboxes
          .filter((l) => l.docId !== clinical)
          .concat({
            recipient: sister.boxPublic,
            docId: clinical,
            epoch,
            sealed: seal(sister.boxPublic, key, context(m3, clinical, epoch)),
          }),
        signer: sister.signPublic,
      },
      sister,
    );
    expect(phoneAccepts(m3, forged)).toBe(false);
  });

  it('refuses a delegate that replaces another certified delegate’s certificate', () => {
    const { m3 } = setup();
    const forged = signManifest(
      {
        ...m3,
        version: m3.version + 1,
        grantees: m3.grantees.map((g) =>
          bytesEqual(g.deviceKey, brother.signPublic) ? { ...g, certificate: randomBytes(64) } : g,
        ),
        signer: sister.signPublic,
      },
      sister,
    );
    // The random certificate makes the manifest fail on its own; the successor rule names it too.
    expect(phoneAccepts(m3, forged)).toBe(false);
  });

  it('refuses a delegate that narrows or ends a grant outside its compartments', () => {
    const { m3, keys, clinical, messages } = setup();
    const withPhysio = physioOnBoth(m3, keys, clinical, messages);
    const sisterKeys = openLockboxes(withPhysio, sister);
    expect(() => revokeAccess(withPhysio, sister, [physio.signPublic], sisterKeys, t0 + 1)).toThrow(
      GrantError,
    );
    const narrowed = signManifest(
      {
        ...withPhysio,
        version: withPhysio.version + 1,
        grantees: withPhysio.grantees.map((g) =>
          bytesEqual(g.deviceKey, physio.signPublic) ? { ...g, compartments: [clinical] } : g,
        ),
        signer: sister.signPublic,
      },
      sister,
    );
    expect(phoneAccepts(withPhysio, narrowed)).toBe(false);
  });

  it('still accepts what a delegate may do: share and end its own compartment', () => {
    const { m3, clinical, sisterKeys } = setup();
    const shared = grantAccess(
      m3,
      sister,
      { device: physio, role: 'professional', compartments: [clinical], notAfter: null },
      sisterKeys,
      t0 + 1,
    );
    expect(phoneAccepts(m3, shared)).toBe(true);
    const { manifest: ended, rotated } = revokeAccess(
      shared,
      sister,
      [physio.signPublic],
      sisterKeys,
      t0 + 2,
    );
    expect(rotated).toEqual([clinical]);
    expect(phoneAccepts(shared, ended)).toBe(true);
    // The patient's phone opens the new clinical key the delegate sealed to it.
    const keyring = new ManifestKeyring(shared, openLockboxes(shared, phone), () => t0 + 3);
    keyring.update(ended, phone);
    expect(keyring.current(clinical)?.epoch).toBe(
      ended.compartments.find((c) => c.docId === clinical)!.epoch,
    );
  });

  it('a manifest survives encoding with its certificates, so the relay sees what the client sees', () => {
    const { m3 } = setup();
    const decoded = decodeManifest(encodeManifest(m3));
    expect(isProtocolError(decoded)).toBe(false);
  });
});

describe('taking access away moves the compartment to a new key (rule 6)', () => {
  it('narrowing a grant rotates the compartments it loses, sealed to who remains', () => {
    const { m3, keys, clinical, messages } = setup();
    const withPhysio = physioOnBoth(m3, keys, clinical, messages);
    const narrowed = grantAccess(
      withPhysio,
      root,
      { device: physio, role: 'professional', compartments: [clinical], notAfter: null },
      keys,
      t0 + 1,
    );
    const epoch = (m: ManifestBody, docId: string) =>
      m.compartments.find((c) => c.docId === docId)!.epoch;
    expect(epoch(narrowed, messages)).toBe(epoch(withPhysio, messages) + 1);
    expect(epoch(narrowed, clinical)).toBe(epoch(withPhysio, clinical));
    const physioKeys = openLockboxes(narrowed, physio);
    expect(physioKeys.get(messages)?.has(epoch(narrowed, messages))).toBeFalsy();
    const phoneKeys = openLockboxes(narrowed, phone);
    expect(phoneKeys.get(messages)?.has(epoch(narrowed, messages))).toBe(true);
    expect(openLockboxes(narrowed, brother).get(messages)?.has(epoch(narrowed, messages))).toBe(
      true,
    );
    expect(phoneAccepts(withPhysio, narrowed)).toBe(true);
  });

  it('refuses a root-signed manifest that narrows or removes a grant without a new key', () => {
    const { m3, keys, clinical, messages } = setup();
    const withPhysio = physioOnBoth(m3, keys, clinical, messages);
    const narrowed = signManifest(
      {
        ...withPhysio,
        version: withPhysio.version + 1,
        grantees: withPhysio.grantees.map((g) =>
          bytesEqual(g.deviceKey, physio.signPublic) ? { ...g, compartments: [clinical] } : g,
        ),
      },
      root,
    );
    expect(
      acceptManifest(encodeManifest(narrowed), root.signPublic, withPhysio, t0 + 1),
    ).toMatchObject({ error: 'not-permitted' });
    const removed = signManifest(
      {
        ...withPhysio,
        version: withPhysio.version + 1,
        grantees: withPhysio.grantees.filter((g) => !bytesEqual(g.deviceKey, physio.signPublic)),
      },
      root,
    );
    expect(phoneAccepts(withPhysio, removed)).toBe(false);
  });
});

describe('a device that missed versions checks every step (rule 7)', () => {
  it('judges a delegate’s change against the manifest it was made on', () => {
    const { m3, keys, clinical, messages, sisterKeys } = setup();
    const gp = deviceKeysFromSeed(newSeed());
    // The patient shares messages with the GP (root-signed), then the sister shares clinical.
    const m4 = grantAccess(
      m3,
      root,
      { device: gp, role: 'professional', compartments: [messages], notAfter: null },
      keys,
      t0 + 1,
    );
    const m5 = grantAccess(
      m4,
      sister,
      { device: physio, role: 'professional', compartments: [clinical], notAfter: null },
      sisterKeys,
      t0 + 2,
    );
    // Against m3 alone, m5 looks like the sister handed out the messages key.
    expect(acceptManifest(encodeManifest(m5), root.signPublic, m3, t0 + 3)).toMatchObject({
      error: 'not-permitted',
    });
    const steps = acceptManifestChain(
      [m4, m5].map((m) => encodeManifest(m)),
      root.signPublic,
      m3,
      t0 + 3,
    );
    expect('error' in steps ? steps : steps.map((m) => m.version)).toEqual([
      m4.version,
      m5.version,
    ]);
    // Taking the keys step by step: the GP's device opens messages (sealed by the root in m4).
    const gpRing = new ManifestKeyring(m4, openLockboxes(m4, gp), () => t0 + 3);
    gpRing.update(m5, gp);
    expect(gpRing.current(messages)).not.toBeNull();
  });

  it('refuses a chain with one forged step', () => {
    const { m3, messages } = setup();
    const forged = signManifest(
      {
        ...m3,
        version: m3.version + 1,
        grantees: [
          ...m3.grantees,
          {
            deviceKey: spare.signPublic,
            boxKey: spare.boxPublic,
            role: 'viewer',
            compartments: [messages],
            since: t0,
            notAfter: null,
            certificate: null,
          },
        ],
        signer: sister.signPublic,
      },
      sister,
    );
    expect(
      acceptManifestChain([encodeManifest(forged)], root.signPublic, m3, t0 + 1),
    ).toMatchObject({ error: 'not-permitted' });
  });
});
