import 'fake-indexeddb/auto';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attachDocument,
  canRemoveDocument,
  fetchDocument,
  listDocuments,
  removeDocument,
} from '../../src/lib/app/record-documents';
import { RecordSession } from '../../src/lib/app/record-session';
import { Workspace } from '../../src/lib/app/workspace';
import { documentBlobBytes } from '../../src/lib/core/sync/protocol';
import { getDocumentBlob, deleteDocumentBlob } from '../../src/lib/platform/relay-blobs';
import { parseConfig } from '../../sync-server/src/config';
import { createLogger } from '../../sync-server/src/log';
import { testStoreArgs } from '../../sync-server/src/pg-testing';
import { startServer, type RunningServer } from '../../sync-server/src/server';
import { keyPair, newRecord, signedManifest, token } from '../../sync-server/src/testing';
import { deviceOpts, PASS, PHYSIO_PROFILE, readAllFiles, useTestRelay, waitFor } from './helpers';

/**
 * Documents through the real relay (issue 12 item 7; THREAT_MODEL rule 15): a patient's letter
 * reaches the physiotherapist encrypted and opens there; the relay's stored bytes hold no
 * plaintext; a revoked professional cannot fetch; the per-file limit and the record quota refuse.
 */

const MARKER = 'PLAINTEXT-MARKER-discharge-lumbar-disc-herniation';
/** A small PDF of ~200 KB (four chunks) with the marker in every 32 KB. */
function letter(): Uint8Array {
  const text = `%PDF-1.4\n${`(${MARKER}) Tj\n`.repeat(3500)}%%EOF\n`;
  return new TextEncoder().encode(text);
}

const relay = useTestRelay();

async function sharedWithPhysio() {
  const { session: patient } = await RecordSession.create(
    PASS,
    relay.relay.url,
    deviceOpts('-doc-pt'),
  );
  const ws = await Workspace.create(PHYSIO_PROFILE, PASS, deviceOpts('-doc-physio'));
  const { invite, code } = patient.createInvite();
  await patient.takeInviteAnswer(invite);
  await ws.acceptInvite(code);
  const answer = await patient.takeInviteAnswer(invite);
  if (!answer) throw new Error('no answer');
  await patient.grant(answer, {
    role: 'professional',
    compartments: ['clinical', 'messages'],
    notAfter: null,
    manage: false,
  });
  await waitFor(async () => (await ws.poll()) > 0 || ws.session(patient.recordId) !== null);
  const physio = ws.session(patient.recordId);
  if (!physio) throw new Error('not opened');
  return { patient, physio, ws };
}

describe('documents through the real relay', () => {
  it('patient → physiotherapist: uploaded encrypted, fetched with progress, decrypted; revoked physio refused', async () => {
    const { patient, physio } = await sharedWithPhysio();
    const file = letter();
    const up: number[] = [];
    const entry = await attachDocument(patient, file, {
      fileName: 'discharge.pdf',
      title: 'Discharge letter, Aarhus University Hospital',
      onProgress: (done) => up.push(done),
    });
    expect(up.at(-1)).toBe(documentBlobBytes(file.length));
    await patient.settled();

    // The relay holds ciphertext under the clinical compartment: no marker in the blob, nor in
    // any file of its data directory.
    const clinical = patient.compartment('clinical')!.docId;
    const stored = await relay.relay.store.getBlob(patient.recordId, entry.data.blobId);
    expect(stored?.compartment).toBe(clinical);
    expect(stored!.data.length).toBe(1 + 32 + documentBlobBytes(file.length));
    expect(Buffer.from(stored!.data).includes(MARKER)).toBe(false);
    expect(Buffer.from(stored!.data).includes('%PDF')).toBe(false);
    expect(readAllFiles(relay.dataDir).includes(MARKER)).toBe(false);

    // The physiotherapist sees the entry, fetches on demand with download progress, decrypts.
    await waitFor(() => listDocuments(physio).length === 1);
    const seen = listDocuments(physio)[0]!;
    expect(seen.author.role).toBe('owner');
    expect(seen.data.title).toBe('Discharge letter, Aarhus University Hospital');
    const down: Array<[number, number]> = [];
    const opened = await fetchDocument(physio, seen, (d, total) => down.push([d, total]));
    expect(opened).toEqual(file);
    expect(down.at(-1)).toEqual([documentBlobBytes(file.length), documentBlobBytes(file.length)]);
    // Cached encrypted on the physio's device: the second open needs no relay.
    const cachedOpen = await fetchDocument(physio, seen, () => {
      throw new Error('fetched again');
    });
    expect(cachedOpen).toEqual(file);

    // The physio adds a document too; the patient sees who added it; the physio cannot remove
    // the patient's (app) nor delete its blob (relay).
    const png = new Uint8Array([
      0x89,
      0x50,
      0x4e,
      0x47,
      0x0d,
      0x0a,
      0x1a,
      0x0a,
      ...new Array(500).fill(7),
    ]);
    const theirs = await attachDocument(physio, png, {
      fileName: 'posture.png',
      title: 'Posture photo',
    });
    await physio.settled();
    await waitFor(() => listDocuments(patient).length === 2);
    expect(listDocuments(patient).find((d) => d.id === theirs.id)!.author).toMatchObject({
      role: 'professional',
      name: 'Ana Jensen',
    });
    expect(canRemoveDocument(physio, seen)).toBe(false);
    await expect(removeDocument(physio, seen)).rejects.toThrow(/Only the person who added/);
    const target = {
      relayUrl: physio.relayUrl,
      recordId: physio.recordId,
      docId: clinical,
      blobId: seen.data.blobId,
      signer: physio.device,
    };
    await expect(deleteDocumentBlob(target)).rejects.toMatchObject({
      status: 403,
      code: 'not-uploader',
    });

    // Revoked: the relay refuses the physio's fetch of the blob.
    await patient.revoke([physio.device.deviceId]);
    await waitFor(() => !physio.hasAccess, 15_000);
    await expect(getDocumentBlob(target)).rejects.toMatchObject({ status: 403, code: 'no-grant' });

    // The patient removes the letter: the entry is taken back and the blob leaves the relay.
    await removeDocument(
      patient,
      listDocuments(patient).find((d) => d.id === entry.id)!,
    );
    expect(listDocuments(patient).map((d) => d.id)).toEqual([theirs.id]);
    expect(await relay.relay.store.getBlob(patient.recordId, entry.data.blobId)).toBeNull();
    await patient.close();
    await physio.close();
  }, 60_000);
});

