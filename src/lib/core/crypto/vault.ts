import { argon2idAsync } from '@noble/hashes/argon2.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { decrypt, encrypt } from './aead';
import { randomBytes } from './random';

/**
 * The key-derivation settings stored next to each wrapped secret, so they can be raised later
 * without breaking older vaults.
 *
 * New vaults use Argon2id with OWASP's minimum (m = 19 MiB, t = 2, p = 1); vaults written before
 * used scrypt N = 2^15, r = 8, p = 1 (32 MiB, below OWASP's scrypt minimum of N = 2^17) and are
 * re-wrapped at their next unlock (`needsKdfUpgrade`). Measured cost in headless Chromium on the
 * 2-core reference machine: see ARCHITECTURE.md and `npm run bench` (`kdfInChromium`).
 */
export type KdfSettings =
  | { readonly alg: 'scrypt'; readonly N: number; readonly r: number; readonly p: number }
  /** `m` in KiB, as Argon2 counts it. */
  | { readonly alg: 'argon2id'; readonly m: number; readonly t: number; readonly p: number };

export type KdfParams = KdfSettings & { readonly salt: Uint8Array };

export const DEFAULT_KDF: KdfSettings = { alg: 'argon2id', m: 19 * 1024, t: 2, p: 1 };

/** What vaults were wrapped with before Argon2id (kept to name and test the upgrade). */
export const LEGACY_KDF: KdfSettings = { alg: 'scrypt', N: 2 ** 15, r: 8, p: 1 };

export interface WrappedSecret {
  readonly v: 1;
  readonly kdf: KdfParams;
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
}

export class KdfError extends Error {
  override name = 'KdfError';
}

/** 256 MiB: eight times what this app writes, and what a phone's tab can still hold. */
const MAX_KDF_BYTES = 256 * 1024 * 1024;

const isInt = (x: unknown, min: number, max: number): x is number =>
  typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;

/**
 * Why stored settings cannot be used, or `null`. The bounds keep a damaged or planted vault from
 * asking for gigabytes or hours; they are far above anything this app writes.
 */
export function kdfProblem(kdf: unknown): string | null {
  if (typeof kdf !== 'object' || kdf === null) return 'no key settings';
  const k = kdf as Record<string, unknown>;
  if (!(k.salt instanceof Uint8Array) || k.salt.length < 16 || k.salt.length > 64) {
    return 'bad salt';
  }
  if (k.alg === 'scrypt') {
    const n = k.N;
    const pow2 = typeof n === 'number' && n > 1 && (n & (n - 1)) === 0;
    if (!isInt(n, 2 ** 10, 2 ** 20) || !pow2) return 'bad scrypt N';
    if (!isInt(k.r, 1, 32) || !isInt(k.p, 1, 16)) return 'bad scrypt r or p';
    if (128 * n * k.r > MAX_KDF_BYTES) return 'scrypt memory too large';
    return null;
  }
  if (k.alg === 'argon2id') {
    if (!isInt(k.m, 8, MAX_KDF_BYTES / 1024)) return 'bad argon2id m';
    if (!isInt(k.t, 1, 20) || !isInt(k.p, 1, 16) || k.m < 8 * k.p) return 'bad argon2id t or p';
    return null;
  }
  return 'unknown key-derivation algorithm';
}

/** OWASP's minimum for password storage: scrypt N=2^17, r=8, p=1 or Argon2id m=19 MiB, t=2. */
export function meetsKdfMinimum(kdf: KdfSettings): boolean {
  if (kdf.alg === 'scrypt') return kdf.N >= 2 ** 17 && kdf.r >= 8 && kdf.p >= 1;
  return kdf.m >= 19 * 1024 && kdf.t >= 2 && kdf.p >= 1;
}

function sameSettings(a: KdfSettings, b: KdfSettings): boolean {
  if (a.alg === 'scrypt' && b.alg === 'scrypt') return a.N === b.N && a.r === b.r && a.p === b.p;
  if (a.alg === 'argon2id' && b.alg === 'argon2id') {
    return a.m === b.m && a.t === b.t && a.p === b.p;
  }
  return false;
}

/**
 * Whether a secret unwrapped from `wrapped` should be wrapped again with `target`: its settings
 * are below the minimum and are not what this device writes anyway (tests write cheap ones).
 */
export function needsKdfUpgrade(
  wrapped: WrappedSecret,
  target: KdfSettings = DEFAULT_KDF,
): boolean {
  return !meetsKdfMinimum(wrapped.kdf) && !sameSettings(wrapped.kdf, target);
}

export async function deriveKek(passphrase: string, kdf: KdfParams): Promise<Uint8Array> {
  const problem = kdfProblem(kdf);
  if (problem) throw new KdfError(`The stored key settings cannot be used (${problem}).`);
  const password = utf8ToBytes(passphrase.normalize('NFKC'));
  if (kdf.alg === 'argon2id') {
    return argon2idAsync(password, kdf.salt, { m: kdf.m, t: kdf.t, p: kdf.p, dkLen: 32 });
  }
  return scryptAsync(password, kdf.salt, { N: kdf.N, r: kdf.r, p: kdf.p, dkLen: 32 });
}

/** Encrypts `secret` under a key derived from the passphrase. */
export async function wrapWithPassphrase(
  passphrase: string,
  secret: Uint8Array,
  settings: KdfSettings = DEFAULT_KDF,
): Promise<WrappedSecret> {
  const kdf: KdfParams = { ...settings, salt: randomBytes(16) };
  const kek = await deriveKek(passphrase, kdf);
  const { nonce, ciphertext } = encrypt(kek, secret, utf8ToBytes('backpack/vault/1'));
  return { v: 1, kdf, nonce, ciphertext };
}

/**
 * Returns the secret, or `null` when the passphrase is wrong (or the wrapping was altered).
 * Throws `KdfError` when the stored settings are unusable.
 */
export async function unwrapWithPassphrase(
  passphrase: string,
  wrapped: WrappedSecret,
): Promise<Uint8Array | null> {
  const kek = await deriveKek(passphrase, wrapped.kdf);
  return decrypt(kek, wrapped.nonce, wrapped.ciphertext, utf8ToBytes('backpack/vault/1'));
}

/**
 * Unwraps, and when the settings are below the minimum also offers `upgrade`: the same secret
 * wrapped again with `target` (a new salt). The caller runs it once the record is open (it costs
 * a second derivation) and stores the result in one write that replaces the old wrapping, so a
 * crash leaves either the old or the new one, and both open with the passphrase.
 */
export async function unwrapAndUpgrade(
  passphrase: string,
  wrapped: WrappedSecret,
  target: KdfSettings = DEFAULT_KDF,
): Promise<{ secret: Uint8Array; upgrade: (() => Promise<WrappedSecret>) | null } | null> {
  const secret = await unwrapWithPassphrase(passphrase, wrapped);
  if (!secret) return null;
  if (!needsKdfUpgrade(wrapped, target)) return { secret, upgrade: null };
  const copy = secret.slice();
  return { secret, upgrade: () => wrapWithPassphrase(passphrase, copy, target) };
}
