/**
 * Document blobs (issue 12 item 7): the sizes the app and the relay agree on.
 */

/** Largest document (plaintext) a client encrypts and the relay stores by default: 20 MiB. */
export const DOCUMENT_MAX_BYTES = 20 * 1024 * 1024;
/** Plaintext bytes per encrypted chunk of a document blob (the last one may be shorter). */
export const DOCUMENT_CHUNK_BYTES = 64 * 1024;
/** A blob's header: format byte + 19-byte file nonce. */
export const DOCUMENT_HEADER_BYTES = 20;
/** Poly1305 tag per chunk. */
export const DOCUMENT_TAG_BYTES = 16;

/** The size of the blob that encrypts `plainBytes` (≥ 1) bytes of a document. */
export function documentBlobBytes(plainBytes: number): number {
  const chunks = Math.max(1, Math.ceil(plainBytes / DOCUMENT_CHUNK_BYTES));
  return DOCUMENT_HEADER_BYTES + plainBytes + chunks * DOCUMENT_TAG_BYTES;
}
