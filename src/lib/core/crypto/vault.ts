import { scryptAsync } from '@noble/hashes/scrypt.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { decrypt, encrypt } from './aead';
import { randomBytes } from './random';

/**
 * The key-derivation settings stored next to each wrapped secret, so they can be raised later
 * without breaking older vaults. scrypt is memory-hard: N = 2^15, r = 8 uses 32 MiB per guess.
 * Measured cost on the 2-core reference machine: see ARCHITECTURE.md and `npm run bench`.
 */
export interface KdfParams {
  readonly alg: 'scrypt';
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Uint8Array;
}

export const DEFAULT_KDF: Omit<KdfParams, 'salt'> = { alg: 'scrypt', N: 2 ** 15, r: 8, p: 1 };

export interface WrappedSecret {
  readonly v: 1;
  readonly kdf: KdfParams;
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
}

export async function deriveKek(passphrase: string, kdf: KdfParams): Promise<Uint8Array> {
  return scryptAsync(utf8ToBytes(passphrase.normalize('NFKC')), kdf.salt, {
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    dkLen: 32,
  });
}

/** Encrypts `secret` under a key derived from the passphrase. */
export async function wrapWithPassphrase(
  passphrase: string,
  secret: Uint8Array,
  settings: Omit<KdfParams, 'salt'> = DEFAULT_KDF,
): Promise<WrappedSecret> {
  const kdf: KdfParams = { ...settings, salt: randomBytes(16) };
  const kek = await deriveKek(passphrase, kdf);
  const { nonce, ciphertext } = encrypt(kek, secret, utf8ToBytes('backpack/vault/1'));
  return { v: 1, kdf, nonce, ciphertext };
}

/** Returns the secret, or `null` when the passphrase is wrong (or the wrapping was altered). */
export async function unwrapWithPassphrase(
  passphrase: string,
  wrapped: WrappedSecret,
): Promise<Uint8Array | null> {
  const kek = await deriveKek(passphrase, wrapped.kdf);
  return decrypt(kek, wrapped.nonce, wrapped.ciphertext, utf8ToBytes('backpack/vault/1'));
}
