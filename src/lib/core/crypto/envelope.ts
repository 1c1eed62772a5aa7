import {
  encodeEnvelope,
  envelopeAad,
  envelopeSigningBytes,
  verifyEnvelopeSignature,
  type Envelope,
  type EnvelopeHeader,
} from '../sync/protocol';
import { decrypt, encrypt } from './aead';
import { sign } from './keys';

/**
 * Encrypts `plaintext` under the compartment's epoch key with the header as AAD, and signs the
 * result with the author's Ed25519 key. `header.author` must be the public half of `signSecret`.
 */
export function sealEnvelope(
  header: EnvelopeHeader,
  epochKey: Uint8Array,
  plaintext: Uint8Array,
  signSecret: Uint8Array,
): Envelope {
  const { nonce, ciphertext } = encrypt(epochKey, plaintext, envelopeAad(header));
  const signature = sign(envelopeSigningBytes(header, nonce, ciphertext), signSecret);
  return { ...header, nonce, ciphertext, signature };
}

/** Convenience for callers that store envelopes as bytes. */
export function sealEnvelopeBytes(
  header: EnvelopeHeader,
  epochKey: Uint8Array,
  plaintext: Uint8Array,
  signSecret: Uint8Array,
): Uint8Array {
  return encodeEnvelope(sealEnvelope(header, epochKey, plaintext, signSecret));
}

/**
 * Checks the signature, then decrypts. Returns `null` when either fails: a caller cannot tell a
 * forged envelope from a damaged one, and need not.
 */
export function openEnvelope(env: Envelope, epochKey: Uint8Array): Uint8Array | null {
  if (!verifyEnvelopeSignature(env)) return null;
  return decrypt(epochKey, env.nonce, env.ciphertext, envelopeAad(env));
}
