import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { randomBytes } from './random';

export const KEY_BYTES = 32;
export const NONCE_BYTES = 24;

/** XChaCha20-Poly1305 with a random 24-byte nonce; returns `{nonce, ciphertext}`. */
export function encrypt(
  key: Uint8Array,
  plaintext: Uint8Array,
  aad?: Uint8Array,
): { nonce: Uint8Array; ciphertext: Uint8Array } {
  const nonce = randomBytes(NONCE_BYTES);
  return { nonce, ciphertext: xchacha20poly1305(key, nonce, aad).encrypt(plaintext) };
}

/** Decrypts, or returns `null` when the key, nonce, AAD or ciphertext do not match. */
export function decrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  aad?: Uint8Array,
): Uint8Array | null {
  try {
    return xchacha20poly1305(key, nonce, aad).decrypt(ciphertext);
  } catch {
    return null;
  }
}
