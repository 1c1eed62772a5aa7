/**
 * Manifests, the rules: whether one is signed by its root or a certified delegate, whether it may
 * replace the one before, whether its signer could know a key it hands out, and what a device is
 * granted by it.
 */
import { bytesEqual, toHex } from './bytes';
import {
  certificateSigningBytes,
  manifestSigningBytes,
  type Lockbox,
  type ManifestBody,
  type ManifestCompartment,
  type ManifestGrantee,
  type SignedManifest,
} from './manifest-codec';
import { recordIdForRootKey } from './names';
import { protocolError, type ProtocolError } from './protocol-error';
import { verifySignature } from './wire';

/** Whether grantee `g` of record `m` holds a valid root-signed delegate certificate. */
export function hasValidCertificate(m: ManifestBody, g: ManifestGrantee): boolean {
  return (
    g.role === 'delegate' &&
    g.certificate !== null &&
    verifySignature(
      g.certificate,
      certificateSigningBytes(m.recordId, g.deviceKey, g.notAfter),
      m.rootKey,
    )
  );
}

/**
 * Checks that the manifest is bound to its record id and signed either by the root key or by a
 * delegate it lists with a valid root-signed certificate. Whether that delegate was still trusted
 * when it signed is a question of history: see {@link verifyManifestSuccessor}.
 */
export function verifyManifest(m: SignedManifest): ProtocolError | null {
  if (recordIdForRootKey(m.rootKey) !== m.recordId) {
    return protocolError('wrong-record', 'The manifest root key does not belong to this record.');
  }
  if (!bytesEqual(m.signer, m.rootKey)) {
    const delegate = m.grantees.find((g) => bytesEqual(g.deviceKey, m.signer));
    if (!delegate || !hasValidCertificate(m, delegate)) {
      return protocolError(
        'bad-signature',
        'The manifest must be signed by the record root key or a certified delegate.',
      );
    }
  }
  if (!verifySignature(m.signature, manifestSigningBytes(m), m.signer)) {
    return protocolError('bad-signature', 'The manifest signature is not valid.');
  }
  return null;
}

function sameBytesOrNull(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a === null || b === null ? a === b : bytesEqual(a, b);
}

/** Every field of a grant, the certificate included, is the same. */
function sameGrantee(a: ManifestGrantee, b: ManifestGrantee): boolean {
  return (
    bytesEqual(a.deviceKey, b.deviceKey) &&
    bytesEqual(a.boxKey, b.boxKey) &&
    a.role === b.role &&
    a.since === b.since &&
    a.notAfter === b.notAfter &&
    sameBytesOrNull(a.certificate, b.certificate) &&
    a.compartments.length === b.compartments.length &&
    a.compartments.every((c) => b.compartments.includes(c))
  );
}

function sameLockbox(a: Lockbox, b: Lockbox): boolean {
  return (
    a.docId === b.docId &&
    a.epoch === b.epoch &&
    bytesEqual(a.recipient, b.recipient) &&
    bytesEqual(a.sealed, b.sealed)
  );
}

function epochOf(m: ManifestBody, docId: string): number | null {
  return m.compartments.find((c) => c.docId === docId)?.epoch ?? null;
}

/**
 * The compartments whose access `next` takes away from someone `prev` lets read: a grant removed
 * or narrowed, or a device whose box key changed. Each of them must move to a new epoch, or the
 * old key would go on opening what is written next.
 */
export function compartmentsLosingReaders(prev: ManifestBody, next: ManifestBody): Set<string> {
  const out = new Set<string>();
  for (const g of prev.grantees) {
    const h = next.grantees.find((x) => bytesEqual(x.deviceKey, g.deviceKey));
    for (const docId of g.compartments) {
      if (!h || !bytesEqual(h.boxKey, g.boxKey) || !h.compartments.includes(docId)) out.add(docId);
    }
  }
  return out;
}

/**
 * Checks that `next` (already passing {@link verifyManifest}) may replace `prev`. For every
 * signer: same record and root, a higher version, no compartment removed or rolled back to an
 * older epoch, and every compartment someone loses access to moves to a new epoch.
 *
 * A manifest signed by a delegate is accepted only if `prev` lists that delegate, certified and not
 * expired at `nowMs` (so removing a delegate's grant revokes its certificate), and it changes only
 * what that delegate holds keys for (it could not have known any other key):
 * - the patient's devices and certified delegates stay exactly as they were (certificates too);
 * - grants may be added, changed or removed only where every compartment involved is one the
 *   delegate's own grant covers;
 * - only those compartments may move to a new epoch or gain lockboxes; every other compartment
 *   keeps its epoch and exactly its lockboxes;
 * - the root and every one of the patient's devices keep a lockbox for the current epoch of every
 *   compartment, so a delegate cannot lock the patient out.
 */
