import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { randomBytes } from '../crypto/random';
import {
  DOCUMENT_CHUNK_BYTES,
  DOCUMENT_HEADER_BYTES,
  DOCUMENT_TAG_BYTES,
  documentBlobBytes,
} from '../sync/protocol';

/**
 * Chunked file encryption for documents (issue 12 item 7), STREAM-like (Hoang, Reyhanitabar,
 * Rogaway, Vizár 2015): XChaCha20-Poly1305 under a fresh 32-byte key per file, over chunks of
 * {@link DOCUMENT_CHUNK_BYTES}. Blob layout: format byte `1`, a random 19-byte file nonce, then
 * each chunk's ciphertext with its 16-byte tag. Chunk `i` is sealed under the nonce
 * `fileNonce ‖ u32be(i) ‖ final` and the AAD `"backpack/document/1" 0x00 blobId u32be(i) final`,
 * where `final` is 1 only for the last chunk. So a chunk moved to another position or another
 * blob, a blob cut at a chunk boundary (its new last chunk is not marked final), or extra bytes
 * after the final chunk all fail to decrypt.
 */

export const DOCUMENT_FORMAT = 1;
export const FILE_KEY_BYTES = 32;
const FILE_NONCE_BYTES = DOCUMENT_HEADER_BYTES - 1;
const SEALED_CHUNK_BYTES = DOCUMENT_CHUNK_BYTES + DOCUMENT_TAG_BYTES;
const AAD_PREFIX = new TextEncoder().encode('backpack/document/1\0');

/** Why a blob could not be opened; the message is for developers and logs (no content). */
export class DocumentCryptoError extends Error {
  override name = 'DocumentCryptoError';
  constructor(
    readonly code: 'format' | 'truncated' | 'tampered' | 'empty',
    message: string,
  ) {
    super(message);
  }
}

function u32be(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

function chunkNonce(fileNonce: Uint8Array, index: number, final: boolean): Uint8Array {
  const nonce = new Uint8Array(24);
  nonce.set(fileNonce, 0);
  nonce.set(u32be(index), FILE_NONCE_BYTES);
  nonce[23] = final ? 1 : 0;
  return nonce;
}

function chunkAad(blobId: string, index: number, final: boolean): Uint8Array {
  const id = new TextEncoder().encode(blobId);
  const aad = new Uint8Array(AAD_PREFIX.length + id.length + 5);
  aad.set(AAD_PREFIX, 0);
  aad.set(id, AAD_PREFIX.length);
  aad.set(u32be(index), AAD_PREFIX.length + id.length);
  aad[aad.length - 1] = final ? 1 : 0;
  return aad;
}

/** Encrypts `plain` (≥ 1 byte) for blob `blobId` under `key` (32 bytes, fresh per file). */
export function encryptDocumentBlob(
  plain: Uint8Array,
  key: Uint8Array,
  blobId: string,
  fileNonce: Uint8Array = randomBytes(FILE_NONCE_BYTES),
): Uint8Array {
  if (key.length !== FILE_KEY_BYTES) throw new RangeError('A file key is 32 bytes.');
  if (fileNonce.length !== FILE_NONCE_BYTES) throw new RangeError('A file nonce is 19 bytes.');
  if (plain.length === 0) throw new DocumentCryptoError('empty', 'An empty file is not stored.');
  const out = new Uint8Array(documentBlobBytes(plain.length));
  out[0] = DOCUMENT_FORMAT;
  out.set(fileNonce, 1);
  const chunks = Math.ceil(plain.length / DOCUMENT_CHUNK_BYTES);
  let offset = DOCUMENT_HEADER_BYTES;
  for (let i = 0; i < chunks; i++) {
    const final = i === chunks - 1;
    const part = plain.subarray(i * DOCUMENT_CHUNK_BYTES, (i + 1) * DOCUMENT_CHUNK_BYTES);
    const sealed = xchacha20poly1305(
      key,
      chunkNonce(fileNonce, i, final),
      chunkAad(blobId, i, final),
    ).encrypt(part);
    out.set(sealed, offset);
    offset += sealed.length;
  }
  return out;
}

/**
 * Decrypts a blob made by {@link encryptDocumentBlob} for `blobId`; throws
 * {@link DocumentCryptoError} for a wrong key or blob id, a changed, moved, missing or extra
 * chunk, and a malformed header. Nothing partial is returned.
 */
export function decryptDocumentBlob(blob: Uint8Array, key: Uint8Array, blobId: string): Uint8Array {
  if (key.length !== FILE_KEY_BYTES) throw new RangeError('A file key is 32 bytes.');
  if (blob.length < DOCUMENT_HEADER_BYTES + DOCUMENT_TAG_BYTES + 1 || blob[0] !== DOCUMENT_FORMAT) {
    throw new DocumentCryptoError('format', 'This is not a document blob of a known format.');
  }
  const fileNonce = blob.subarray(1, DOCUMENT_HEADER_BYTES);
  const body = blob.subarray(DOCUMENT_HEADER_BYTES);
  const chunks = Math.ceil(body.length / SEALED_CHUNK_BYTES);
  const lastSize = body.length - (chunks - 1) * SEALED_CHUNK_BYTES;
  if (lastSize <= DOCUMENT_TAG_BYTES) {
    throw new DocumentCryptoError('truncated', 'The blob ends inside a chunk.');
  }
  const out = new Uint8Array(body.length - chunks * DOCUMENT_TAG_BYTES);
  for (let i = 0; i < chunks; i++) {
    const final = i === chunks - 1;
    const sealed = body.subarray(i * SEALED_CHUNK_BYTES, (i + 1) * SEALED_CHUNK_BYTES);
    let part: Uint8Array;
    try {
      part = xchacha20poly1305(
        key,
        chunkNonce(fileNonce, i, final),
        chunkAad(blobId, i, final),
      ).decrypt(sealed);
    } catch {
      throw new DocumentCryptoError(
        final ? 'truncated' : 'tampered',
        final
          ? 'The last chunk does not open: the blob was cut, extended or changed, or the key is wrong.'
          : `Chunk ${i} does not open: the blob was changed or reordered, or the key is wrong.`,
      );
    }
    out.set(part, i * DOCUMENT_CHUNK_BYTES);
  }
  return out;
}
