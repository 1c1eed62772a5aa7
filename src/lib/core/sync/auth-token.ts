/**
 * Auth tokens: a short-lived claim signed by a device key, used to open a relay connection or,
 * bound to one HTTP request, to prove ownership to the HTTP API. The relay's origin as tokens
 * name it, the request binding, the codec and the verifier.
 */
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { bytesEqual, concat, fromBase64Url, toBase64Url } from './bytes';
import { parseDocumentName } from './names';
import { isProtocolError, protocolError, type ProtocolError } from './protocol-error';
import {
  DecodeFailure,
  KEY_BYTES,
  SIGNATURE_BYTES,
  decodeWith,
  readFixed,
  readId,
  verifySignature,
} from './wire';

/** 2: tokens name the relay's origin and, for HTTP proofs, the request they authorise. */
export const AUTH_TOKEN_FORMAT = 2;

const DOMAIN_AUTH = utf8ToBytes('backpack/auth/2\0');
const DOMAIN_REQUEST = utf8ToBytes('backpack/request/1\0');

export const TOKEN_NONCE_BYTES = 16;
/** Auth tokens may live at most this long (DESIGN §4: exp ≤ 5 min). */
export const MAX_TOKEN_LIFETIME_MS = 5 * 60 * 1000;
/** Tolerated clock skew between a device and the relay. */
export const CLOCK_SKEW_MS = 60 * 1000;

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
