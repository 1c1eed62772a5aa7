import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { useNativeVerifier } from '../../src/lib/core/sync/protocol';

/** SubjectPublicKeyInfo prefix of a raw Ed25519 key (RFC 8410). */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/**
 * Public-key objects by key, least recently used first. Sized for the load test's 10,000
 * writers on one instance: clearing a smaller map made every check past it import its key again.
 */
const keys = new Map<string, KeyObject>();
const MAX_KEYS = 16_384;

/**
 * Node's OpenSSL Ed25519 (synchronous, ~15× faster than noble) behind the shared strict rule:
 * `verifyStrict` runs its prechecks first, so the relay refuses exactly what every client
 * refuses (`src/lib/core/crypto/ed25519.test.ts`, "the native Node path").
 */
export function nativeEd25519(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean {
  const id = Buffer.from(pk).toString('hex');
  let key = keys.get(id);
  if (key) {
    keys.delete(id); // most recently used last
  } else {
    if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value!);
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pk]), format: 'der', type: 'spki' });
  }
  keys.set(id, key);
  return verify(null, msg, key, sig);
}

export function installNativeEd25519(): void {
  useNativeVerifier(nativeEd25519);
}
