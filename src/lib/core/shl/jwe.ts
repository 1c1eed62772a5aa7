import { CompactEncrypt, compactDecrypt } from 'jose';
import { ShlError } from './errors';
import { base64urlDecode } from './payload';

/** The SHL file encryption: compact JWE, `alg: dir`, `enc: A256GCM`, optional `zip: DEF`. */

/** Largest JWE text accepted (characters). */
export const MAX_JWE_CHARS = 16_000_000;
/** Largest plaintext after decompression (bytes): a zip bomb stops here. */
export const MAX_PLAINTEXT_BYTES = 8_000_000;

export async function encryptFile(
  json: unknown,
  key: Uint8Array,
  contentType: string,
  opts: { zip?: boolean } = {},
): Promise<string> {
  if (key.length !== 32) throw new RangeError('An SHL key is 32 bytes.');
  const plaintext = new TextEncoder().encode(JSON.stringify(json));
  // Every encryption draws a fresh IV inside jose, so a key reused for updates stays safe.
  return new CompactEncrypt(plaintext)
    .setProtectedHeader({
      alg: 'dir',
      enc: 'A256GCM',
      cty: contentType,
      ...(opts.zip ? { zip: 'DEF' } : {}),
    })
    .encrypt(key);
}

export interface DecryptedFile {
  readonly contentType: string | undefined;
  readonly plaintext: Uint8Array;
}

export async function decryptFile(
  jwe: string,
  key: Uint8Array,
  maxPlaintext: number = MAX_PLAINTEXT_BYTES,
): Promise<DecryptedFile> {
  if (typeof jwe !== 'string' || jwe.length > MAX_JWE_CHARS) {
    throw new ShlError('too-large', 'The encrypted file is too large.');
  }
  const parts = jwe.trim().split('.');
  if (
    parts.length !== 5 ||
    parts[1] !== '' ||
    parts.some((p, i) => i !== 1 && !/^[A-Za-z0-9_-]+$/.test(p))
  ) {
    throw new ShlError(
      'malformed-jwe',
      'The encrypted file is damaged or incomplete (not a compact JWE).',
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(base64urlDecode(parts[0]!)),
    ) as Record<string, unknown>;
  } catch {
    throw new ShlError('malformed-jwe', 'The encrypted file’s header is damaged.');
  }
  if (
    typeof header !== 'object' ||
    header === null ||
    header['alg'] !== 'dir' ||
    header['enc'] !== 'A256GCM'
  ) {
    throw new ShlError('unsupported-encryption', 'The file is not encrypted with dir + A256GCM.');
  }
  if (header['zip'] !== undefined && header['zip'] !== 'DEF') {
    throw new ShlError('unsupported-encryption', 'The file uses a compression other than DEF.');
  }
  if (parts[2]!.length !== 16 || parts[4]!.length !== 22) {
    throw new ShlError(
      'malformed-jwe',
      'The encrypted file is damaged or incomplete (IV or tag size).',
    );
  }
  if (key.length !== 32) throw new ShlError('decrypt-failed', 'The link’s key is not 32 bytes.');
  try {
    const { plaintext, protectedHeader } = await compactDecrypt(jwe.trim(), key, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
      maxDecompressedLength: maxPlaintext,
    });
    if (plaintext.length > maxPlaintext)
      throw new ShlError('too-large', 'The decrypted file is too large.');
    return {
      contentType: typeof protectedHeader.cty === 'string' ? protectedHeader.cty : undefined,
      plaintext,
    };
  } catch (e) {
    if (e instanceof ShlError) throw e;
    const code = (e as { code?: string }).code;
    const message = e instanceof Error ? e.message : '';
    if (/Decompressed plaintext exceeded/.test(message)) {
      throw new ShlError('too-large', `The file decompresses to more than ${maxPlaintext} bytes.`);
    }
    if (code === 'ERR_JWE_DECRYPTION_FAILED') {
      throw new ShlError(
        'decrypt-failed',
        'The file does not decrypt with this link’s key (wrong key or altered file).',
      );
    }
    throw new ShlError('malformed-jwe', 'The encrypted file is damaged.');
  }
}
