import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  bytesEqual,
  documentBlobBytes,
  isValidId,
  roleMayWrite,
  toHex,
} from '../../src/lib/core/sync/protocol';
import { isOwner, type ManifestRegistry, type NonceCache } from './auth';
import type { RelayConfig } from './config';
import { createDeviceProof, type Proven } from './device-proof';
import { CORS_HEADERS, HttpError, readBody, sendBytes, sendJson } from './http-io';
import type { Logger } from './log';
import type { RelayStore } from './store';

/**
 * Encrypted document attachments (issue 12 item 7): `PUT|GET|DELETE
 * /api/records/:recordId/blobs/:blobId`.
 *
 * Every request carries a proof in `x-backpack-proof`: a device token for
 * `${recordId}:${docId}`, where `docId` is the compartment the document belongs to, naming this
 * relay and exactly this request (method, path, body), used once. The device must hold a grant
 * for that compartment in the stored manifest now:
 *
 * - `PUT` (write access to the compartment: any role but viewer) stores the ciphertext under the
 *   compartment, once (blobs are immutable: 409 when the id is taken). At most
 *   `maxDocumentBytes` of plaintext per file (its ciphertext size, {@link documentBlobBytes}) and
 *   `documentQuotaBytes` per record, refused early on `Content-Length` and while reading (413).
 *   The proof's signature and grant are checked before the body is read; its binding to the body
 *   after.
 * - `GET` needs a current grant for the blob's compartment: a revoked device gets 403.
 * - `DELETE` is for the device that uploaded the blob, or an owner.
 *
 * The relay stores `0x01 ‖ uploader's device key ‖ ciphertext` and serves the ciphertext. It never
 * sees a key or a byte of plaintext; logs name the record and sizes, never the blob id.
 */

const STORED_FORMAT = 1;
const UPLOADER_BYTES = 32;

export interface BlobDeps {
  readonly config: RelayConfig;
  readonly store: RelayStore;
  readonly manifests: ManifestRegistry;
  readonly nonces: NonceCache;
  readonly log: Logger;
  readonly origins: () => readonly string[];
  readonly now: () => number;
}

export function createBlobHandler(deps: BlobDeps) {
  const { config, store, manifests, nonces, log, origins, now } = deps;
  /** Bytes of uploads being read, per record, so parallel uploads cannot overrun the quota. */
  const reserved = new Map<string, number>();
  const blobLimit = documentBlobBytes(config.maxDocumentBytes);
  const { prove, bind } = createDeviceProof({ manifests, nonces, origins, now });

  async function put(
    req: IncomingMessage,
    res: ServerResponse,
    recordId: string,
    blobId: string,
    path: string,
  ): Promise<void> {
    const p = await prove(req, recordId);
    if (!roleMayWrite(p.grant.role)) {
      throw new HttpError(403, 'read-only', 'This device may not write to this record.');
    }
    const tooLarge = () =>
      new HttpError(
        413,
        'too-large',
        `A document may be at most ${config.maxDocumentBytes} bytes (${blobLimit} encrypted).`,
      );
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > blobLimit) throw tooLarge();
    const used = (await store.blobUsage(recordId)) + (reserved.get(recordId) ?? 0);
    const left = config.documentQuotaBytes - used;
    const quotaFull = () =>
      new HttpError(
        413,
        'quota-exceeded',
        `The record's documents may take at most ${config.documentQuotaBytes} bytes; ${Math.max(0, left)} are left.`,
      );
    const bound = Math.min(blobLimit, left);
    if (bound <= 0 || (Number.isFinite(declared) && declared > left)) throw quotaFull();
    reserved.set(recordId, (reserved.get(recordId) ?? 0) + bound);
    try {
      let body: Uint8Array;
      try {
        body = await readBody(req, bound);
      } catch (e) {
        if (e instanceof HttpError && e.code === 'too-large') {
          throw bound < blobLimit ? quotaFull() : tooLarge();
        }
        throw e;
      }
      bind(p, 'PUT', path, body);
      const stored = new Uint8Array(1 + UPLOADER_BYTES + body.length);
      stored[0] = STORED_FORMAT;
      stored.set(p.token.deviceKey, 1);
      stored.set(body, 1 + UPLOADER_BYTES);
      if (!(await store.putBlob(recordId, blobId, p.token.docId, stored, now()))) {
        throw new HttpError(409, 'blob-exists', 'A blob with this id is already stored.');
      }
      log.info('document blob stored', {
        event: 'blob-stored',
        record: recordId,
        device: toHex(p.token.deviceKey).slice(0, 8),
        bytes: body.length,
      });
      sendJson(res, 200, { ok: true, bytes: body.length }, CORS_HEADERS);
    } finally {
      const n = (reserved.get(recordId) ?? bound) - bound;
      if (n <= 0) reserved.delete(recordId);
      else reserved.set(recordId, n);
    }
  }

  /** The stored blob, if the proof's compartment is the blob's. */
  async function load(p: Proven, recordId: string, blobId: string) {
    const blob = await store.getBlob(recordId, blobId);
    if (!blob || blob.data.length < 1 + UPLOADER_BYTES || blob.data[0] !== STORED_FORMAT) {
      throw new HttpError(404, 'not-found', 'No such document blob.');
    }
    if (blob.compartment !== p.token.docId) {
      throw new HttpError(403, 'no-grant', 'This device has no grant for this document.');
    }
    return {
      uploader: blob.data.subarray(1, 1 + UPLOADER_BYTES),
      ciphertext: blob.data.subarray(1 + UPLOADER_BYTES),
    };
  }

  async function get(
    req: IncomingMessage,
    res: ServerResponse,
    recordId: string,
    blobId: string,
    path: string,
  ): Promise<void> {
    const p = await prove(req, recordId);
    bind(p, 'GET', path, new Uint8Array(0));
    const { ciphertext } = await load(p, recordId, blobId);
    sendBytes(res, ciphertext);
  }

  async function remove(
    req: IncomingMessage,
    res: ServerResponse,
    recordId: string,
    blobId: string,
    path: string,
  ): Promise<void> {
    const p = await prove(req, recordId);
    bind(p, 'DELETE', path, new Uint8Array(0));
    const { uploader } = await load(p, recordId, blobId);
    if (
      !bytesEqual(uploader, p.token.deviceKey) &&
      !isOwner(p.manifest, p.token.deviceKey, now())
    ) {
      throw new HttpError(403, 'not-uploader', 'Only its uploader or an owner deletes a document.');
    }
    await store.deleteBlob(recordId, blobId);
    log.info('document blob deleted', { event: 'blob-deleted', record: recordId });
    sendJson(res, 200, { ok: true }, CORS_HEADERS);
  }

  return async function blobs(
    req: IncomingMessage,
    res: ServerResponse,
    recordId: string,
    blobId: string,
    path: string,
  ): Promise<void> {
    if (!isValidId(blobId)) {
      throw new HttpError(400, 'bad-id', 'The blob id is not valid (a-z, 0-9 and -, 1-64 chars).');
    }
    if (req.method === 'PUT') return put(req, res, recordId, blobId, path);
    if (req.method === 'GET') return get(req, res, recordId, blobId, path);
    if (req.method === 'DELETE') return remove(req, res, recordId, blobId, path);
    throw new HttpError(405, 'method-not-allowed', 'Use GET, PUT or DELETE.', {
      allow: 'GET, PUT, DELETE, OPTIONS',
    });
  };
}
