import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '../crypto/random';
import {
  base32,
  DOCUMENT_MAX_BYTES,
  fromBase64Url,
  isProtocolError,
  toBase64Url,
  toHex,
} from '../sync/protocol';
import { isDocumentMediaType, sniffMediaType, type DocumentMediaType } from './media';
import { decryptDocumentBlob, encryptDocumentBlob, FILE_KEY_BYTES } from './stream';

/**
 * The `document` entry (clinical compartment): what a grantee needs to fetch, open and check an
 * encrypted attachment. The file key lives only here, inside the encrypted record; the relay
 * holds the blob under its id and never the key. `document-removed` takes a document back: the
 * readers honour it only from the document's author or an owner (see {@link isRemovalBy}).
 */

export const DOCUMENT = 'document';
export const DOCUMENT_REMOVED = 'document-removed';

export const MAX_TITLE_LENGTH = 200;
export const MAX_FILE_NAME_LENGTH = 200;

export interface DocumentData {
  /** The blob's id on the relay: 32 chars of base32 (160 random bits). */
  readonly blobId: string;
  /** The file key, base64url of 32 bytes. */
  readonly key: string;
  /** Plaintext bytes (1 .. {@link DOCUMENT_MAX_BYTES}). */
  readonly size: number;
  readonly mediaType: DocumentMediaType;
  readonly fileName: string;
  /** SHA-256 of the plaintext, hex. */
  readonly sha256: string;
  readonly title: string;
}

export interface DocumentRemoved {
  /** The entry id of the document taken back. */
  readonly document: string;
  readonly blobId: string;
}

const BLOB_ID = /^[a-z2-7]{32}$/;
const KEY_B64 = /^[A-Za-z0-9_-]{43}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const ENTRY_ID = /^[0-9a-z]{1,64}$/;
// eslint-disable-next-line no-control-regex -- control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

const isText = (x: unknown, max: number): x is string =>
  typeof x === 'string' && x.trim().length > 0 && x.length <= max && !CONTROL.test(x);

export function isBlobId(x: unknown): x is string {
  return typeof x === 'string' && BLOB_ID.test(x);
}

export function newBlobId(): string {
  return base32(randomBytes(20));
}

export function isDocumentData(x: unknown): x is DocumentData {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const d = x as Record<string, unknown>;
  const keys = Object.keys(d);
  if (keys.length !== 7) return false;
  return (
    isBlobId(d['blobId']) &&
    typeof d['key'] === 'string' &&
    KEY_B64.test(d['key']) &&
    typeof d['size'] === 'number' &&
    Number.isSafeInteger(d['size']) &&
    d['size'] >= 1 &&
    d['size'] <= DOCUMENT_MAX_BYTES &&
    isDocumentMediaType(d['mediaType']) &&
    isText(d['fileName'], MAX_FILE_NAME_LENGTH) &&
    typeof d['sha256'] === 'string' &&
    HEX64.test(d['sha256']) &&
    isText(d['title'], MAX_TITLE_LENGTH)
  );
}

export function isDocumentRemoved(x: unknown): x is DocumentRemoved {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const d = x as Record<string, unknown>;
  return (
    Object.keys(d).length === 2 &&
    typeof d['document'] === 'string' &&
    ENTRY_ID.test(d['document']) &&
    isBlobId(d['blobId'])
  );
}

/** Why a file cannot be attached (shown to the user through the i18n key `docs.error.<code>`). */
export type DocumentProblem = 'empty' | 'too-large' | 'media-type' | 'title' | 'corrupt';

export class DocumentError extends Error {
  override name = 'DocumentError';
  constructor(
    readonly code: DocumentProblem,
    message: string,
  ) {
    super(message);
  }
}

/** A file's name as stored: no path, no control characters, at most 200 chars. */
export function cleanFileName(name: string, mediaType: DocumentMediaType): string {
  // eslint-disable-next-line no-control-regex -- control characters are dropped
  const base = (name.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  const ext = {
    'application/pdf': 'pdf',
    'image/jpeg': 'jpg',
    'image/png': 'png',
    'image/webp': 'webp',
  }[mediaType];
  const fallback = `document.${ext}`;
  return (base || fallback).slice(0, MAX_FILE_NAME_LENGTH);
}

export interface SealedDocument {
  readonly data: DocumentData;
  /** The ciphertext to upload. */
  readonly blob: Uint8Array;
}

/**
 * Checks and encrypts a file to attach: its media type by its first bytes (PDF, JPEG, PNG, WebP),
 * its size (1 .. `maxBytes`), a title; a fresh key and blob id. Throws {@link DocumentError}.
 */
export function sealDocument(
  file: Uint8Array,
  opts: { fileName: string; title: string; maxBytes?: number },
): SealedDocument {
  const max = Math.min(opts.maxBytes ?? DOCUMENT_MAX_BYTES, DOCUMENT_MAX_BYTES);
  if (file.length === 0) throw new DocumentError('empty', 'The file is empty.');
  if (file.length > max) {
    throw new DocumentError('too-large', `The file is larger than ${max} bytes.`);
  }
  const mediaType = sniffMediaType(file);
  if (!mediaType) {
    throw new DocumentError('media-type', 'Only PDF, JPEG, PNG and WebP files can be attached.');
  }
  const title = opts.title.trim();
  if (!isText(title, MAX_TITLE_LENGTH)) {
    throw new DocumentError('title', `A title is 1 to ${MAX_TITLE_LENGTH} characters.`);
  }
  const key = randomBytes(FILE_KEY_BYTES);
  const blobId = newBlobId();
  const blob = encryptDocumentBlob(file, key, blobId);
  return {
    blob,
    data: {
      blobId,
      key: toBase64Url(key),
      size: file.length,
      mediaType,
      fileName: cleanFileName(opts.fileName, mediaType),
      sha256: toHex(sha256(file)),
      title,
    },
  };
}

/**
 * Decrypts a fetched blob with its entry's key and checks it is the file the entry describes
 * (size, SHA-256, media type). Throws {@link DocumentError} `corrupt` otherwise.
 */
export function openDocument(data: DocumentData, blob: Uint8Array): Uint8Array {
  const key = fromBase64Url(data.key);
  if (isProtocolError(key) || key.length !== FILE_KEY_BYTES) {
    throw new DocumentError('corrupt', 'The document entry holds no valid key.');
  }
  let plain: Uint8Array;
  try {
    plain = decryptDocumentBlob(blob, key, data.blobId);
  } catch (e) {
    throw new DocumentError('corrupt', e instanceof Error ? e.message : 'The blob does not open.');
  }
  if (
    plain.length !== data.size ||
    toHex(sha256(plain)) !== data.sha256 ||
    sniffMediaType(plain) !== data.mediaType
  ) {
    throw new DocumentError('corrupt', 'The file does not match its entry.');
  }
  return plain;
}
