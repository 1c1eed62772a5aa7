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
import { verifyEd25519 } from './ed25519';

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

/**
 * The envelope's signature, checked on the fastest path the runtime has (WebCrypto, else noble)
 * under the same strict rule as {@link verifyEnvelopeSignature}. Start many and await them
 * together: they run concurrently.
 */
export function verifyEnvelopeSignatureAsync(env: Envelope): Promise<boolean> {
  return verifyEd25519(
    env.signature,
    envelopeSigningBytes(env, env.nonce, env.ciphertext),
    env.author,
  );
}

/** Decrypts an envelope whose signature was already checked. `null` when decryption fails. */
export function decryptEnvelope(env: Envelope, epochKey: Uint8Array): Uint8Array | null {
  return decrypt(epochKey, env.nonce, env.ciphertext, envelopeAad(env));
}
