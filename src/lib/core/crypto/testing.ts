import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { base32, fromBase32 } from '../sync/protocol';
import { encrypt } from './aead';
import type { RootKeys } from './keys';
import { randomBytes } from './random';

// For tests only: builds what older versions of the app wrote, to test that it is still read.

/**
 * A format-1 kit as the code before format 2 made it (commit 02ec269, `makeRecoveryKit`):
 * base32(recordHash(16) ‖ kitSecret(32) ‖ sha256-check(2)), the blob sealed with the record id
 * as AAD.
 */
export function legacyKit(root: RootKeys, kitSecret = randomBytes(32)) {
  const payload = concatBytes(fromBase32(root.recordId)!, kitSecret);
  const check = sha256(concatBytes(utf8ToBytes('backpack/kit/1'), payload)).subarray(0, 2);
  const code = base32(concatBytes(payload, check))
    .toUpperCase()
    .match(/.{1,4}/g)!
    .join('-');
  const blobKey = hkdf(sha256, kitSecret, undefined, utf8ToBytes('backpack/recovery-blob/1'), 32);
  const { nonce, ciphertext } = encrypt(blobKey, root.seed, utf8ToBytes(root.recordId));
  return { code, kitSecret, blob: concatBytes(Uint8Array.of(1), nonce, ciphertext) };
}
