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
  const unsigned = encryptEnvelope(header, epochKey, plaintext);
  return signedEnvelope(unsigned, sign(unsigned.signingBytes, signSecret));
}

/** An envelope encrypted and not signed yet, with the bytes its signature covers. */
export interface UnsignedEnvelope {
  readonly header: EnvelopeHeader;
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly signingBytes: Uint8Array;
}

/**
 * The first half of {@link sealEnvelope}: encrypts, and returns what must be signed, so that the
 * signature can be made elsewhere (`signEd25519Async`); {@link signedEnvelope} completes it.
 */
export function encryptEnvelope(
  header: EnvelopeHeader,
  epochKey: Uint8Array,
  plaintext: Uint8Array,
): UnsignedEnvelope {
  const { nonce, ciphertext } = encrypt(epochKey, plaintext, envelopeAad(header));
  const signingBytes = envelopeSigningBytes(header, nonce, ciphertext);
  return { header, nonce, ciphertext, signingBytes };
}

/** The envelope of {@link encryptEnvelope} with its signature. */
export function signedEnvelope(unsigned: UnsignedEnvelope, signature: Uint8Array): Envelope {
  return { ...unsigned.header, nonce: unsigned.nonce, ciphertext: unsigned.ciphertext, signature };
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
