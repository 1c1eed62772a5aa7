/**
 * Manifests, the format: the record's signed list of compartments, grantees and sealed epoch keys
 * (it holds no names), its roles, the bytes its signer signs, its codec, and the bytes the root
 * signs in a delegate's certificate. Checking one is in `manifest-rules.ts`.
 */
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { concat, toHex } from './bytes';
import { protocolError, type ProtocolError } from './protocol-error';
import { DecodeFailure, KEY_BYTES, SIGNATURE_BYTES, decodeWith, readFixed, readId } from './wire';

/** 2: grantees may carry a delegate certificate. */
export const MANIFEST_FORMAT = 2;

const DOMAIN_MANIFEST = utf8ToBytes('backpack/manifest/1\0');
const DOMAIN_CERTIFICATE = utf8ToBytes('backpack/delegate-certificate/1\0');

export const MAX_MANIFEST_BYTES = 1024 * 1024;

export type Role = 'owner' | 'delegate' | 'professional' | 'viewer';
export const ROLES: readonly Role[] = ['owner', 'delegate', 'professional', 'viewer'];

/** Roles whose envelopes other clients accept. Professionals write notes and messages. */
export function roleMayWrite(role: Role): boolean {
  return role !== 'viewer';
}

export interface ManifestCompartment {
  /** What the compartment holds, e.g. `clinical`, `messages`, `journal`. */
  readonly name: string;
  readonly docId: string;
  /** The current epoch; envelopes under older epochs are no longer accepted. */
  readonly epoch: number;
}

export interface ManifestGrantee {
  /** Ed25519 public key of the grantee's device (signs envelopes and tokens). */
  readonly deviceKey: Uint8Array;
  /** X25519 public key of the device, to which epoch keys are sealed. */
  readonly boxKey: Uint8Array;
  readonly role: Role;
  /** docIds this grantee may open. */
  readonly compartments: readonly string[];
  /** When the grant was made, Unix ms. */
  readonly since: number;
  /** When the grant ends, Unix ms; `null` for no end. */
  readonly notAfter: number | null;
  /**
   * For a delegate who may manage sharing: the root key's signature over
   * {@link certificateSigningBytes} of this grantee (record, device key, `notAfter`), else `null`.
   */
  readonly certificate: Uint8Array | null;
}

export interface Lockbox {
  /** The X25519 key the epoch key is sealed to (a grantee's boxKey, or the root's). */
  readonly recipient: Uint8Array;
  readonly docId: string;
  readonly epoch: number;
  readonly sealed: Uint8Array;
}

export interface ManifestBody {
  readonly recordId: string;
  /** Strictly increasing; the relay refuses a manifest that is not newer than the one it holds. */
  readonly version: number;
  /** Ed25519 record root public key. `recordId === recordIdForRootKey(rootKey)`. */
  readonly rootKey: Uint8Array;
  /** X25519 key held by whoever holds the root secret: epoch keys are sealed to it for recovery. */
  readonly rootBoxKey: Uint8Array;
  readonly issuedAt: number;
  readonly compartments: readonly ManifestCompartment[];
  readonly grantees: readonly ManifestGrantee[];
  readonly lockboxes: readonly Lockbox[];
  /** The key that signs: the root key, or a delegate's key that holds a root-signed certificate. */
  readonly signer: Uint8Array;
}

export interface SignedManifest extends ManifestBody {
  readonly signature: Uint8Array;
}

function writeManifestBody(e: encoding.Encoder, m: ManifestBody): void {
  encoding.writeUint8(e, MANIFEST_FORMAT);
  encoding.writeVarString(e, m.recordId);
  encoding.writeVarUint(e, m.version);
  encoding.writeVarUint8Array(e, m.rootKey);
  encoding.writeVarUint8Array(e, m.rootBoxKey);
  encoding.writeVarUint(e, m.issuedAt);
  encoding.writeVarUint(e, m.compartments.length);
  for (const c of m.compartments) {
    encoding.writeVarString(e, c.name);
    encoding.writeVarString(e, c.docId);
    encoding.writeVarUint(e, c.epoch);
  }
  encoding.writeVarUint(e, m.grantees.length);
  for (const g of m.grantees) {
    encoding.writeVarUint8Array(e, g.deviceKey);
    encoding.writeVarUint8Array(e, g.boxKey);
    encoding.writeUint8(e, ROLES.indexOf(g.role));
    encoding.writeVarUint(e, g.compartments.length);
    for (const docId of g.compartments) encoding.writeVarString(e, docId);
    encoding.writeVarUint(e, g.since);
    encoding.writeVarUint(e, g.notAfter ?? 0);
    encoding.writeVarUint8Array(e, g.certificate ?? new Uint8Array(0));
  }
  encoding.writeVarUint(e, m.lockboxes.length);
  for (const l of m.lockboxes) {
    encoding.writeVarUint8Array(e, l.recipient);
    encoding.writeVarString(e, l.docId);
    encoding.writeVarUint(e, l.epoch);
    encoding.writeVarUint8Array(e, l.sealed);
  }
  encoding.writeVarUint8Array(e, m.signer);
}

