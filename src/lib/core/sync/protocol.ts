/**
 * The wire protocol shared by the app and the relay (`sync-server/` imports this file and nothing
 * else of the app). It defines three signed binary formats, all encoded with lib0 and versioned by
 * a leading format byte:
 *
 * - **Envelope**: one encrypted Yjs update or snapshot of a compartment. The relay stores and
 *   forwards envelopes as items of the outer document's `Y.Array`; it can check who wrote one, but
 *   cannot read it.
 * - **Auth token**: a short-lived claim `{audience, recordId, docId, deviceKey, exp, nonce,
 *   request}` signed by the device key, used to open a relay connection or to prove ownership to
 *   the HTTP API.
 * - **Manifest**: the record's signed list of compartments, grantees and sealed epoch keys. It
 *   holds no names; the relay uses it for authorization, clients for key distribution.
 *
 * Every decoder validates fully (lengths, ranges, no trailing bytes) and returns a
 * {@link ProtocolError} instead of throwing, so outside input can never crash a caller.
 *
 * This file is self-contained on purpose: it imports only lib0, @noble packages and
 * `crypto/ed25519.ts` (itself @noble only), whose strict RFC 8032 rule every signature here is
 * checked with, on the relay as on every client.
 */
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { verifyStrict } from '../crypto/ed25519';

/** For the relay: serve the strict check with Node's native Ed25519 (see `crypto/ed25519.ts`). */
export { useNativeVerifier, type NativeVerify } from '../crypto/ed25519';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

/** The protocol generation. Bump on any incompatible change of the formats below. */
export const PROTOCOL_VERSION = 1;

/**
 * 2: the header names the manifest version its author wrote under. Format 1 envelopes (without
 * it) are still read.
 */
export const ENVELOPE_FORMAT = 2;
const LEGACY_ENVELOPE_FORMAT = 1;
/** 2: tokens name the relay's origin and, for HTTP proofs, the request they authorise. */
export const AUTH_TOKEN_FORMAT = 2;
/** 2: grantees may carry a delegate certificate. */
export const MANIFEST_FORMAT = 2;

/** Domain strings separate the signatures of the three formats from each other. */
const DOMAIN_ENVELOPE = utf8ToBytes('backpack/envelope/1\0');
const DOMAIN_AUTH = utf8ToBytes('backpack/auth/2\0');
const DOMAIN_REQUEST = utf8ToBytes('backpack/request/1\0');
const DOMAIN_MANIFEST = utf8ToBytes('backpack/manifest/1\0');
const DOMAIN_CERTIFICATE = utf8ToBytes('backpack/delegate-certificate/1\0');

export const KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
export const NONCE_BYTES = 24;
export const TOKEN_NONCE_BYTES = 16;
/** Auth tokens may live at most this long (DESIGN §4: exp ≤ 5 min). */
export const MAX_TOKEN_LIFETIME_MS = 5 * 60 * 1000;
/** Tolerated clock skew between a device and the relay. */
export const CLOCK_SKEW_MS = 60 * 1000;
/** Upper bound of one envelope's ciphertext (a snapshot of a large record fits comfortably). */
export const MAX_CIPHERTEXT_BYTES = 16 * 1024 * 1024;
export const MAX_MANIFEST_BYTES = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Errors

/** Literal error codes; callers switch on `error`, people read `message`. */
export type ProtocolErrorCode =
  | 'malformed'
  | 'unsupported-version'
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'lifetime-too-long'
  | 'wrong-document'
  | 'wrong-relay'
  | 'wrong-request'
  | 'bad-name'
  | 'wrong-record'
  | 'stale'
  | 'not-permitted';

export interface ProtocolError {
  readonly error: ProtocolErrorCode;
  readonly message: string;
}

export function protocolError(error: ProtocolErrorCode, message: string): ProtocolError {
  return { error, message };
}

export function isProtocolError(x: unknown): x is ProtocolError {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as { error?: unknown }).error === 'string' &&
    typeof (x as { message?: unknown }).message === 'string' &&
    !(x instanceof Uint8Array)
  );
}

// ---------------------------------------------------------------------------------------------
// Names

/** Record and document ids: lowercase base32 / short words; safe in paths and document names. */
const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** The relay's document name of a compartment: `${recordId}:${docId}`. */
export function documentName(recordId: string, docId: string): string {
  return `${recordId}:${docId}`;
}