describe('the blob endpoint refuses what it must (hand-made requests)', () => {
  let server: RunningServer;
  const rec = newRecord();
  const owner = keyPair();
  const physio = keyPair();
  const viewer = keyPair();
  const stranger = keyPair();
  const DOC = 'clin';
  const OTHER = 'msgs';
  const LIMIT = 100_000;
  const QUOTA = 250_000;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backpack-docs-'));
    const config = parseConfig(
      [
        '--port',
        '0',
        '--data',
        dir,
        '--max-document-bytes',
        String(LIMIT),
        '--document-quota-bytes',
        String(QUOTA),
        ...(await testStoreArgs()),
      ],
      {},
    );
    server = await startServer(
      config,
      createLogger(() => undefined),
    );
    const { bytes } = signedManifest(rec, 1, [
      { key: owner, role: 'owner', docs: [DOC, OTHER] },
      { key: physio, role: 'professional', docs: [DOC] },
      { key: viewer, role: 'viewer', docs: [DOC] },
      { key: stranger, role: 'professional', docs: [OTHER] },
    ]);
    const res = await fetch(`${server.url}/api/records/${rec.recordId}/manifest`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes as BodyInit,
    });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await server.close();
  });

  const path = (blobId: string) => `/api/records/${rec.recordId}/blobs/${blobId}`;
  async function call(
    method: 'PUT' | 'GET' | 'DELETE',
    blobId: string,
    device: ReturnType<typeof keyPair>,
    opts: {
      body?: Uint8Array;
      docId?: string;
      proof?: string;
      signedBody?: Uint8Array;
      headers?: Record<string, string>;
    } = {},
  ) {
    const proof =
      opts.proof ??
      token(device, rec.recordId, opts.docId ?? DOC, {
        origin: server.url,
        request: {
          method,
          path: path(blobId),
          ...((opts.signedBody ?? opts.body) ? { body: opts.signedBody ?? opts.body } : {}),
        },
      });
    const res = await fetch(`${server.url}${path(blobId)}`, {
      method,
      headers: {
        'x-backpack-proof': proof,
        ...(opts.body ? { 'content-type': 'application/octet-stream' } : {}),
        ...opts.headers,
      },
      ...(opts.body ? { body: opts.body as BodyInit } : {}),
    });
    const bytes = new Uint8Array(await res.arrayBuffer());
    const json = res.headers.get('content-type')?.startsWith('application/json')
      ? (JSON.parse(new TextDecoder().decode(bytes)) as { error: string })
      : null;
    return { status: res.status, error: json?.error, bytes };
  }
  const blob = (n: number, fill = 1) => new Uint8Array(n).fill(fill);
  const id = (n: number) => `blob${n}`.padEnd(32, 'a');

  it('stores for a writer, serves to a current grantee, refuses the others', async () => {
    const body = blob(5000, 3);
    expect(await call('PUT', id(1), physio, { body })).toMatchObject({ status: 200 });
    const got = await call('GET', id(1), viewer);
    expect(got.status).toBe(200);
    expect(got.bytes).toEqual(body);
    // A viewer writes nothing; a grantee of another compartment reads nothing.
    expect(await call('PUT', id(2), viewer, { body })).toMatchObject({
      status: 403,
      error: 'read-only',
    });
    expect(await call('GET', id(1), stranger)).toMatchObject({ status: 403, error: 'no-grant' });
    expect(await call('GET', id(1), stranger, { docId: OTHER })).toMatchObject({
      status: 403,
      error: 'no-grant',
    });
    // No proof, a proof for another body, a replayed proof.
    const noProof = await fetch(`${server.url}${path(id(1))}`);
    expect(noProof.status).toBe(401);
    expect(await call('PUT', id(3), physio, { body, signedBody: blob(5000, 4) })).toMatchObject({
      status: 401,
      error: 'wrong-request',
    });
    const once = token(physio, rec.recordId, DOC, {
      origin: server.url,
      request: { method: 'GET', path: path(id(1)) },
    });
    expect((await call('GET', id(1), physio, { proof: once })).status).toBe(200);
    expect(await call('GET', id(1), physio, { proof: once })).toMatchObject({
      status: 401,
      error: 'replayed',
    });
    // Blobs are immutable; nobody replaces another's.
    expect(await call('PUT', id(1), owner, { body: blob(10, 9) })).toMatchObject({
      status: 409,
      error: 'blob-exists',
    });
    // Delete: not by another grantee; by the uploader or an owner.
    expect(await call('DELETE', id(1), viewer)).toMatchObject({
      status: 403,
      error: 'not-uploader',
    });
    expect(await call('DELETE', id(1), physio)).toMatchObject({ status: 200 });
    expect(await call('GET', id(1), physio)).toMatchObject({ status: 404 });
    expect(await call('PUT', id(4), physio, { body })).toMatchObject({ status: 200 });
    expect(await call('DELETE', id(4), owner)).toMatchObject({ status: 200 });
  });

  it('refuses a file over the per-file limit and uploads over the record quota, storing nothing', async () => {
    const max = documentBlobBytes(LIMIT);
    expect(await call('PUT', id(10), physio, { body: blob(max + 1) })).toMatchObject({
      status: 413,
      error: 'too-large',
    });
    expect(await server.store.getBlob(rec.recordId, id(10))).toBeNull();
    // Two near-limit files fit in the 250 KB quota, a third does not.
    expect(await call('PUT', id(11), physio, { body: blob(max) })).toMatchObject({ status: 200 });
    expect(await call('PUT', id(12), physio, { body: blob(max) })).toMatchObject({ status: 200 });
    expect(await call('PUT', id(13), physio, { body: blob(max) })).toMatchObject({
      status: 413,
      error: 'quota-exceeded',
    });
    expect(await server.store.getBlob(rec.recordId, id(13))).toBeNull();
    // Uploads in parallel cannot overrun it together.
    expect(await call('DELETE', id(12), physio)).toMatchObject({ status: 200 });
    const both = await Promise.all([
      call('PUT', id(14), physio, { body: blob(max) }),
      call('PUT', id(15), physio, { body: blob(max) }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 413]);
    expect(await server.store.blobUsage(rec.recordId)).toBeLessThanOrEqual(QUOTA);
  });

  it('refuses an oversize body sent without Content-Length while reading it', async () => {
    for (const n of [11, 14, 15]) await call('DELETE', id(n), owner);
    expect(await server.store.blobUsage(rec.recordId)).toBe(0);
    const max = documentBlobBytes(LIMIT);
    const body = blob(max + 5000, 2);
    const p = path(id(20));
    const proof = token(owner, rec.recordId, DOC, {
      origin: server.url,
      request: { method: 'PUT', path: p, body },
    });
    const { status, error } = await new Promise<{ status: number; error: string }>(
      (resolve, reject) => {
        const req = request(
          `${server.url}${p}`,
          {
            method: 'PUT',
            headers: {
              'content-type': 'application/octet-stream',
              'transfer-encoding': 'chunked',
              'x-backpack-proof': proof,
            },
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                error: (JSON.parse(text) as { error: string }).error,
              }),
            );
          },
        );
        req.on('error', reject);
        // Sent in 10 KB pieces: the relay answers once the limit is passed.
        for (let i = 0; i < body.length; i += 10_000) req.write(body.subarray(i, i + 10_000));
        req.end();
      },
    );
    expect([status, error]).toEqual([413, 'too-large']);
    expect(await server.store.getBlob(rec.recordId, id(20))).toBeNull();
  });
});
