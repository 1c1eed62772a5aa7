import type { Entry } from '../record/entries';
import {
  DOCUMENT,
  DOCUMENT_REMOVED,
  isDocumentData,
  isDocumentRemoved,
  type DocumentData,
} from './entry';

/**
 * Whether `removal` takes back `doc`: it names the document and its blob, and its author is the
 * document's own author (same device) or an owner. A removal written by anyone else (a grantee
 * taking back another's letter) is ignored by every reader.
 */
export function isRemovalBy(removal: Entry, doc: Entry<DocumentData>): boolean {
  if (removal.type !== DOCUMENT_REMOVED || !isDocumentRemoved(removal.data)) return false;
  if (removal.data.document !== doc.id || removal.data.blobId !== doc.data.blobId) return false;
  return removal.author.role === 'owner' || removal.author.deviceId === doc.author.deviceId;
}

/** The record's documents that no valid removal took back, newest first (input order kept). */
export function currentDocuments(entries: readonly Entry[]): Entry<DocumentData>[] {
  const removals = entries.filter((e) => e.type === DOCUMENT_REMOVED);
  const out: Entry<DocumentData>[] = [];
  for (const e of entries) {
    if (e.type !== DOCUMENT || !isDocumentData(e.data)) continue;
    const doc = e as Entry<DocumentData>;
    if (!removals.some((r) => isRemovalBy(r, doc))) out.push(doc);
  }
  return out;
}

/** Whether `who` (a device's hex key and role) may take back `doc`: its author or an owner. */
export function mayRemove(
  doc: Entry<DocumentData>,
  who: { deviceId: string; role: string },
): boolean {
  return who.role === 'owner' || who.deviceId === doc.author.deviceId;
}