export function parseDocumentName(
  name: string,
): { recordId: string; docId: string } | ProtocolError {
  const parts = name.split(':');
  if (parts.length !== 2) return protocolError('bad-name', 'A document name is "record:doc".');
  const [recordId, docId] = parts as [string, string];
  if (!isValidId(recordId) || !isValidId(docId)) {
    return protocolError(
      'bad-name',
      'The record or document id has characters that are not allowed.',
    );
  }
  return { recordId, docId };
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lowercase, without padding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** Inverse of {@link base32}; `null` for characters outside the alphabet or stray bits. */
export function fromBase32(text: string): Uint8Array | null {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const index = BASE32.indexOf(ch);
    if (index < 0) return null;
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  if (bits >= 5 || (value & ((1 << bits) - 1)) !== 0) return null;
  return Uint8Array.from(out);
}

/**
 * A record's id is derived from its root public key, so nobody can claim a record id with a root
 * key of their own: the relay checks the binding on the first manifest, clients on every one.
 */
export function recordIdForRootKey(rootKey: Uint8Array): string {
  return base32(sha256(rootKey).subarray(0, 16));
}

// ---------------------------------------------------------------------------------------------
// Bytes helpers

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array | ProtocolError {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return protocolError('malformed', 'Not base64url text.');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  try {
    const bin = atob(padded);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return protocolError('malformed', 'Not base64url text.');
  }
}

/** Reads a fixed-length byte field; throws inside `decodeWith`, which turns it into an error. */
function readFixed(d: decoding.Decoder, length: number, what: string): Uint8Array {
  const bytes = decoding.readVarUint8Array(d);
  if (bytes.length !== length) throw new DecodeFailure(`${what} must be ${length} bytes.`);
  return bytes.slice();
}

function readId(d: decoding.Decoder, what: string): string {
  const id = decoding.readVarString(d);
  if (!isValidId(id)) throw new DecodeFailure(`${what} is not a valid id.`);
  return id;
}

class DecodeFailure extends Error {}

function decodeWith<T>(
  bytes: Uint8Array,
  format: number,
  what: string,
  read: (d: decoding.Decoder) => T,
): T | ProtocolError {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    return protocolError('malformed', `The ${what} is empty.`);
  }
  const d = decoding.createDecoder(bytes);
  try {
    const version = decoding.readUint8(d);
    if (version !== format) {
      return protocolError(
        'unsupported-version',
        `This ${what} uses format ${version}; this app understands format ${format}.`,
      );
    }
    const value = read(d);
    if (decoding.hasContent(d)) throw new DecodeFailure(`The ${what} has trailing bytes.`);
    return value;
  } catch (e) {
    const detail = e instanceof DecodeFailure ? e.message : 'It is truncated or corrupt.';
    return protocolError('malformed', `The ${what} cannot be read: ${detail}`);
  }
}

function verifySignature(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  return verifyStrict(signature, message, publicKey);
}

// ---------------------------------------------------------------------------------------------
// Envelopes

export type EnvelopeKind = 'update' | 'snapshot';
const ENVELOPE_KINDS: readonly EnvelopeKind[] = ['update', 'snapshot'];

/** A snapshot's `covers`: for each author (hex of the public key), the highest seq it includes. */
export type Covers = ReadonlyMap<string, number>;

export interface EnvelopeHeader {
  readonly kind: EnvelopeKind;
  readonly docId: string;
  readonly epoch: number;
  /** Ed25519 public key of the writing device. */
  readonly author: Uint8Array;
  /** Per author and document, +1 for each envelope (snapshots included). */
  readonly seq: number;
  /** Empty for updates. */
  readonly covers: Covers;
  /**
   * The version of the manifest the author held when it wrote this (format 2). A device that
   * sees a newer version from a device that may change sharing stops writing until it has that
   * manifest. Absent in format 1 envelopes.
   */
  readonly manifestVersion?: number;
}

export interface Envelope extends EnvelopeHeader {
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly signature: Uint8Array;
}

