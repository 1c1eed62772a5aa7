import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { base32, fromBase32, recordIdForRootKey } from '../sync/protocol';
import { decrypt, encrypt, NONCE_BYTES } from './aead';
import { rootKeysFromSeed, type RootKeys } from './keys';
import { randomBytes } from './random';

/**
 * The recovery kit: a printable code that, with the relay's recovery blob, restores the record's
 * root on a new device when every device is lost.
 *
 * The code holds the record id (so the blob can be fetched) and a 32-byte kit secret (so it can be
 * opened). The blob holds the root seed encrypted under a key derived from the kit secret. Making
 * a new kit replaces the blob on the relay, so an old printed kit no longer opens it.
 *
 * Code layout: base32(recordHash(16) ‖ kitSecret(32) ‖ check(2)) in groups of four, upper case.
 */
export interface RecoveryKit {
  readonly code: string;
  readonly blob: Uint8Array;
}

const BLOB_FORMAT = 1;
const RECORD_HASH_BYTES = 16;
const SECRET_BYTES = 32;
const CHECK_BYTES = 2;

function blobKey(kitSecret: Uint8Array): Uint8Array {
  return hkdf(sha256, kitSecret, undefined, utf8ToBytes('backpack/recovery-blob/1'), 32);
}

function checksum(payload: Uint8Array): Uint8Array {
  return sha256(concatBytes(utf8ToBytes('backpack/kit/1'), payload)).subarray(0, CHECK_BYTES);
}

export function makeRecoveryKit(root: RootKeys): RecoveryKit {
  const kitSecret = randomBytes(SECRET_BYTES);
  const recordHash = fromBase32(root.recordId);
  if (!recordHash || recordHash.length !== RECORD_HASH_BYTES) throw new Error('Bad record id.');
  const payload = concatBytes(recordHash, kitSecret);
  const raw = base32(concatBytes(payload, checksum(payload))).toUpperCase();
  const code = raw.match(/.{1,4}/g)!.join('-');
  const aad = utf8ToBytes(root.recordId);
  const { nonce, ciphertext } = encrypt(blobKey(kitSecret), root.seed, aad);
  return { code, blob: concatBytes(Uint8Array.of(BLOB_FORMAT), nonce, ciphertext) };
}

export type KitParseError = 'empty' | 'characters' | 'length' | 'checksum';

/** Reads a typed or scanned code: case, spaces and dashes do not matter; typos are caught. */
export function parseRecoveryCode(
  code: string,
): { recordId: string; kitSecret: Uint8Array } | { error: KitParseError } {
  const cleaned = code.replace(/[\s-]/g, '').toLowerCase();
  if (cleaned.length === 0) return { error: 'empty' };
  const bytes = fromBase32(cleaned);
  if (!bytes) return { error: 'characters' };
  if (bytes.length !== RECORD_HASH_BYTES + SECRET_BYTES + CHECK_BYTES) return { error: 'length' };
  const payload = bytes.subarray(0, RECORD_HASH_BYTES + SECRET_BYTES);
  const check = bytes.subarray(RECORD_HASH_BYTES + SECRET_BYTES);
  const expected = checksum(payload);
  if (check[0] !== expected[0] || check[1] !== expected[1]) return { error: 'checksum' };
  return {
    recordId: base32(payload.subarray(0, RECORD_HASH_BYTES)),
    kitSecret: payload.slice(RECORD_HASH_BYTES),
  };
}

/**
 * Opens a blob fetched from the relay. Returns the root keys, or `null` if the blob does not open
 * with this kit or does not belong to this record (a relay cannot hand over another record's root).
 */
export function openRecoveryBlob(
  recordId: string,
  kitSecret: Uint8Array,
  blob: Uint8Array,
): RootKeys | null {
  if (blob.length < 1 + NONCE_BYTES + 16 || blob[0] !== BLOB_FORMAT) return null;
  const nonce = blob.subarray(1, 1 + NONCE_BYTES);
  const seed = decrypt(
    blobKey(kitSecret),
    nonce,
    blob.subarray(1 + NONCE_BYTES),
    utf8ToBytes(recordId),
  );
  if (!seed || seed.length !== 32) return null;
  const root = rootKeysFromSeed(seed);
  return recordIdForRootKey(root.signPublic) === recordId ? root : null;
}
