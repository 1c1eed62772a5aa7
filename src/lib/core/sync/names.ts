/**
 * Names: record and document ids, the relay's document name of a compartment, and the record id
 * that is derived from the record's root key.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { base32 } from './bytes';
import { protocolError, type ProtocolError } from './protocol-error';

/** Record and document ids: lowercase base32 / short words; safe in paths and document names. */
const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** The relay's document name of a compartment: `${recordId}:${docId}`. */
export function documentName(recordId: string, docId: string): string {
  return `${recordId}:${docId}`;
}

export function parseDocumentName(
  name: string,
): { recordId: string; docId: string } | ProtocolError {
  const parts = name.split(':');
  if (parts.length !== 2) return protocolError('bad-name', 'A document name is "record:doc".');
  const [recordId, docId] = parts as [string, string];
  if (!isValidId(recordId) || !isValidId(docId)) {
    return protocolError(
      'bad-name',
      'The record or document id has characters that are not allowed.',
    );
  }
  return { recordId, docId };
}

/**
 * A record's id is derived from its root public key, so nobody can claim a record id with a root
 * key of their own: the relay checks the binding on the first manifest, clients on every one.
 */
export function recordIdForRootKey(rootKey: Uint8Array): string {
  return base32(sha256(rootKey).subarray(0, 16));
}
