import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeManifest, isProtocolError, toHex } from '../../src/lib/core/sync/protocol';
import { parseConfig } from './config';
import { testStoreArgs } from './pg-testing';
import { MessageType } from './gate';
import { createLogger } from './log';
import { startServer, type RunningServer } from './server';
import { LOG_ENVELOPE_KEYS, LOG_FIELDS } from './log';
import {
  keyPair,
  newRecord,
  proof as makeProof,
  signedManifest,
  token as makeToken,
} from './testing';

let server: RunningServer;
/** Every token made here, to check that none reaches a log line. */
const tokens: string[] = [];
/** A connection token for this test's relay. */
const token = (device: Parameters<typeof makeToken>[0], recordId: string, docId: string) => {
  const t = makeToken(device, recordId, docId, { origin: server.url });
  tokens.push(t);
  return t;
};
/** An owner proof for `method path` (body `body`) at this test's relay. */
const proofFor = (
  device: Parameters<typeof makeToken>[0],
  recordId: string,
  method: string,
  path: string,
  opts: { body?: Uint8Array; now?: number } = {},
) => {
  const t = makeProof(device, server.url, recordId, method, path, opts);
  tokens.push(t);
  return t;
};
const logs: string[] = [];
const owner = keyPair();
const pro = keyPair();
const rec = newRecord();

beforeAll(async () => {
  const app = mkdtempSync(join(tmpdir(), 'backpack-app-'));
  writeFileSync(join(app, '200.html'), '<!doctype html><title>Backpack</title>');
  mkdirSync(join(app, '_app/immutable'), { recursive: true });
  writeFileSync(join(app, '_app/immutable/x.js'), 'export {}');
  const config = parseConfig(
    [
      '--port',
      '0',
      '--data',
      mkdtempSync(join(tmpdir(), 'backpack-http-')),
      '--static',
      app,
      '--max-connections-per-ip',
      '3',
      '--max-body-bytes',
      '8192',
      ...(await testStoreArgs()),
    ],
    {},
  );
  server = await startServer(
    config,
    createLogger((l) => logs.push(l)),
  );
});
afterAll(async () => {
  await server.close();
});

const bin = (body: Uint8Array | string, headers: Record<string, string> = {}, method = 'PUT') => ({
  method,
  body: typeof body === 'string' ? body : Buffer.from(body),
  headers: { 'content-type': 'application/octet-stream', ...headers },
});

async function json(
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(server.url + path, init);
  const text = await res.text();
  let body: Record<string, unknown> = { text };
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: kept as { text }
  }
  return { status: res.status, body };
}

const manifestPath = `/api/records/${rec.recordId}/manifest`;
const recoveryPath = `/api/records/${rec.recordId}/recovery`;
const seenPath = `/api/records/${rec.recordId}/seen`;
const grants = [
  { key: owner, role: 'owner' as const, docs: ['clinical'] },
  { key: pro, role: 'professional' as const, docs: ['clinical'] },
];

