import { openSealed, randomBytes, seal, sign, type KeyPairs, type RootKeys } from '../crypto/index';
import {
  base32,
  bytesEqual,
  certificateSigningBytes,
  decodeManifest,
  granteeFor,
  hasValidCertificate,
  isProtocolError,
  manifestSigningBytes,
  roleMayWrite,
  signerCouldKnow,
  verifyManifest,
  verifyManifestSuccessor,
  type Lockbox,
  type ManifestBody,
  type ManifestCompartment,
  type ManifestGrantee,
  type ProtocolError,
  type Role,
  type SignedManifest,
} from '../sync/protocol';
import type { Keyring } from '../sync/binding';
import { COMPARTMENTS } from '../record/entries';

/** The public keys by which a device is known in a manifest. */
export interface DevicePublic {
  readonly signPublic: Uint8Array;
  readonly boxPublic: Uint8Array;
}

/** Epoch keys a device holds: docId → epoch → key. */
export type EpochKeys = Map<string, Map<number, Uint8Array>>;

function lockboxContext(recordId: string, docId: string, epoch: number): string {
  return `epoch-key:${recordId}:${docId}:${epoch}`;
}

/** Who signs a manifest: the root, or a certified delegate's device. */
export type ManifestSigner = Pick<KeyPairs, 'signPublic' | 'signSecret'>;

export function signManifest(body: ManifestBody, signer: ManifestSigner): SignedManifest {
  const signed: ManifestBody = { ...body, signer: signer.signPublic };
  return { ...signed, signature: sign(manifestSigningBytes(signed), signer.signSecret) };
}

/** The root's certificate that lets a delegate's device manage sharing while its grant lasts. */
export function certifyDelegate(
  root: RootKeys,
  deviceKey: Uint8Array,
  notAfter: number | null,
): Uint8Array {
  return sign(certificateSigningBytes(root.recordId, deviceKey, notAfter), root.signSecret);
}

/** Seals the current-epoch key of each compartment to each recipient. */
export function sealLockboxes(
  recipients: Uint8Array[],
  recordId: string,
  compartments: readonly ManifestCompartment[],
  keys: EpochKeys,
): Lockbox[] {
  const out: Lockbox[] = [];
  for (const c of compartments) {
    const key = keys.get(c.docId)?.get(c.epoch);
    if (!key) throw new Error(`No key for ${c.name} at epoch ${c.epoch}.`);
    for (const recipient of recipients) {
      out.push({
        recipient,
        docId: c.docId,
        epoch: c.epoch,
        sealed: seal(recipient, key, lockboxContext(recordId, c.docId, c.epoch)),
      });
    }
  }
  return out;
}

/**
 * A new record: its four compartments with fresh epoch-0 keys, the creating device as owner, and
 * each key sealed to that device and to the root (so recovery can open them).
 */
export function createRecordManifest(
  root: RootKeys,
  device: DevicePublic,
  nowMs: number,
  names: readonly string[] = COMPARTMENTS,
): { manifest: SignedManifest; keys: EpochKeys } {
  const compartments: ManifestCompartment[] = names.map((name) => ({
    name,
    docId: `${name.slice(0, 1)}${base32(randomBytes(10))}`,
    epoch: 0,
  }));
  const keys: EpochKeys = new Map(
    compartments.map((c) => [c.docId, new Map([[0, randomBytes(32)]])]),
  );
  const owner: ManifestGrantee = {
    deviceKey: device.signPublic,
    boxKey: device.boxPublic,
    role: 'owner',
    compartments: compartments.map((c) => c.docId),
    since: nowMs,
    notAfter: null,
    certificate: null,
  };
  const body: ManifestBody = {
    recordId: root.recordId,
    version: 1,
    rootKey: root.signPublic,
    rootBoxKey: root.boxPublic,
    issuedAt: nowMs,
    compartments,
    grantees: [owner],
    lockboxes: sealLockboxes([device.boxPublic, root.boxPublic], root.recordId, compartments, keys),
    signer: root.signPublic,
  };
  return { manifest: signManifest(body, root), keys };
}

/** Adds (or re-adds) one of the patient's own devices as an owner, sealing current keys to it. */
export function addOwnerDevice(
  current: SignedManifest,
  root: RootKeys,
  device: DevicePublic,
  keys: EpochKeys,
  nowMs: number,
): SignedManifest {
  const grantees = current.grantees.filter((g) => !bytesEqual(g.deviceKey, device.signPublic));
  grantees.push({
    deviceKey: device.signPublic,
    boxKey: device.boxPublic,
    role: 'owner',
    compartments: current.compartments.map((c) => c.docId),
    since: nowMs,
    notAfter: null,
    certificate: null,
  });
  const lockboxes = current.lockboxes.filter((l) => !bytesEqual(l.recipient, device.boxPublic));
  lockboxes.push(
    ...sealLockboxes([device.boxPublic], current.recordId, current.compartments, keys),
  );
  return signManifest(
    { ...current, version: current.version + 1, issuedAt: nowMs, grantees, lockboxes },
    root,
  );
}

export type ManifestRejection =
  ProtocolError | { error: 'wrong-root'; message: string } | { error: 'rollback'; message: string };

