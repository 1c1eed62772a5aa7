import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js';

/** Cryptographically secure random bytes (WebCrypto's getRandomValues underneath). */
export function randomBytes(length: number): Uint8Array {
  return nobleRandomBytes(length);
}
