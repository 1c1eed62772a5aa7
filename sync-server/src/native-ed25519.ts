import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { useNativeVerifier } from '../../src/lib/core/sync/protocol';

/** SubjectPublicKeyInfo prefix of a raw Ed25519 key (RFC 8410). */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const keys = new Map<string, KeyObject>();

/**
 * Node's OpenSSL Ed25519 (synchronous, ~15× faster than noble) behind the shared strict rule:
 * `verifyStrict` runs its prechecks first, so the relay refuses exactly what every client
 * refuses (`src/lib/core/crypto/ed25519.test.ts`, "the native Node path").
 */
export function nativeEd25519(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean {
  const id = Buffer.from(pk).toString('hex');
  let key = keys.get(id);
  if (!key) {
    if (keys.size >= 4096) keys.clear();
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pk]), format: 'der', type: 'spki' });
    keys.set(id, key);
  }
  return verify(null, msg, key, sig);
}

export function installNativeEd25519(): void {
  useNativeVerifier(nativeEd25519);
}
