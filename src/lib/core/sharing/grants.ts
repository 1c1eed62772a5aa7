import { randomBytes, sign } from '../crypto/index';
import {
  bytesEqual,
  certificateSigningBytes,
  compartmentsLosingReaders,
  verifyManifestSuccessor,
  type Lockbox,
  type ManifestCompartment,
  type ManifestGrantee,
  type Role,
  type SignedManifest,
} from '../sync/protocol';
import {
  sealLockboxes,
  signManifest,
  type DevicePublic,
  type EpochKeys,
  type ManifestSigner,
} from './manifest';

/**
 * Grants (DESIGN §3): adding a grantee seals the current epoch keys of the granted compartments
 * to its device; removing one — by revocation or expiry — starts a new epoch for every
 * compartment it could read, with a fresh key sealed only to those who remain (and the root).
 * Old keys are never handed to anyone new; what a revoked device already downloaded cannot be
 * recalled, but it cannot read anything written after.
 *
 * The signer is the root, or a delegate's device holding a root certificate: a delegate can grant
 * and revoke professionals, viewers and other delegates without certificates, for the
 * compartments whose keys it holds, and nothing else (`verifyManifestSuccessor`).
 */

export interface GrantRequest {
  readonly device: DevicePublic;
  readonly role: Exclude<Role, 'owner'>;
  /** docIds of the compartments granted. */
  readonly compartments: readonly string[];
  /** End of the grant, Unix ms; `null` for none. */
  readonly notAfter: number | null;
  /** A delegate who may manage sharing (only the root can certify one). */
  readonly manage?: boolean;
}

export class GrantError extends Error {
  override name = 'GrantError';
}

function isRoot(current: SignedManifest, signer: ManifestSigner): boolean {
  return bytesEqual(signer.signPublic, current.rootKey);
}

/** Signs the next manifest, refusing what the signer may not do. */
function finish(
  current: SignedManifest,
  next: Omit<SignedManifest, 'signature' | 'signer'>,
  signer: ManifestSigner,
  nowMs: number,
): SignedManifest {
  const signed = signManifest({ ...next, signer: signer.signPublic }, signer);
  const problem = verifyManifestSuccessor(current, signed, nowMs);
  if (problem) throw new GrantError(problem.message);
  return signed;
}

export function grantAccess(
  current: SignedManifest,
  signer: ManifestSigner,
  request: GrantRequest,
  keys: EpochKeys,
  nowMs: number,
): SignedManifest {
  if (request.compartments.length === 0) throw new GrantError('Choose at least one compartment.');
  for (const docId of request.compartments) {
    if (!current.compartments.some((c) => c.docId === docId)) {
      throw new GrantError('A granted compartment is not part of this record.');
    }
  }
  if (request.notAfter !== null && request.notAfter <= nowMs) {
    throw new GrantError('The grant would already have ended.');
  }
  const existing = current.grantees.find((g) => bytesEqual(g.deviceKey, request.device.signPublic));
  if (existing?.role === 'owner') throw new GrantError("This is one of the patient's own devices.");
  const root = isRoot(current, signer);
  if (request.manage && (request.role !== 'delegate' || !root)) {
    throw new GrantError('Only the patient can let a relative manage sharing.');
  }
  if (!root && existing?.certificate) {
    throw new GrantError(
      'Only the patient can change the grant of a delegate who manages sharing.',
    );
  }
  const grantee: ManifestGrantee = {
    deviceKey: request.device.signPublic,
    boxKey: request.device.boxPublic,
    role: request.role,
    compartments: [...request.compartments],
    since: existing?.since ?? nowMs,
    notAfter: request.notAfter,
    certificate: request.manage
      ? sign(
          certificateSigningBytes(current.recordId, request.device.signPublic, request.notAfter),
          signer.signSecret,
        )
      : null,
  };
  const grantees = current.grantees.filter((g) => g !== existing).concat(grantee);
  // Narrowing a grant takes compartments away: those move to a new key, as on revocation.
  const narrowed = [...compartmentsLosingReaders(current, { ...current, grantees })];
  const rotation = rotate(current, signer, grantees, narrowed, keys);
  let sealed;
  try {
    sealed = sealLockboxes(
      [request.device.boxPublic],
      current.recordId,
      rotation.compartments.filter((c) => request.compartments.includes(c.docId)),
      keys,
    );
  } catch {
    throw new GrantError('This device does not hold the keys of every compartment to share.');
  }
  const lockboxes = rotation.lockboxes
    .filter((l) => !bytesEqual(l.recipient, request.device.boxPublic))
    .concat(sealed);
  return finish(
    current,
    {
      ...current,
      version: current.version + 1,
      issuedAt: nowMs,
      compartments: rotation.compartments,
      grantees,
      lockboxes,
    },
    signer,
    nowMs,
  );
}