export function manifestSigningBytes(m: ManifestBody): Uint8Array {
  const e = encoding.createEncoder();
  writeManifestBody(e, m);
  return concat(DOMAIN_MANIFEST, encoding.toUint8Array(e));
}

export function encodeManifest(m: SignedManifest): Uint8Array {
  const e = encoding.createEncoder();
  writeManifestBody(e, m);
  encoding.writeVarUint8Array(e, m.signature);
  return encoding.toUint8Array(e);
}

export function decodeManifest(bytes: Uint8Array): SignedManifest | ProtocolError {
  if (bytes.length > MAX_MANIFEST_BYTES) return protocolError('malformed', 'Manifest too large.');
  return decodeWith(bytes, MANIFEST_FORMAT, 'manifest', (d) => {
    const recordId = readId(d, 'The record id');
    const version = decoding.readVarUint(d);
    const rootKey = readFixed(d, KEY_BYTES, 'The root key');
    const rootBoxKey = readFixed(d, KEY_BYTES, 'The root box key');
    const issuedAt = decoding.readVarUint(d);
    const compartments: ManifestCompartment[] = [];
    const docIds = new Set<string>();
    for (let i = decoding.readVarUint(d); i > 0; i--) {
      const name = decoding.readVarString(d);
      if (!/^[a-z][a-z0-9-]{0,31}$/.test(name)) throw new DecodeFailure('Bad compartment name.');
      const docId = readId(d, 'A compartment id');
      if (docIds.has(docId)) throw new DecodeFailure('A compartment is listed twice.');
      docIds.add(docId);
      compartments.push({ name, docId, epoch: decoding.readVarUint(d) });
    }
    const grantees: ManifestGrantee[] = [];
    const seen = new Set<string>();
    for (let i = decoding.readVarUint(d); i > 0; i--) {
      const deviceKey = readFixed(d, KEY_BYTES, 'A device key');
      const hex = toHex(deviceKey);
      if (seen.has(hex)) throw new DecodeFailure('A device is listed twice.');
      seen.add(hex);
      const boxKey = readFixed(d, KEY_BYTES, 'A box key');
      const role = ROLES[decoding.readUint8(d)];
      if (!role) throw new DecodeFailure('Unknown role.');
      const granted: string[] = [];
      for (let j = decoding.readVarUint(d); j > 0; j--) {
        const docId = readId(d, 'A granted compartment');
        if (!docIds.has(docId)) throw new DecodeFailure('A grant names an unknown compartment.');
        granted.push(docId);
      }
      const since = decoding.readVarUint(d);
      const notAfterRaw = decoding.readVarUint(d);
      const cert = decoding.readVarUint8Array(d).slice();
      if (cert.length !== 0 && cert.length !== SIGNATURE_BYTES) {
        throw new DecodeFailure('A delegate certificate has the wrong length.');
      }
      if (cert.length > 0 && role !== 'delegate') {
        throw new DecodeFailure('Only a delegate can hold a certificate.');
      }
      grantees.push({
        deviceKey,
        boxKey,
        role,
        compartments: granted,
        since,
        notAfter: notAfterRaw === 0 ? null : notAfterRaw,
        certificate: cert.length > 0 ? cert : null,
      });
    }
    const lockboxes: Lockbox[] = [];
    for (let i = decoding.readVarUint(d); i > 0; i--) {
      const recipient = readFixed(d, KEY_BYTES, 'A lockbox recipient');
      const docId = readId(d, 'A lockbox compartment');
      if (!docIds.has(docId)) throw new DecodeFailure('A lockbox names an unknown compartment.');
      const epoch = decoding.readVarUint(d);
      const sealed = decoding.readVarUint8Array(d).slice();
      if (sealed.length > 256) throw new DecodeFailure('A lockbox is too large.');
      lockboxes.push({ recipient, docId, epoch, sealed });
    }
    const signer = readFixed(d, KEY_BYTES, 'The signer key');
    const signature = readFixed(d, SIGNATURE_BYTES, 'The signature');
    return {
      recordId,
      version,
      rootKey,
      rootBoxKey,
      issuedAt,
      compartments,
      grantees,
      lockboxes,
      signer,
      signature,
    };
  });
}

/**
 * What the root key signs to let a delegate's device manage sharing: the record, the device and
 * the end of its grant. The certificate is valid only with exactly that grant.
 */
export function certificateSigningBytes(
  recordId: string,
  deviceKey: Uint8Array,
  notAfter: number | null,
): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, recordId);
  encoding.writeVarUint8Array(e, deviceKey);
  encoding.writeVarUint(e, notAfter ?? 0);
  return concat(DOMAIN_CERTIFICATE, encoding.toUint8Array(e));
}
