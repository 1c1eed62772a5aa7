import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from 'node:crypto';
import {
  authTokenSigningBytes,
  certificateSigningBytes,
  encodeAuthToken,
  encodeEnvelope,
  encodeManifest,
  envelopeSigningBytes,
  manifestSigningBytes,
  recordIdForRootKey,
  relayOrigin,
  requestBinding,
  type EnvelopeHeader,
  type ManifestBody,
  type ManifestGrantee,
  type Role,
  type SignedManifest,
} from '../../src/lib/core/sync/protocol';

/**
 * Builders for tests and benchmarks: key pairs, signed manifests, tokens and envelopes made with
 * the real protocol. Nothing here is used by the relay itself.
 */

export interface KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export const keyPair = (): KeyPair => ed25519.keygen();

const bytes = (n: number) => new Uint8Array(randomBytes(n));

export interface TestGrantee {
  readonly key: KeyPair;
  readonly role: Role;
  readonly docs: readonly string[];
  readonly notAfter?: number | null;
  /** A delegate with a root-signed certificate to manage sharing. */
  readonly certified?: boolean;
}

export interface TestRecord {
  readonly root: KeyPair;
  readonly recordId: string;
  /** Stands in for the root's X25519 key (the relay never uses it). */
  readonly rootBoxKey: Uint8Array;
}

export function newRecord(): TestRecord {
  const root = keyPair();
  return { root, recordId: recordIdForRootKey(root.publicKey), rootBoxKey: bytes(32) };
}

/** When the test grants were made: the same in every version of a test manifest. */
const GRANTED_AT = 1_750_000_000_000;

/** A manifest of `record` signed by its root key (or by `signer`, to test refusals). */
export function signedManifest(
  record: TestRecord,
  version: number,
  grantees: readonly TestGrantee[],
  opts: {
    docs?: readonly string[];
    signer?: KeyPair;
    recordId?: string;
    epoch?: number;
    /** Compartment names by docId (`c0`, `c1`, … otherwise). */
    names?: Readonly<Record<string, string>>;
  } = {},
): { manifest: SignedManifest; bytes: Uint8Array } {
  const docs = opts.docs ?? [...new Set(grantees.flatMap((g) => g.docs))];
  const signer = opts.signer ?? record.root;
  const epoch = opts.epoch ?? 0;
  // Stand-in lockboxes for the root and the owner devices (the relay never opens them), the same
  // bytes in every version so that a delegate's manifest keeps them as the rules require.
  const patient = [
    record.rootBoxKey,
    ...grantees.filter((g) => g.role === 'owner').map((g) => g.key.publicKey),
  ];
  const lockboxes = docs.flatMap((docId) =>
    patient.map((recipient) => ({
      recipient,
      docId,
      epoch,
      sealed: sha256(
        new Uint8Array([...recipient, ...new TextEncoder().encode(`${docId}:${epoch}`)]),
      ),
    })),
  );
  const body: ManifestBody = {
    recordId: opts.recordId ?? record.recordId,
    version,
    rootKey: record.root.publicKey,
    rootBoxKey: record.rootBoxKey,
    issuedAt: Date.now(),
    compartments: docs.map((docId, i) => ({ name: opts.names?.[docId] ?? `c${i}`, docId, epoch })),
    grantees: grantees.map((g): ManifestGrantee => ({
      deviceKey: g.key.publicKey,
      boxKey: g.key.publicKey, // a stand-in: the relay never seals anything
      role: g.role,
      compartments: [...g.docs],
      since: GRANTED_AT,
      certificate: g.certified
        ? ed25519.sign(
            certificateSigningBytes(
              opts.recordId ?? record.recordId,
              g.key.publicKey,
              g.notAfter ?? null,
            ),
            record.root.secretKey,
          )
        : null,
      notAfter: g.notAfter ?? null,
    })),
    lockboxes,
    signer: signer.publicKey,
  };
  const manifest: SignedManifest = {
    ...body,
    signature: ed25519.sign(manifestSigningBytes(body), signer.secretKey),
  };
  return { manifest, bytes: encodeManifest(manifest) };
}

/**
 * A device token for `${recordId}:${docId}` at the relay `origin` (its URL), fresh nonce, valid
 * `lifetimeMs` from `now`. With `request` (method, API path, body) it is an HTTP proof.
 */
export function token(
  device: KeyPair,
  recordId: string,
  docId: string,
  opts: {
    origin: string;
    now?: number;
    lifetimeMs?: number;
    request?: { method: string; path: string; body?: Uint8Array };
    nonce?: Uint8Array;
  },
): string {
  const audience = relayOrigin(opts.origin);
  if (audience === null) throw new Error(`Not a relay origin: ${opts.origin}`);
  const iat = opts.now ?? Date.now();
  const r = opts.request;
  const claims = {
    audience,
    recordId,
    docId,
    deviceKey: device.publicKey,
    iat,
    exp: iat + (opts.lifetimeMs ?? 4 * 60_000),
    nonce: opts.nonce ?? bytes(16),
    request: r ? requestBinding(r.method, r.path, r.body ?? new Uint8Array(0)) : new Uint8Array(0),
  };
  return encodeAuthToken({
    ...claims,
    signature: ed25519.sign(authTokenSigningBytes(claims), device.secretKey),
  });
}

/** An owner's proof for `method path` of `recordId` (body `body`) at the relay `origin`. */
export function proof(
  device: KeyPair,
  origin: string,
  recordId: string,
  method: string,
  path: string,
  opts: { body?: Uint8Array; now?: number } = {},
): string {
  return token(device, recordId, 'recovery', {
    origin,
    ...(opts.now === undefined ? {} : { now: opts.now }),
    request: { method, path, ...(opts.body ? { body: opts.body } : {}) },
  });
}

/**
 * An envelope by `author` (signed by it) whose "ciphertext" is `payload`: the relay cannot tell
 * the difference, and tests can look for the payload's bytes.
 */
export function envelope(
  author: KeyPair,
  docId: string,
  seq: number,
  payload: Uint8Array = bytes(64),
  opts: { signer?: KeyPair } = {},
): Uint8Array {
  const header: EnvelopeHeader = {
    kind: 'update',
    docId,
    epoch: 0,
    author: author.publicKey,
    seq,
    covers: new Map(),
  };
  const nonce = bytes(24);
  const signature = ed25519.sign(
    envelopeSigningBytes(header, nonce, payload),
    (opts.signer ?? author).secretKey,
  );
  return encodeEnvelope({ ...header, nonce, ciphertext: payload, signature });
}