function writeHeader(e: encoding.Encoder, h: EnvelopeHeader): void {
  const legacy = h.manifestVersion === undefined;
  encoding.writeUint8(e, legacy ? LEGACY_ENVELOPE_FORMAT : ENVELOPE_FORMAT);
  encoding.writeUint8(e, ENVELOPE_KINDS.indexOf(h.kind));
  encoding.writeVarString(e, h.docId);
  encoding.writeVarUint(e, h.epoch);
  encoding.writeVarUint8Array(e, h.author);
  encoding.writeVarUint(e, h.seq);
  const covers = [...h.covers.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  encoding.writeVarUint(e, covers.length);
  for (const [author, seq] of covers) {
    encoding.writeVarString(e, author);
    encoding.writeVarUint(e, seq);
  }
  if (!legacy) encoding.writeVarUint(e, h.manifestVersion ?? 0);
}

/**
 * The additional authenticated data of an envelope's ciphertext: its encoded header, so that a
 * ciphertext cannot be moved to another document, epoch, author, position or kind.
 */
export function envelopeAad(h: EnvelopeHeader): Uint8Array {
  const e = encoding.createEncoder();
  writeHeader(e, h);
  return encoding.toUint8Array(e);
}

/** What the author signs: a domain string, the header, the nonce and the ciphertext. */
export function envelopeSigningBytes(
  h: EnvelopeHeader,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array {
  return concat(DOMAIN_ENVELOPE, envelopeAad(h), nonce, ciphertext);
}

export function encodeEnvelope(env: Envelope): Uint8Array {
  const e = encoding.createEncoder();
  writeHeader(e, env);
  encoding.writeVarUint8Array(e, env.nonce);
  encoding.writeVarUint8Array(e, env.ciphertext);
  encoding.writeVarUint8Array(e, env.signature);
  return encoding.toUint8Array(e);
}

export function decodeEnvelope(bytes: Uint8Array): Envelope | ProtocolError {
  const format =
    bytes instanceof Uint8Array && bytes[0] === LEGACY_ENVELOPE_FORMAT
      ? LEGACY_ENVELOPE_FORMAT
      : ENVELOPE_FORMAT;
  return decodeWith(bytes, format, 'envelope', (d) => {
    const kind = ENVELOPE_KINDS[decoding.readUint8(d)];
    if (!kind) throw new DecodeFailure('Unknown kind.');
    const docId = readId(d, 'The document id');
    const epoch = decoding.readVarUint(d);
    const author = readFixed(d, KEY_BYTES, 'The author key');
    const seq = decoding.readVarUint(d);
    if (seq < 1) throw new DecodeFailure('seq starts at 1.');
    const coverCount = decoding.readVarUint(d);
    if (kind === 'update' && coverCount !== 0) throw new DecodeFailure('Updates cover nothing.');
    const covers = new Map<string, number>();
    let previous = '';
    for (let i = 0; i < coverCount; i++) {
      const who = decoding.readVarString(d);
      if (!/^[0-9a-f]{64}$/.test(who) || who <= previous) {
        throw new DecodeFailure('covers must list distinct author keys in order.');
      }
      previous = who;
      covers.set(who, decoding.readVarUint(d));
    }
    const manifestVersion = format === ENVELOPE_FORMAT ? decoding.readVarUint(d) : undefined;
    const nonce = readFixed(d, NONCE_BYTES, 'The nonce');
    const ciphertext = decoding.readVarUint8Array(d).slice();
    if (ciphertext.length > MAX_CIPHERTEXT_BYTES) throw new DecodeFailure('Too large.');
    const signature = readFixed(d, SIGNATURE_BYTES, 'The signature');
    const header = { kind, docId, epoch, author, seq, covers };
    return {
      ...header,
      ...(manifestVersion === undefined ? {} : { manifestVersion }),
      nonce,
      ciphertext,
      signature,
    };
  });
}

export function verifyEnvelopeSignature(env: Envelope): boolean {
  return verifySignature(
    env.signature,
    envelopeSigningBytes(env, env.nonce, env.ciphertext),
    env.author,
  );
}

// ---------------------------------------------------------------------------------------------
// Auth tokens

export interface AuthClaims {
  /**
   * The origin of the relay the token is for ({@link relayOrigin} of the URL the client uses), so
   * a token shown to one relay cannot be replayed at another that holds the same record.
   */
  readonly audience: string;
  readonly recordId: string;
  readonly docId: string;
  /** Ed25519 public key of the device that signs the token. */
  readonly deviceKey: Uint8Array;
  /** Expiry, Unix milliseconds. */
  readonly exp: number;
  /** Issue time, Unix milliseconds. */
  readonly iat: number;
  readonly nonce: Uint8Array;
  /**
   * Empty for a WebSocket token; for an HTTP proof, {@link requestBinding} of the method, path
   * and body it authorises (32 bytes), so one proof cannot serve another request.
   */
  readonly request: Uint8Array;
}

export interface AuthToken extends AuthClaims {
  readonly signature: Uint8Array;
}

/** Longest audience a token may carry. */
export const MAX_AUDIENCE_LENGTH = 200;
export const REQUEST_BINDING_BYTES = 32;

/**
 * A relay's origin as tokens name it: `scheme://host[:port]` with the scheme `http` or `https`
 * (`ws`/`wss` count as `http`/`https`), host lowercased, default port and any path dropped.
 * `null` when `url` is not such a URL.
 */
export function relayOrigin(url: string): string | null {
  if (typeof url !== 'string' || url.length > 2048) return null;
  let u: URL;
  try {
    u = new URL(url.trim().replace(/^ws(s?):/i, 'http$1:'));
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.username || u.password || !u.hostname) return null;
  const origin = u.origin.toLowerCase();
  return origin.length <= MAX_AUDIENCE_LENGTH ? origin : null;
}

/**
 * What an HTTP proof binds: SHA-256 over the method, the API path (e.g.
 * `/api/records/:id/recovery`, without the relay's base URL) and the SHA-256 of the body (empty
 * for GET).
 */
export function requestBinding(method: string, path: string, body: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, method.toUpperCase());
  encoding.writeVarString(e, path);
  encoding.writeVarUint8Array(e, sha256(body));
  return sha256(concat(DOMAIN_REQUEST, encoding.toUint8Array(e)));
}

/** Until when the relay must remember a token's nonce: as long as it would accept the token. */
export function tokenAcceptedUntil(t: Pick<AuthClaims, 'exp'>): number {
  return t.exp + CLOCK_SKEW_MS;
}

function writeClaims(e: encoding.Encoder, c: AuthClaims): void {
  encoding.writeUint8(e, AUTH_TOKEN_FORMAT);
  encoding.writeVarString(e, c.audience);
  encoding.writeVarString(e, c.recordId);
  encoding.writeVarString(e, c.docId);
  encoding.writeVarUint8Array(e, c.deviceKey);
  encoding.writeVarUint(e, c.iat);
  encoding.writeVarUint(e, c.exp);
  encoding.writeVarUint8Array(e, c.nonce);
  encoding.writeVarUint8Array(e, c.request);
}

export function authTokenSigningBytes(c: AuthClaims): Uint8Array {
  const e = encoding.createEncoder();
  writeClaims(e, c);
  return concat(DOMAIN_AUTH, encoding.toUint8Array(e));
}

/** Encodes a signed token as base64url text (fit for a header or the Hocuspocus token). */
export function encodeAuthToken(t: AuthToken): string {
  const e = encoding.createEncoder();
  writeClaims(e, t);
  encoding.writeVarUint8Array(e, t.signature);
  return toBase64Url(encoding.toUint8Array(e));
}

export function decodeAuthToken(token: string): AuthToken | ProtocolError {
  if (typeof token !== 'string' || token.length === 0 || token.length > 1024) {
    return protocolError('malformed', 'The token is missing or too long.');
  }
  const bytes = fromBase64Url(token);
  if (isProtocolError(bytes)) return bytes;
  return decodeWith(bytes, AUTH_TOKEN_FORMAT, 'token', (d) => {
    const audience = decoding.readVarString(d);
    if (relayOrigin(audience) !== audience) {
      throw new DecodeFailure('The audience is not a relay origin.');
    }
    const recordId = readId(d, 'The record id');
    const docId = readId(d, 'The document id');
    const deviceKey = readFixed(d, KEY_BYTES, 'The device key');
    const iat = decoding.readVarUint(d);
    const exp = decoding.readVarUint(d);
    const nonce = readFixed(d, TOKEN_NONCE_BYTES, 'The nonce');
    const request = decoding.readVarUint8Array(d).slice();
    if (request.length !== 0 && request.length !== REQUEST_BINDING_BYTES) {
      throw new DecodeFailure(
        `The request binding must be empty or ${REQUEST_BINDING_BYTES} bytes.`,
      );
    }
    const signature = readFixed(d, SIGNATURE_BYTES, 'The signature');
    return { audience, recordId, docId, deviceKey, iat, exp, nonce, request, signature };
  });
}

/** What the verifier expects of a token besides its document: see {@link verifyAuthToken}. */
export interface TokenExpectation {
  /** The relay's own origins ({@link relayOrigin} form); the token's audience must be one. */
  readonly origins: readonly string[];
  /** {@link requestBinding} of the HTTP request being authorised, or `null` for a WebSocket. */
  readonly request: Uint8Array | null;
}

/**
 * Checks a token for a document name at time `nowMs`: the names match, it names this relay and
 * (for an HTTP proof) exactly this request, it is valid now, it lives at most
 * {@link MAX_TOKEN_LIFETIME_MS}, and the device key signed it. Whether that device may open the
 * document is the manifest's question ({@link granteeFor}); that the token is used once is the
 * relay's (it remembers nonces until {@link tokenAcceptedUntil}).
 */
export function verifyAuthToken(
  t: AuthToken,
  docName: string,
  nowMs: number,
  expect: TokenExpectation,
): ProtocolError | null {
  const name = parseDocumentName(docName);
  if (isProtocolError(name)) return name;
  if (name.recordId !== t.recordId || name.docId !== t.docId) {
    return protocolError('wrong-document', 'The token was made for another document.');
  }
  if (!expect.origins.includes(t.audience)) {
    return protocolError('wrong-relay', 'The token was made for another relay.');
  }
  const bound =
    expect.request === null
      ? t.request.length === 0
      : t.request.length === REQUEST_BINDING_BYTES && bytesEqual(t.request, expect.request);
  if (!bound) {
    return protocolError(
      'wrong-request',
      expect.request === null
        ? 'An HTTP proof cannot open a connection.'
        : 'The proof was made for another request.',
    );
  }
  if (t.exp - t.iat > MAX_TOKEN_LIFETIME_MS) {
    return protocolError('lifetime-too-long', 'The token lives longer than five minutes.');
  }
  if (t.iat > nowMs + CLOCK_SKEW_MS) {
    return protocolError('not-yet-valid', 'The token is from the future; check the clock.');
  }
  if (tokenAcceptedUntil(t) <= nowMs) return protocolError('expired', 'The token has expired.');
  if (!verifySignature(t.signature, authTokenSigningBytes(t), t.deviceKey)) {
    return protocolError('bad-signature', 'The token signature is not valid.');
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Document blobs (issue 12 item 7): the sizes the app and the relay agree on

/** Largest document (plaintext) a client encrypts and the relay stores by default: 20 MiB. */
export const DOCUMENT_MAX_BYTES = 20 * 1024 * 1024;
/** Plaintext bytes per encrypted chunk of a document blob (the last one may be shorter). */
export const DOCUMENT_CHUNK_BYTES = 64 * 1024;
/** A blob's header: format byte + 19-byte file nonce. */
export const DOCUMENT_HEADER_BYTES = 20;
/** Poly1305 tag per chunk. */
export const DOCUMENT_TAG_BYTES = 16;

/** The size of the blob that encrypts `plainBytes` (≥ 1) bytes of a document. */
export function documentBlobBytes(plainBytes: number): number {
  const chunks = Math.max(1, Math.ceil(plainBytes / DOCUMENT_CHUNK_BYTES));
  return DOCUMENT_HEADER_BYTES + plainBytes + chunks * DOCUMENT_TAG_BYTES;
}

// ---------------------------------------------------------------------------------------------
// Manifests

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

/**
 * What the relay tells a record's open connections when its manifest changed (a Hocuspocus
 * stateless message): only the new version, which the relay knows anyway. Devices then fetch and
 * verify the manifest themselves; the notice is a hint, never trusted for anything else.
 */
export function manifestNotice(version: number): string {
  return `manifest:${version}`;
}

/** The version in a {@link manifestNotice}, or `null` for anything else. */
export function parseManifestNotice(payload: unknown): number | null {
  if (typeof payload !== 'string' || payload.length > 32) return null;
  const m = /^manifest:([1-9][0-9]{0,14})$/.exec(payload);
  return m ? Number(m[1]) : null;
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