/**
 * Verifies a manifest from the relay against the root key this device pinned when it joined the
 * record, and against the newest manifest it accepted before (`previous`): an older version is a
 * relay rolling back a grant; a newer one must be a permitted successor (a delegate's changes
 * stay within its certificate). The same version is accepted only byte for byte.
 */
export function acceptManifest(
  bytes: Uint8Array,
  pinnedRootKey: Uint8Array,
  previous: SignedManifest | null,
  nowMs: number,
): SignedManifest | ManifestRejection {
  const m = decodeManifest(bytes);
  if (isProtocolError(m)) return m;
  const bad = verifyManifest(m);
  if (bad) return bad;
  if (!bytesEqual(m.rootKey, pinnedRootKey)) {
    return { error: 'wrong-root', message: 'This manifest belongs to another record.' };
  }
  if (!previous) return m;
  if (m.version < previous.version) {
    return {
      error: 'rollback',
      message: `The relay offered version ${m.version}, older than version ${previous.version}.`,
    };
  }
  if (m.version === previous.version) {
    return bytesEqual(m.signature, previous.signature)
      ? m
      : { error: 'rollback', message: `The relay offered a different version ${m.version}.` };
  }
  return verifyManifestSuccessor(previous, m, nowMs) ?? m;
}

/**
 * Verifies the manifests a device missed (from the relay's history, oldest first) one step at a
 * time, each against the one before, as {@link acceptManifest} does for one: a delegate's change
 * is judged against the manifest it was made on, not against an older one this device held.
 * Returns the accepted steps newer than `previous`, or the first refusal.
 */
export function acceptManifestChain(
  chain: readonly Uint8Array[],
  pinnedRootKey: Uint8Array,
  previous: SignedManifest,
  nowMs: number,
): SignedManifest[] | ManifestRejection {
  const steps: SignedManifest[] = [];
  let last = previous;
  for (const bytes of chain) {
    const m = acceptManifest(bytes, pinnedRootKey, last, nowMs);
    if ('error' in m) return m;
    if (m.version === last.version) continue;
    steps.push(m);
    last = m;
  }
  return steps;
}

/**
 * Opens the lockboxes sealed to `box` and merges the keys into `into`. With `previous` (the
 * manifest this device accepted before `m`), a key is taken only from a lockbox its signer could
 * have known ({@link signerCouldKnow}): a delegate's manifest opens keys only of the compartments
 * the delegate holds.
 */
export function openLockboxes(
  m: ManifestBody,
  box: Pick<KeyPairs, 'boxPublic' | 'boxSecret'>,
  into: EpochKeys = new Map(),
  previous: ManifestBody | null = null,
): EpochKeys {
  for (const l of m.lockboxes) {
    if (!bytesEqual(l.recipient, box.boxPublic)) continue;
    if (into.get(l.docId)?.has(l.epoch)) continue;
    if (!signerCouldKnow(m, l, previous)) continue;
    const key = openSealed(box.boxSecret, l.sealed, lockboxContext(m.recordId, l.docId, l.epoch));
    if (!key || key.length !== 32) continue;
    const epochs = into.get(l.docId) ?? new Map<number, Uint8Array>();
    epochs.set(l.epoch, key);
    into.set(l.docId, epochs);
  }
  return into;
}

/** A {@link Keyring} over a verified manifest and the epoch keys this device opened. */
export class ManifestKeyring implements Keyring {
  constructor(
    private manifest: ManifestBody,
    private readonly keys: EpochKeys,
    private readonly now: () => number = Date.now,
  ) {}

  /** Moves to a newer manifest (already accepted as a successor of the current one). */
  update(manifest: ManifestBody, box: Pick<KeyPairs, 'boxPublic' | 'boxSecret'>): void {
    const previous = this.manifest;
    this.manifest = manifest;
    openLockboxes(manifest, box, this.keys, previous);
  }

  get manifestBody(): ManifestBody {
    return this.manifest;
  }

  current(docId: string): { epoch: number; key: Uint8Array } | null {
    const c = this.manifest.compartments.find((x) => x.docId === docId);
    const key = c ? this.keys.get(docId)?.get(c.epoch) : undefined;
    return c && key ? { epoch: c.epoch, key } : null;
  }

  key(docId: string, epoch: number): Uint8Array | null {
    return this.keys.get(docId)?.get(epoch) ?? null;
  }

  knows(author: Uint8Array): boolean {
    return this.manifest.grantees.some((g) => bytesEqual(g.deviceKey, author));
  }

  private awaited = 0;

  version(): number {
    return this.manifest.version;
  }

  sawManifestVersion(version: number): void {
    if (version > this.manifest.version) this.awaited = Math.max(this.awaited, version);
  }

  awaitedVersion(): number | null {
    return this.awaited > this.manifest.version ? this.awaited : null;
  }

  mayRotate(docId: string, author: Uint8Array): boolean {
    const g = granteeFor(this.manifest, author, docId, this.now());
    return g !== null && (g.role === 'owner' || hasValidCertificate(this.manifest, g));
  }

  writerRole(docId: string, author: Uint8Array): Role | null {
    const g = granteeFor(this.manifest, author, docId, this.now());
    return g && roleMayWrite(g.role) ? g.role : null;
  }
}