describe('HTTP API', () => {
  it('reports health and metrics', async () => {
    const h = await json('/healthz');
    expect(h.status).toBe(200);
    expect(h.body).toEqual({ ok: true, uptime: expect.any(Number), docs: 0, connections: 0 });
    const m = await fetch(server.url + '/metrics');
    expect(m.headers.get('content-type')).toContain('text/plain');
    const text = await m.text();
    for (const name of [
      'backpack_connections',
      'backpack_documents_loaded',
      'backpack_updates_stored_total',
      'backpack_stored_bytes',
      'process_resident_memory_bytes',
    ]) {
      expect(text).toMatch(new RegExp(`^${name} \\d+$`, 'm'));
    }
  });

  it('stores a manifest only when it verifies and its version grows', async () => {
    expect((await json(manifestPath)).status).toBe(404);
    const v1 = signedManifest(rec, 1, grants).bytes;
    expect(await json(manifestPath, bin(v1, { 'content-type': 'text/plain' }))).toMatchObject({
      status: 415,
      body: { error: 'unsupported-media-type' },
    });
    expect(await json(manifestPath, bin(new Uint8Array(0)))).toMatchObject({
      status: 400,
      body: { error: 'empty-body' },
    });
    expect(await json(manifestPath, bin(new Uint8Array(9000)))).toMatchObject({
      status: 413,
      body: { error: 'too-large' },
    });
    expect(await json(manifestPath, bin(new Uint8Array([2, 2, 3])))).toMatchObject({
      status: 400,
      body: { error: 'malformed', message: expect.any(String) },
    });
    const forged = signedManifest(rec, 1, grants, { signer: keyPair() }).bytes;
    expect(await json(manifestPath, bin(forged))).toMatchObject({
      status: 400,
      body: { error: 'bad-signature' },
    });
    const other = newRecord();
    expect(await json(`/api/records/${other.recordId}/manifest`, bin(v1))).toMatchObject({
      status: 400,
      body: { error: 'wrong-record' },
    });
    expect(await json(manifestPath, bin(v1))).toEqual({
      status: 200,
      body: { ok: true, version: 1 },
    });
    expect(await json(manifestPath, bin(v1))).toMatchObject({
      status: 409,
      body: { error: 'stale-version' },
    });
    const got = await fetch(server.url + manifestPath);
    expect(got.headers.get('content-type')).toBe('application/octet-stream');
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(v1);
    expect(await json(manifestPath, { method: 'DELETE' })).toMatchObject({
      status: 405,
      body: { error: 'method-not-allowed' },
    });
  });

  it('keeps the versions a device missed, so it can check each step', async () => {
    const chain = `/api/records/${rec.recordId}/manifests`;
    const v2 = signedManifest(rec, 2, grants, { epoch: 0 }).bytes;
    expect((await json(manifestPath, bin(v2))).status).toBe(200);
    const all = await json(`${chain}?after=0`);
    expect(all.status).toBe(200);
    const listed = (all.body as { manifests: string[] }).manifests;
    expect(listed.length).toBeGreaterThanOrEqual(2);
    const versions = listed.map((b64) => {
      const m = decodeManifest(Uint8Array.from(Buffer.from(b64, 'base64url')));
      return isProtocolError(m) ? -1 : m.version;
    });
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(versions.at(-1)).toBe(2);
    const after1 = (await json(`${chain}?after=1`)).body as { manifests: string[] };
    expect(after1.manifests).toHaveLength(1);
    expect((await json(`${chain}?after=-1`)).status).toBe(400);
    expect((await json(`${chain}?after=x`)).status).toBe(400);
  });
  it('takes the recovery blob only with an owner device’s proof', async () => {
    const blob = new Uint8Array([9, 8, 7, 6]);
    const fresh = newRecord();
    const noManifest = `/api/records/${fresh.recordId}/recovery`;
    expect(
      await json(
        noManifest,
        bin(blob, {
          'x-backpack-proof': proofFor(owner, fresh.recordId, 'PUT', noManifest, { body: blob }),
        }),
      ),
    ).toMatchObject({ status: 409, body: { error: 'no-manifest' } });
    expect(await json(recoveryPath, bin(blob))).toMatchObject({
      status: 401,
      body: { error: 'no-proof' },
    });
    expect(await json(recoveryPath, bin(blob, { 'x-backpack-proof': 'nonsense' }))).toMatchObject({
      status: 401,
      body: { error: 'bad-proof' },
    });
    expect(
      await json(
        recoveryPath,
        bin(blob, {
          'x-backpack-proof': proofFor(pro, rec.recordId, 'PUT', recoveryPath, { body: blob }),
        }),
      ),
    ).toMatchObject({ status: 403, body: { error: 'not-owner' } });
    const expired = proofFor(owner, rec.recordId, 'PUT', recoveryPath, {
      body: blob,
      now: Date.now() - 3_600_000,
    });
    expect(await json(recoveryPath, bin(blob, { 'x-backpack-proof': expired }))).toMatchObject({
      status: 401,
      body: { error: 'expired' },
    });
    const large = new Uint8Array(70_000);
    const proof = proofFor(owner, rec.recordId, 'PUT', recoveryPath, { body: large });
    expect(await json(recoveryPath, bin(large, { 'x-backpack-proof': proof }))).toMatchObject({
      status: 413,
    });
    // A proof made for another body (or for GET /seen) does not carry this one.
    const forOther = proofFor(owner, rec.recordId, 'PUT', recoveryPath, {
      body: new Uint8Array([1]),
    });
    expect(await json(recoveryPath, bin(blob, { 'x-backpack-proof': forOther }))).toMatchObject({
      status: 401,
      body: { error: 'wrong-request' },
    });
    const forSeen = proofFor(owner, rec.recordId, 'GET', seenPath);
    expect(await json(recoveryPath, bin(blob, { 'x-backpack-proof': forSeen }))).toMatchObject({
      status: 401,
      body: { error: 'wrong-request' },
    });
    const proof2 = proofFor(owner, rec.recordId, 'PUT', recoveryPath, { body: blob });
    expect(await json(recoveryPath, bin(blob, { 'x-backpack-proof': proof2 }))).toEqual({
      status: 200,
      body: { ok: true },
    });
    expect(await json(recoveryPath, bin(blob, { 'x-backpack-proof': proof2 }))).toMatchObject({
      status: 401,
      body: { error: 'replayed' },
    });
    const got = await fetch(server.url + recoveryPath);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(blob);
  });

  it('keeps a kit’s blob under its locator: owner proof to write, one per record, never squatted', async () => {
    const loc = (c: string) => c.repeat(52);
    const kitPath = (recordId: string, locator: string) =>
      `/api/records/${recordId}/recovery/${locator}`;
    const put = (recordId: string, locator: string, blob: Uint8Array, by = owner) =>
      json(
        kitPath(recordId, locator),
        bin(blob, {
          'x-backpack-proof': proofFor(by, recordId, 'PUT', kitPath(recordId, locator), {
            body: blob,
          }),
        }),
      );
    const get = async (locator: string) => {
      const res = await fetch(`${server.url}/api/recovery/${locator}`);
      return res.status === 200 ? new Uint8Array(await res.arrayBuffer()) : res.status;
    };
    const first = new Uint8Array([2, 1, 1]);
    const second = new Uint8Array([2, 2, 2]);
    expect(await json(kitPath(rec.recordId, loc('a')), bin(first))).toMatchObject({
      status: 401,
      body: { error: 'no-proof' },
    });
    expect(await put(rec.recordId, loc('a'), first, pro)).toMatchObject({
      status: 403,
      body: { error: 'not-owner' },
    });
    expect(await get(loc('a'))).toBe(404);
    expect(await put(rec.recordId, 'Not-A-Locator', first)).toMatchObject({
      status: 400,
      body: { error: 'bad-id' },
    });
    expect((await json('/api/recovery/short')).status).toBe(400);
    expect(await put(rec.recordId, loc('a'), first)).toEqual({ status: 200, body: { ok: true } });
    expect(await get(loc('a'))).toEqual(first);
    // The record's format-1 blob (by record id) is replaced too: one record, one current blob.
    expect((await fetch(server.url + recoveryPath)).status).toBe(404);
    // A new kit replaces the old one.
    expect(await put(rec.recordId, loc('b'), second)).toEqual({ status: 200, body: { ok: true } });
    expect(await get(loc('a'))).toBe(404);
    expect(await get(loc('b'))).toEqual(second);

    // An owner of another record cannot take (or overwrite) this record's locator.
    const other = newRecord();
    const otherOwner = keyPair();
    const m = signedManifest(other, 1, [{ key: otherOwner, role: 'owner', docs: ['clinical'] }]);
    const otherManifest = `/api/records/${other.recordId}/manifest`;
    expect((await json(otherManifest, bin(m.bytes))).status).toBe(200);
    expect(await put(other.recordId, loc('b'), first, otherOwner)).toMatchObject({
      status: 409,
      body: { error: 'locator-taken' },
    });
    expect(await get(loc('b'))).toEqual(second);
    expect(await put(other.recordId, loc('c'), first, otherOwner)).toMatchObject({ status: 200 });
    expect(await get(loc('b'))).toEqual(second);
    expect(logs.some((l) => ['a', 'b', 'c'].some((c) => l.includes(loc(c))))).toBe(false);
  });

  it('tells only an owner device when each device last connected', async () => {
    const fresh = newRecord();
    expect(
      await json(`/api/records/${fresh.recordId}/seen`, {
        headers: {
          'x-backpack-proof': proofFor(
            owner,
            fresh.recordId,
            'GET',
            `/api/records/${fresh.recordId}/seen`,
          ),
        },
      }),
    ).toMatchObject({ status: 409, body: { error: 'no-manifest' } });
    expect(await json(seenPath)).toMatchObject({ status: 401, body: { error: 'no-proof' } });
    expect(
      await json(seenPath, {
        headers: { 'x-backpack-proof': proofFor(pro, rec.recordId, 'GET', seenPath) },
      }),
    ).toMatchObject({ status: 403, body: { error: 'not-owner' } });
    const seen = () =>
      json(seenPath, {
        headers: { 'x-backpack-proof': proofFor(owner, rec.recordId, 'GET', seenPath) },
      });
    expect(await seen()).toEqual({ status: 200, body: { devices: [] } });

    // A grantee's device authenticates to a document of the record (Hocuspocus' auth message).
    const authenticate = async () => {
      const ws = new WebSocket(server.url.replace('http', 'ws') + '/sync');
      await new Promise((r) => ws.on('open', r));
      const reply = new Promise<number[]>((resolve) =>
        ws.once('message', (data: Buffer) => {
          const d = decoding.createDecoder(new Uint8Array(data));
          decoding.readVarString(d);
          resolve([decoding.readVarUint(d), decoding.readVarUint(d)]);
        }),
      );
      const e = encoding.createEncoder();
      encoding.writeVarString(e, `${rec.recordId}:clinical`);
      encoding.writeVarUint(e, MessageType.Auth);
      encoding.writeVarUint(e, 0); // token
      encoding.writeVarString(e, token(pro, rec.recordId, 'clinical'));
      ws.send(encoding.toUint8Array(e));
      expect(await reply).toEqual([MessageType.Auth, 2]); // authenticated
      ws.close();
      await new Promise((r) => ws.once('close', r));
    };
    const before = Date.now();
    await authenticate();

    const got = await seen();
    expect(got).toEqual({
      status: 200,
      body: { devices: [{ deviceKey: toHex(pro.publicKey), at: expect.any(Number) }] },
    });
    const at = (got.body.devices as Array<{ at: number }>)[0]!.at;
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
    // Writes are throttled to one a minute per device: a reconnect right away changes nothing.
    await new Promise((r) => setTimeout(r, 5));
    await authenticate();
    await new Promise((r) => setTimeout(r, 50)); // lets the relay's disconnect hook run
    expect(await server.store.lastSeen(rec.recordId)).toEqual([{ deviceKey: pro.publicKey, at }]);

    await server.store.markSeen(rec.recordId, owner.publicKey, at + 1);
    expect((await seen()).body.devices).toEqual([
      { deviceKey: toHex(owner.publicKey), at: at + 1 },
      { deviceKey: toHex(pro.publicKey), at },
    ]);
    expect(await json(seenPath, { method: 'PUT' })).toMatchObject({ status: 405 });
  });

  it('hands a mailbox over once', async () => {
    const box = '/api/mailbox/link-abc123';
    expect(await json(box, { method: 'POST' })).toMatchObject({
      status: 404,
      body: { error: 'empty' },
    });
    expect(await json(box, bin(new Uint8Array([1, 2])))).toEqual({
      status: 200,
      body: { ok: true },
    });
    expect(await json(box, bin(new Uint8Array([3])))).toMatchObject({
      status: 409,
      body: { error: 'mailbox-taken' },
    });
    const taken = await fetch(server.url + box, { method: 'POST' });
    expect(new Uint8Array(await taken.arrayBuffer())).toEqual(new Uint8Array([1, 2]));
    expect((await json(box, { method: 'POST' })).status).toBe(404);
    expect(await json(box, { method: 'GET' })).toMatchObject({ status: 405 });
  });

  it('answers bad paths and ids with JSON errors', async () => {
    expect(await json('/api/records/NOT_AN_ID/manifest')).toMatchObject({
      status: 400,
      body: { error: 'bad-id' },
    });
    expect(await json('/api/mailbox/..%2F..%2Fetc')).toMatchObject({ status: 400 });
    expect(await json('/api/nothing')).toMatchObject({ status: 404, body: { error: 'not-found' } });
    expect(await json(`/api/records/${rec.recordId}/secrets`)).toMatchObject({ status: 404 });
    expect(await json('/sync')).toMatchObject({ status: 426, body: { error: 'upgrade-required' } });
    expect(await json('/healthz', { method: 'POST' })).toMatchObject({ status: 405 });
    const pre = await fetch(server.url + manifestPath, { method: 'OPTIONS' });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toContain('x-backpack-proof');
  });

  it('serves the app with 200.html for deep links, and long caching for immutable assets', async () => {
    const page = await fetch(server.url + '/records/abc/timeline');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Backpack</title>');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const asset = await fetch(server.url + '/_app/immutable/x.js');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(server.url + '/', { method: 'PUT' })).status).toBe(405);
  });

  it('refuses WebSocket upgrades on other paths and beyond the per-address limit', async () => {
    const status = (path: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(server.url.replace('http', 'ws') + path);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
        ws.on('error', () => undefined);
      });
    expect(await status('/elsewhere')).toBe(404);
    const open: WebSocket[] = [];
    for (let i = 0; i < 3; i++) {
      const ws = new WebSocket(server.url.replace('http', 'ws') + '/sync');
      await new Promise((r) => ws.on('open', r));
      open.push(ws);
    }
    expect(await status('/sync')).toBe(429);
    const h = await json('/healthz');
    expect(h.body.connections).toBe(3);
    for (const ws of open) ws.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(await status('/sync?x=1')).toBe(101);
  });

  it('survives malformed HTTP and keeps answering', async () => {
    await new Promise<void>((resolve) => {
      const req = request(server.url + '/api/records/x/manifest', {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', 'content-length': '100' },
      });
      req.on('error', () => resolve());
      req.on('response', () => resolve());
      req.write('short');
      req.destroy();
      setTimeout(resolve, 200);
    });
    expect((await json('/healthz')).status).toBe(200);
  });

  it('logs only ids, codes, sizes and durations', () => {
    expect(logs.length).toBeGreaterThan(5);
    for (const line of logs) {
      const o = JSON.parse(line) as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        expect(LOG_FIELDS.has(k) || LOG_ENVELOPE_KEYS.has(k)).toBe(true);
      }
    }
    const all = logs.join('\n');
    expect(tokens.length).toBeGreaterThanOrEqual(5);
    for (const t of tokens) expect(all).not.toContain(t.slice(-40)); // the signature's part
  });
});
