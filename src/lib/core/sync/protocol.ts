/**
 * The wire protocol shared by the app and the relay (`sync-server/` imports this file and nothing
 * else of the app). It defines three signed binary formats, all encoded with lib0 and versioned by
 * a leading format byte:
 *
 * - **Envelope** (`envelope-codec.ts`): one encrypted Yjs update or snapshot of a compartment. The
 *   relay stores and forwards envelopes as items of the outer document's `Y.Array`; it can check
 *   who wrote one, but cannot read it.
 * - **Auth token** (`auth-token.ts`): a short-lived claim `{audience, recordId, docId, deviceKey,
 *   exp, nonce, request}` signed by the device key, used to open a relay connection or to prove
 *   ownership to the HTTP API.
 * - **Manifest** (`manifest-codec.ts`, checked by `manifest-rules.ts`): the record's signed list
 *   of compartments, grantees and sealed epoch keys. It holds no names; the relay uses it for
 *   authorization, clients for key distribution.
 *
 * Every decoder validates fully (lengths, ranges, no trailing bytes) and returns a
 * {@link ProtocolError} instead of throwing, so outside input can never crash a caller.
 *
 * This file only re-exports the public names of its sibling files, which are self-contained on
 * purpose: they import only lib0, @noble packages, each other and `crypto/ed25519.ts` (itself
 * @noble only), whose strict RFC 8032 rule every signature here is checked with, on the relay as
 * on every client.
 */

/** For the relay: serve the strict check with Node's native Ed25519 (see `crypto/ed25519.ts`). */
export { useNativeVerifier, type NativeVerify } from '../crypto/ed25519';

export {
  isProtocolError,
  protocolError,
  type ProtocolError,
  type ProtocolErrorCode,
} from './protocol-error';
export { base32, bytesEqual, fromBase32, fromBase64Url, toBase64Url, toHex } from './bytes';
export { documentName, isValidId, parseDocumentName, recordIdForRootKey } from './names';
export { KEY_BYTES, PROTOCOL_VERSION, SIGNATURE_BYTES } from './wire';
export {
  ENVELOPE_FORMAT,
  MAX_CIPHERTEXT_BYTES,
  NONCE_BYTES,
  decodeEnvelope,
  encodeEnvelope,
  envelopeAad,
  envelopeSigningBytes,
  verifyEnvelopeSignature,
  type Covers,
  type Envelope,
  type EnvelopeHeader,
  type EnvelopeKind,
} from './envelope-codec';
export {
  AUTH_TOKEN_FORMAT,
  CLOCK_SKEW_MS,
  MAX_AUDIENCE_LENGTH,
  MAX_TOKEN_LIFETIME_MS,
  REQUEST_BINDING_BYTES,
  TOKEN_NONCE_BYTES,
  authTokenSigningBytes,
  decodeAuthToken,
  encodeAuthToken,
  relayOrigin,
  requestBinding,
  tokenAcceptedUntil,
  verifyAuthToken,
  type AuthClaims,
  type AuthToken,
  type TokenExpectation,
} from './auth-token';
export {
  DOCUMENT_CHUNK_BYTES,
  DOCUMENT_HEADER_BYTES,
  DOCUMENT_MAX_BYTES,
  DOCUMENT_TAG_BYTES,
  documentBlobBytes,
} from './document-blob';
export {
  MANIFEST_FORMAT,
  MAX_MANIFEST_BYTES,
  ROLES,
  certificateSigningBytes,
  decodeManifest,
  encodeManifest,
  manifestSigningBytes,
  roleMayWrite,
  type Lockbox,
  type ManifestBody,
  type ManifestCompartment,
  type ManifestGrantee,
  type Role,
  type SignedManifest,
} from './manifest-codec';
export {
  compartmentFor,
  compartmentsLosingReaders,
  granteeFor,
  hasValidCertificate,
  signerCouldKnow,
  verifyManifest,
  verifyManifestSuccessor,
} from './manifest-rules';
export { manifestNotice, parseManifestNotice } from './relay-notice';