/**
 * Moves the `rotated` compartments to a new epoch with a fresh key (added to `keys`), sealed to
 * every device in `grantees` that may read them and to the root. The other compartments keep
 * their lockboxes, except those of devices no longer in `grantees`.
 */
function rotate(
  current: SignedManifest,
  signer: ManifestSigner,
  grantees: readonly ManifestGrantee[],
  rotated: readonly string[],
  keys: EpochKeys,
): { compartments: ManifestCompartment[]; lockboxes: Lockbox[] } {
  for (const c of current.compartments) {
    if (rotated.includes(c.docId) && !keys.get(c.docId)?.has(c.epoch)) {
      // A delegate would otherwise mint (and so learn) the next key of a compartment it cannot read.
      throw new GrantError('Only the patient can end this grant: it covers what you cannot open.');
    }
  }
  if (!isRoot(current, signer)) {
    const own = current.grantees.find((g) => bytesEqual(g.deviceKey, signer.signPublic));
    if (!rotated.every((docId) => own?.compartments.includes(docId))) {
      throw new GrantError('Only the patient can end this grant: it covers what you cannot open.');
    }
  }
  const compartments = current.compartments.map((c) => {
    if (!rotated.includes(c.docId)) return c;
    const next = { ...c, epoch: c.epoch + 1 };
    const epochs = keys.get(c.docId) ?? new Map<number, Uint8Array>();
    epochs.set(next.epoch, randomBytes(32));
    keys.set(c.docId, epochs);
    return next;
  });
  const staying = (l: Lockbox): boolean =>
    bytesEqual(l.recipient, current.rootBoxKey) ||
    grantees.some((g) => bytesEqual(g.boxKey, l.recipient));
  const lockboxes = current.lockboxes.filter((l) => !rotated.includes(l.docId) && staying(l));
  for (const c of compartments.filter((x) => rotated.includes(x.docId))) {
    const recipients = grantees
      .filter((g) => g.compartments.includes(c.docId))
      .map((g) => g.boxKey);
    lockboxes.push(
      ...sealLockboxes([...recipients, current.rootBoxKey], current.recordId, [c], keys),
    );
  }
  return { compartments, lockboxes };
}

/**
 * Removes grantees (by device key, or every grant past `notAfter` when `deviceKeys` is `'expired'`)
 * and rotates the keys of every compartment they could read. `keys` gains the new epoch keys.
 */
export function revokeAccess(
  current: SignedManifest,
  signer: ManifestSigner,
  deviceKeys: readonly Uint8Array[] | 'expired',
  keys: EpochKeys,
  nowMs: number,
): { manifest: SignedManifest; rotated: string[] } {
  const leaving = current.grantees.filter((g) =>
    deviceKeys === 'expired'
      ? g.notAfter !== null && g.notAfter <= nowMs
      : deviceKeys.some((k) => bytesEqual(k, g.deviceKey)),
  );
  if (leaving.some((g) => g.role === 'owner') && deviceKeys !== 'expired') {
    const owners = current.grantees.filter((g) => g.role === 'owner');
    if (owners.length === leaving.filter((g) => g.role === 'owner').length) {
      throw new GrantError('The last of the patient’s devices cannot be removed.');
    }
  }
  if (leaving.length === 0) return { manifest: current, rotated: [] };
  if (!isRoot(current, signer) && leaving.some((g) => g.role === 'owner' || g.certificate)) {
    throw new GrantError('Only the patient can remove their own devices or a managing delegate.');
  }
  const grantees = current.grantees.filter((g) => !leaving.includes(g));
  const rotated = [...compartmentsLosingReaders(current, { ...current, grantees })];
  const { compartments, lockboxes } = rotate(current, signer, grantees, rotated, keys);
  const manifest = finish(
    current,
    {
      ...current,
      version: current.version + 1,
      issuedAt: nowMs,
      compartments,
      grantees,
      lockboxes,
    },
    signer,
    nowMs,
  );
  return { manifest, rotated };
}
