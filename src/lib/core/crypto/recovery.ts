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
 * The code (format 2) is 26 random Crockford base32 characters (a 130-bit kit secret) and two
 * check characters, 28 in all, shown in groups of four. It does not contain the record id.
 * HKDF-SHA256 of the secret gives, under separate labels, the *locator* (the name the relay keeps
 * the blob under) and the blob key. The blob holds the root seed encrypted under the blob key;
 * the root seed gives the record id, so the restoring device learns it only after the blob opens.
 * An owner device uploads the blob for its record; a new kit replaces the record's blob on the
 * relay, so an old printed kit no longer opens it.
 *
 * The check characters are a Reed-Solomon code over GF(32) with two parity symbols (roots α, α²):
 * its minimum distance is 3, so every single mistyped character and every swap of two characters
 * is caught, not merely most.
 *
 * Format 1 (kits printed before): base32(recordHash(16) ‖ kitSecret(32) ‖ check(2)), 80
 * characters, looked up by record id. Those codes are still read.
 */
export interface RecoveryKit {
  readonly code: string;
  /** Where the relay keeps the blob (lowercase base32 of 32 bytes). */
  readonly locator: string;
  readonly blob: Uint8Array;
}

/** A code as read from the patient: what to fetch, and what opens it. */
export type RecoveryCode =
  | { readonly format: 2; readonly locator: string; readonly secret: Uint8Array }
  | { readonly format: 1; readonly recordId: string; readonly kitSecret: Uint8Array };

export type KitParseError = 'empty' | 'characters' | 'length' | 'checksum';

// --- format 2 --------------------------------------------------------------------------------

/** Crockford's base32: no I, L, O or U, so a handwritten code reads back one way. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const KIT_SECRET_CHARS = 26;
const CHECK_CHARS = 2;
export const KIT_CODE_CHARS = KIT_SECRET_CHARS + CHECK_CHARS;
const BLOB_FORMAT = 2;
const HKDF_SALT = utf8ToBytes('backpack/recovery/2');

// GF(32) = GF(2)[x] / (x^5 + x^2 + 1); α = x is primitive (order 31 ≥ 28 positions).
const EXP = new Uint8Array(62);
const LOG = new Uint8Array(32);
for (let i = 0, v = 1; i < 31; i++) {
  EXP[i] = EXP[i + 31] = v;
  LOG[v] = i;
  v <<= 1;
  if (v & 32) v ^= 0b100101;
}
const mul = (a: number, b: number): number => (a && b ? EXP[LOG[a]! + LOG[b]!]! : 0);
const pow = (e: number): number => EXP[e % 31]!;
const div = (a: number, b: number): number => (a ? EXP[LOG[a]! + 31 - LOG[b]!]! : 0);

/** C(α^j) for a word c₀…c_{n−1} read as the polynomial Σ cᵢ x^(n−1−i). */
function syndrome(word: ArrayLike<number>, j: number): number {
  let s = 0;
  for (let i = 0; i < word.length; i++) s ^= mul(word[i]!, pow(j * (word.length - 1 - i)));
  return s;
}

/** The two check symbols that make `data ‖ p₁ ‖ p₀` vanish at α and α². */
function checkSymbols(data: Uint8Array): [number, number] {
  const word = concatBytes(data, new Uint8Array(CHECK_CHARS));
  const s1 = syndrome(word, 1);
  const s2 = syndrome(word, 2);
  // p₁·α + p₀ = s1 and p₁·α² + p₀ = s2 (characteristic 2: minus is plus).
  const p1 = div(s1 ^ s2, pow(1) ^ pow(2));
  const p0 = s1 ^ mul(p1, pow(1));
  return [p1, p0];
}

function derive(secret: Uint8Array, label: string): Uint8Array {
  return hkdf(sha256, secret, HKDF_SALT, utf8ToBytes(label), 32);
}

/** The relay's name for the blob of this kit secret; it reveals neither secret nor record. */
export function recoveryLocator(secret: Uint8Array): string {
  return base32(derive(secret, 'locator'));
}

function blobAad(locator: string): Uint8Array {
  return utf8ToBytes(`backpack/recovery-blob/2:${locator}`);
}

