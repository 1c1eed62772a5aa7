import {
  currentDocuments,
  DocumentError,
  mayRemove,
  openDocument,
  sealDocument,
  type DocumentData,
} from '$lib/core/documents/index';
import type { Entry } from '$lib/core/record/index';
import {
  deleteDocumentBlob,
  getDocumentBlob,
  putDocumentBlob,
  type BlobTarget,
  type Progress,
} from '$lib/platform/relay-blobs';
import { RelayError } from '$lib/platform/relay-http';
import type { RecordSession } from './record-session';
import { SharingError } from './session-types';

/**
 * Documents of a record (issue 12 item 7): attach (check, encrypt on this device, upload the
 * ciphertext, then write the `document` entry that carries its key), fetch on demand (cached
 * on this device still encrypted: the relay's ciphertext, under the device-local key too), and
 * take back (a `document-removed` entry, then the blob is deleted on the relay).
 */

const cacheKey = (blobId: string) => `doc:${blobId}`;

function target(session: RecordSession, blobId: string): BlobTarget {
  const c = session.compartment('clinical');
  if (!c) throw new SharingError('This device cannot open the clinical part of the record.');
  return {
    relayUrl: session.relayUrl,
    recordId: session.recordId,
    docId: c.docId,
    blobId,
    signer: session.device,
  };
}

/** The record's current documents (not taken back), newest first. */
export function listDocuments(session: RecordSession): Entry<DocumentData>[] {
  return currentDocuments(session.entries('clinical'));
}

/**
 * Attaches a file. Throws {@link DocumentError} (empty, too large, not PDF/JPEG/PNG/WebP, no
 * title), {@link SharingError} (this role may not add documents) or {@link RelayError} (refused
 * or offline); the record is unchanged then.
 */
export async function attachDocument(
  session: RecordSession,
  file: Uint8Array,
  opts: { fileName: string; title: string; onProgress?: Progress },
): Promise<Entry<DocumentData>> {
  const role = session.role;
  if (role === undefined || role === 'viewer') {
    throw new SharingError('This device may not add documents to the record.');
  }
  const sealed = sealDocument(file, { fileName: opts.fileName, title: opts.title });
  const t = target(session, sealed.data.blobId);
  await putDocumentBlob(t, sealed.blob, opts.onProgress);
  let entry: Entry<DocumentData>;
  try {
    entry = session.write('document', sealed.data);
  } catch (e) {
    await deleteDocumentBlob(t).catch(() => false);
    throw e;
  }
  await session.saveLocalBytes(cacheKey(sealed.data.blobId), sealed.blob).catch(() => undefined);
  return entry;
}

/**
 * The file of a document entry, checked against it (size, SHA-256, type): from this device's
 * encrypted cache, else fetched from the relay (with progress) and cached. Throws
 * {@link DocumentError} `corrupt` for a blob that does not match, {@link RelayError} `missing`
 * when the relay no longer has it, or the relay's refusal (`no-grant` for a revoked device).
 */
export async function fetchDocument(
  session: RecordSession,
  entry: Entry<DocumentData>,
  onProgress?: Progress,
): Promise<Uint8Array> {
  const cached = await session.loadLocalBytes(cacheKey(entry.data.blobId)).catch(() => undefined);
  if (cached) {
    try {
      return openDocument(entry.data, cached);
    } catch {
      await session.clearLocal(cacheKey(entry.data.blobId)).catch(() => undefined);
    }
  }
  const blob = await getDocumentBlob(target(session, entry.data.blobId), onProgress);
  if (!blob) throw new RelayError('missing', 'The document is no longer on the relay.', 404);
  const plain = openDocument(entry.data, blob);
  await session.saveLocalBytes(cacheKey(entry.data.blobId), blob).catch(() => undefined);
  return plain;
}

/** Whether this device may take `entry` back: its author or an owner. */
export function canRemoveDocument(session: RecordSession, entry: Entry<DocumentData>): boolean {
  const role = session.role;
  return role !== undefined && mayRemove(entry, { deviceId: session.device.deviceId, role });
}

/**
 * Takes a document back: writes the `document-removed` entry (every reader then hides it) and
 * deletes the blob on the relay and in this device's cache.
 */
export async function removeDocument(
  session: RecordSession,
  entry: Entry<DocumentData>,
): Promise<void> {
  if (!canRemoveDocument(session, entry)) {
    throw new SharingError('Only the person who added a document, or the patient, removes it.');
  }
  session.write('document-removed', { document: entry.id, blobId: entry.data.blobId });
  await session.clearLocal(cacheKey(entry.data.blobId)).catch(() => undefined);
  await deleteDocumentBlob(target(session, entry.data.blobId));
}

export { DocumentError };

/** Uploads an already sealed blob (the demo record's letter) and caches it on this device. */
export async function uploadDocumentBlob(
  session: RecordSession,
  blobId: string,
  blob: Uint8Array,
): Promise<void> {
  await putDocumentBlob(target(session, blobId), blob);
  await cacheDocumentBlob(session, blobId, blob);
}

/** Puts a document's blob (ciphertext) in this device's cache, e.g. for the demo record. */
export async function cacheDocumentBlob(
  session: RecordSession,
  blobId: string,
  blob: Uint8Array,
): Promise<void> {
  await session.saveLocalBytes(cacheKey(blobId), blob);
}