export function verifyManifestSuccessor(
  prev: ManifestBody,
  next: ManifestBody,
  nowMs: number,
): ProtocolError | null {
  if (next.recordId !== prev.recordId || !bytesEqual(next.rootKey, prev.rootKey)) {
    return protocolError('wrong-record', 'The manifest belongs to another record.');
  }
  if (next.version <= prev.version) {
    return protocolError(
      'stale',
      `Manifest version ${next.version} is not newer than version ${prev.version}.`,
    );
  }
  const refuse = (message: string): ProtocolError => protocolError('not-permitted', message);
  for (const c of prev.compartments) {
    const epoch = epochOf(next, c.docId);
    if (epoch === null || epoch < c.epoch) {
      return refuse('A compartment cannot be removed or moved back to an older key.');
    }
  }
  for (const docId of compartmentsLosingReaders(prev, next)) {
    const before = epochOf(prev, docId);
    const after = epochOf(next, docId);
    if (before !== null && after !== null && after <= before) {
      return refuse('Whoever loses access to a compartment must leave it behind a new key.');
    }
  }
  if (bytesEqual(next.signer, next.rootKey)) return null;

  const signer = prev.grantees.find((g) => bytesEqual(g.deviceKey, next.signer));
  if (!signer || !hasValidCertificate(prev, signer)) {
    return refuse('This delegate does not hold a certificate to manage sharing.');
  }
  if (signer.notAfter !== null && signer.notAfter <= nowMs) {
    return refuse('This delegate’s grant has ended.');
  }
  if (!bytesEqual(next.rootBoxKey, prev.rootBoxKey)) {
    return refuse('A delegate cannot change the recovery key.');
  }
  if (
    prev.compartments.length !== next.compartments.length ||
    !prev.compartments.every((c) =>
      next.compartments.some((n) => n.docId === c.docId && n.name === c.name),
    )
  ) {
    return refuse('A delegate cannot add, remove or rename compartments.');
  }
  const held = new Set(signer.compartments);
  const guarded = (m: ManifestBody): ManifestGrantee[] =>
    m.grantees.filter((g) => g.role === 'owner' || g.certificate !== null);
  const before = guarded(prev);
  const after = guarded(next);
  if (
    before.length !== after.length ||
    !before.every((g) => after.some((h) => sameGrantee(g, h)))
  ) {
    return refuse('A delegate cannot change the patient’s devices or other certified delegates.');
  }
  const others = new Map<string, { prev?: ManifestGrantee; next?: ManifestGrantee }>();
  for (const g of prev.grantees) others.set(toHex(g.deviceKey), { prev: g });
  for (const g of next.grantees) {
    const hex = toHex(g.deviceKey);
    others.set(hex, { ...others.get(hex), next: g });
  }
  for (const { prev: a, next: b } of others.values()) {
    if (a && b && sameGrantee(a, b)) continue;
    const involved = [...(a?.compartments ?? []), ...(b?.compartments ?? [])];
    if (!involved.every((docId) => held.has(docId))) {
      return refuse('A delegate can share only the compartments it has been given itself.');
    }
  }
  for (const c of prev.compartments) {
    if (held.has(c.docId)) continue;
    if (epochOf(next, c.docId) !== c.epoch) {
      return refuse('A delegate cannot change the key of a compartment it has not been given.');
    }
    const was = prev.lockboxes.filter((l) => l.docId === c.docId);
    const is = next.lockboxes.filter((l) => l.docId === c.docId);
    if (was.length !== is.length || !was.every((l) => is.some((k) => sameLockbox(l, k)))) {
      return refuse('A delegate cannot hand out the key of a compartment it has not been given.');
    }
  }
  const patient = [
    next.rootBoxKey,
    ...after.filter((g) => g.role === 'owner').map((g) => g.boxKey),
  ];
  for (const c of next.compartments) {
    for (const recipient of patient) {
      if (
        !next.lockboxes.some(
          (l) => l.docId === c.docId && l.epoch === c.epoch && bytesEqual(l.recipient, recipient),
        )
      ) {
        return refuse('A delegate’s change must keep every key open to the patient.');
      }
    }
  }
  return null;
}

/**
 * Whether a device may take the key in `lockbox` from manifest `m`: the root could know every key;
 * a certified delegate only the keys of the compartments its own grant covers. A lockbox carried
 * unchanged from `previous` (a manifest this device accepted before) keeps its provenance.
 */
export function signerCouldKnow(
  m: ManifestBody,
  lockbox: Lockbox,
  previous: ManifestBody | null,
): boolean {
  if (bytesEqual(m.signer, m.rootKey)) return true;
  // A device that joins fresh has no earlier manifest: it trusts the relay's successor checks.
  if (!previous) return true;
  if (previous.lockboxes.some((l) => sameLockbox(l, lockbox))) return true;
  const signer = previous.grantees.find((g) => bytesEqual(g.deviceKey, m.signer));
  return signer !== undefined && signer.compartments.includes(lockbox.docId);
}

/** The grant a device holds for a compartment at `nowMs`, or `null` if it holds none. */
export function granteeFor(
  m: ManifestBody,
  deviceKey: Uint8Array,
  docId: string,
  nowMs: number,
): ManifestGrantee | null {
  for (const g of m.grantees) {
    if (!bytesEqual(g.deviceKey, deviceKey)) continue;
    if (!g.compartments.includes(docId)) return null;
    if (g.notAfter !== null && g.notAfter <= nowMs) return null;
    return g;
  }
  return null;
}

/** The compartment entry of a docId, if the manifest lists it. */
export function compartmentFor(m: ManifestBody, docId: string): ManifestCompartment | null {
  return m.compartments.find((c) => c.docId === docId) ?? null;
}