export function makeRecoveryKit(root: RootKeys): RecoveryKit {
  // Each byte's low five bits: uniform, since 256 is a multiple of 32.
  const secret = randomBytes(KIT_SECRET_CHARS).map((b) => b & 31);
  const symbols = concatBytes(secret, Uint8Array.from(checkSymbols(secret)));
  const raw = Array.from(symbols, (s) => CROCKFORD[s]).join('');
  const code = raw.match(/.{1,4}/g)!.join('-');
  const locator = recoveryLocator(secret);
  const { nonce, ciphertext } = encrypt(derive(secret, 'blob-key'), root.seed, blobAad(locator));
  return { code, locator, blob: concatBytes(Uint8Array.of(BLOB_FORMAT), nonce, ciphertext) };
}

function parseKitCode(cleaned: string): RecoveryCode | { error: KitParseError } {
  const normal = cleaned.toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
  const symbols = new Uint8Array(normal.length);
  for (let i = 0; i < normal.length; i++) {
    const v = CROCKFORD.indexOf(normal[i]!);
    if (v < 0) return { error: 'characters' };
    symbols[i] = v;
  }
  if (symbols.length !== KIT_CODE_CHARS) return { error: 'length' };
  if (syndrome(symbols, 1) !== 0 || syndrome(symbols, 2) !== 0) return { error: 'checksum' };
  const secret = symbols.slice(0, KIT_SECRET_CHARS);
  return { format: 2, locator: recoveryLocator(secret), secret };
}

// --- format 1 (legacy, read only) ------------------------------------------------------------

const LEGACY_CODE_CHARS = 80;
const LEGACY_RECORD_HASH_BYTES = 16;
const LEGACY_SECRET_BYTES = 32;
const LEGACY_BLOB_FORMAT = 1;

function legacyChecksum(payload: Uint8Array): Uint8Array {
  return sha256(concatBytes(utf8ToBytes('backpack/kit/1'), payload)).subarray(0, 2);
}

function parseLegacyCode(cleaned: string): RecoveryCode | { error: KitParseError } {
  const bytes = fromBase32(cleaned.toLowerCase());
  if (!bytes) return { error: 'characters' };
  const payload = bytes.subarray(0, LEGACY_RECORD_HASH_BYTES + LEGACY_SECRET_BYTES);
  const check = bytes.subarray(LEGACY_RECORD_HASH_BYTES + LEGACY_SECRET_BYTES);
  const expected = legacyChecksum(payload);
  if (check.length !== 2 || check[0] !== expected[0] || check[1] !== expected[1]) {
    return { error: 'checksum' };
  }
  return {
    format: 1,
    recordId: base32(payload.subarray(0, LEGACY_RECORD_HASH_BYTES)),
    kitSecret: payload.slice(LEGACY_RECORD_HASH_BYTES),
  };
}

// --- both ------------------------------------------------------------------------------------

/**
 * Reads a typed or scanned code: case, spaces and dashes do not matter, nor O for 0 or I/L for 1;
 * typos are caught. An 80-character code is a format-1 kit.
 */
export function parseRecoveryCode(code: string): RecoveryCode | { error: KitParseError } {
  const cleaned = code.replace(/[\s-]/g, '');
  if (cleaned.length === 0) return { error: 'empty' };
  return cleaned.length === LEGACY_CODE_CHARS ? parseLegacyCode(cleaned) : parseKitCode(cleaned);
}

/**
 * Opens a blob fetched from the relay. Returns the root keys, or `null` if the blob does not open
 * with this kit (a relay cannot hand over another record's root: it does not hold the key, and
 * a format-1 blob must also belong to the record named in the code).
 */
export function openRecoveryBlob(code: RecoveryCode, blob: Uint8Array): RootKeys | null {
  const format = code.format === 2 ? BLOB_FORMAT : LEGACY_BLOB_FORMAT;
  if (blob.length < 1 + NONCE_BYTES + 16 || blob[0] !== format) return null;
  const nonce = blob.subarray(1, 1 + NONCE_BYTES);
  const body = blob.subarray(1 + NONCE_BYTES);
  const seed =
    code.format === 2
      ? decrypt(derive(code.secret, 'blob-key'), nonce, body, blobAad(code.locator))
      : decrypt(
          hkdf(sha256, code.kitSecret, undefined, utf8ToBytes('backpack/recovery-blob/1'), 32),
          nonce,
          body,
          utf8ToBytes(code.recordId),
        );
  if (!seed || seed.length !== 32) return null;
  const root = rootKeysFromSeed(seed);
  if (code.format === 1 && recordIdForRootKey(root.signPublic) !== code.recordId) return null;
  return root;
}
