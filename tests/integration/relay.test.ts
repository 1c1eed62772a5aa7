import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { OUTER_ARRAY } from '../../src/lib/core/sync/binding';
import { parseConfig } from '../../sync-server/src/config';
import { LOG_ENVELOPE_KEYS, LOG_FIELDS, createLogger } from '../../sync-server/src/log';
import { OUTER_ARRAY as RELAY_OUTER_ARRAY } from '../../sync-server/src/policy';
import { startServer, type RunningServer } from '../../sync-server/src/server';
import {
  envelope,
  keyPair,
  newRecord,
  signedManifest,
  type KeyPair,
  type TestGrantee,
  type TestRecord,
} from '../../sync-server/src/testing';
import { RawClient, connect, spawnRelay, waitUntil, type TestClient } from './relay-client';
import { token } from '../../sync-server/src/testing';
import { testStoreArgs } from '../../sync-server/src/pg-testing';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
const CANARY = Buffer.from('CANARY-relay-3b7e1d-lumbar-MRI-note');
const DOC = 'clinical';

/** Each version moves every compartment to a new key, as any grant change may require. */
async function putManifest(url: string, rec: TestRecord, version: number, grantees: TestGrantee[]) {
  const res = await fetch(`${url}/api/records/${rec.recordId}/manifest`, {
    method: 'PUT',
    body: Buffer.from(
      signedManifest(rec, version, grantees, { docs: [DOC, 'journal', 'notes'], epoch: version })
        .bytes,
    ),
    headers: { 'content-type': 'application/octet-stream' },
  });
  if (res.status !== 200) throw new Error(`manifest refused: ${await res.text()}`);
}

async function updatesSent(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^backpack_updates_sent_total (\d+)$/m.exec(text)?.[1]);
}

/** Every log line is JSON whose keys are allow-listed, and no line holds the canary. */
function expectCleanLogs(lines: readonly string[]) {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    const o = JSON.parse(line) as Record<string, unknown>;
    for (const k of Object.keys(o))
      expect(LOG_FIELDS.has(k) || LOG_ENVELOPE_KEYS.has(k)).toBe(true);
    for (const v of Object.values(o)) expect(['string', 'number', 'boolean']).toContain(typeof v);
  }
  const all = lines.join('\n');
  expect(all.includes(CANARY.toString('utf8'))).toBe(false);
  expect(all.includes(CANARY.toString('base64'))).toBe(false);
  expect(all.includes(CANARY.toString('hex'))).toBe(false);
}

describe('the relay, in process', () => {
  let server: RunningServer;
  const logs: string[] = [];
  const clients: TestClient[] = [];
  const rec = newRecord();
  const owner = keyPair();
  const phone = keyPair();
  const pro = keyPair();
  const viewer = keyPair();
  const client = (
    device: KeyPair,
    docId = DOC,
    opts: { awareness?: boolean; received?: Uint8Array[] } = {},
  ) => {
    const c = connect(server.url, rec.recordId, docId, device, opts);
    clients.push(c);
    return c;
  };
  const grants = (extra: TestGrantee[] = []): TestGrantee[] => [
    { key: owner, role: 'owner', docs: [DOC, 'journal', 'notes'] },
    { key: phone, role: 'owner', docs: [DOC, 'journal', 'notes'] },
    { key: pro, role: 'professional', docs: [DOC] },
    { key: viewer, role: 'viewer', docs: [DOC] },
    ...extra,
  ];
  let version = 1;

  beforeAll(async () => {
    const config = parseConfig(
      ['--port', '0', '--data', tmp('backpack-relay-it-'), ...(await testStoreArgs())],
      {},
    );
    server = await startServer(
      config,
      createLogger((l) => logs.push(l)),
    );
    await putManifest(server.url, rec, version, grants());
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server.close();
  });

  it('uses the app’s outer array name', () => {
    expect(RELAY_OUTER_ARRAY).toBe(OUTER_ARRAY);
  });

  it('answers /healthz', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(await res.json()).toMatchObject({ ok: true, docs: expect.any(Number) });
  });

  it('syncs envelopes between two devices and acknowledges them', async () => {
    const a = client(owner);
    const b = client(pro);
    await Promise.all([a.acknowledged(), b.acknowledged()]);
    const env1 = envelope(owner, DOC, 1, new Uint8Array(CANARY));
    a.envelopes.push([env1]);
    await a.acknowledged();
    await waitUntil(() => b.envelopes.length === 1);
    expect(b.envelopes.get(0)).toEqual(env1);
    const env2 = envelope(pro, DOC, 1);
    b.envelopes.push([env2]);
    await b.acknowledged();
    await waitUntil(() => a.envelopes.length === 2);
    expect(a.envelopes.toArray()).toContainEqual(env2);
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { connections: number };
    expect(health.connections).toBeGreaterThanOrEqual(2);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(
      Number(/^backpack_updates_stored_total (\d+)$/m.exec(metrics)?.[1]),
    ).toBeGreaterThanOrEqual(2);
  });

  it('forwards an envelope to the other devices, never back to the device it came from', async () => {
    const fromA: Uint8Array[] = [];
    const fromB: Uint8Array[] = [];
    const a = client(phone, 'notes', { received: fromA });
    const b = client(owner, 'notes', { received: fromB });
    await Promise.all([a.acknowledged(), b.acknowledged()]);
    const sentBefore = await updatesSent(server.url);
    const env = envelope(phone, 'notes', 1, new Uint8Array(CANARY));
    a.envelopes.push([env]);
    await waitUntil(() => b.envelopes.length === 1);
    await a.acknowledged(); // its acknowledgement (SyncStatus) still comes
    const holds = (frames: Uint8Array[]) =>
      frames.some((f) => Buffer.from(f).includes(Buffer.from(env)));
    expect(holds(fromB)).toBe(true);
    expect(holds(fromA)).toBe(false);
    // One connection had the envelope to receive: the metric counts what was sent.
    expect((await updatesSent(server.url)) - sentBefore).toBe(1);
    a.destroy();
    b.destroy();
  });

  it('stores an update that waits for a missing one before acknowledging it', async () => {
    const name = `${rec.recordId}:journal`;
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on('update', (u: Uint8Array) => updates.push(u));
    const arr = source.getArray<Uint8Array>('envelopes');
    arr.push([envelope(owner, 'journal', 1)]);
    arr.push([envelope(owner, 'journal', 2)]);
    const raw = new RawClient(server.url, name);
    await raw.opened;
    raw.authenticate(token(owner, rec.recordId, 'journal', { origin: server.url }));
    await waitUntil(() => raw.auth.length > 0);
    expect(raw.auth).toEqual(['authenticated']);
    raw.update(updates[1]!); // depends on updates[0], which the relay has not seen
    await waitUntil(() => raw.acks.length > 0);
    expect(raw.acks).toEqual([true]);
    // Acknowledged, so on disk: with the missing update, the stored log yields both envelopes.
    const stored = (await server.store.loadDocument(name))!;
    const check = new Y.Doc();
    Y.applyUpdate(check, stored);
    Y.applyUpdate(check, updates[0]!);
    expect(check.getArray('envelopes').length).toBe(2);
    raw.update(updates[0]!);
    await waitUntil(() => raw.acks.length > 1);
    const again = new Y.Doc();
    Y.applyUpdate(again, (await server.store.loadDocument(name))!);
    expect(again.getArray('envelopes').toArray()).toEqual(arr.toArray());
    raw.close();
  });

  it('refuses devices without a grant', async () => {
    const stranger = client(keyPair());
    await waitUntil(() => stranger.denied.length > 0);
    expect(stranger.denied).toEqual(['no-grant']);
    const outOfScope = client(pro, 'journal');
    await waitUntil(() => outOfScope.denied.length > 0);
    expect(outOfScope.denied).toEqual(['no-grant']);
  });

  it('gives viewers a read-only connection: their writes reach nobody', async () => {
    const v = client(viewer);
    const o = client(owner);
    await Promise.all([v.acknowledged(), o.acknowledged()]);
    const before = o.envelopes.length;
    v.envelopes.push([envelope(viewer, DOC, 1)]);
    await new Promise((r) => setTimeout(r, 300));
    expect(v.provider.unsyncedChanges).toBeGreaterThan(0);
    expect(o.envelopes.length).toBe(before);
    const fresh = client(phone);
    await fresh.acknowledged();
    expect(fresh.envelopes.length).toBe(before);
  });

  it('refuses deletions by non-owners and closes their document with the reason', async () => {
    const p = client(pro);
    await p.acknowledged();
    expect(p.envelopes.length).toBeGreaterThan(0);
    const count = p.envelopes.length;
    p.envelopes.delete(0, 1);
    await waitUntil(() => p.closed.length > 0);
    expect(p.closed).toContain('only-owners-delete');
    const check = client(phone);
    await check.acknowledged();
    expect(check.envelopes.length).toBe(count);
  });

  it('refuses envelopes written in someone else’s name', async () => {
    const p = client(pro);
    await p.acknowledged();
    p.envelopes.push([envelope(owner, DOC, 99, undefined, { signer: pro })]);
    await waitUntil(() => p.closed.length > 0);
    expect(p.closed).toEqual(['not-your-envelope']);
    const q = client(pro);
    await q.acknowledged();
    q.envelopes.push([new Uint8Array([1, 2, 3])]);
    await waitUntil(() => q.closed.length > 0);
    expect(q.closed).toEqual(['not-an-envelope']);
  });

  it('lets owners delete (compaction)', async () => {
    const o = client(owner);
    await o.acknowledged();
    const count = o.envelopes.length;
    o.envelopes.delete(0, 1);
    await o.acknowledged();
    expect(o.closed).toEqual([]);
    const check = client(phone);
    await check.acknowledged();
    expect(check.envelopes.length).toBe(count - 1);
  });

  it('closes connections whose grant a new manifest removes, and keeps the others', async () => {
    const p = client(pro);
    const o = client(owner);
    await Promise.all([p.acknowledged(), o.acknowledged()]);
    await putManifest(
      server.url,
      rec,
      ++version,
      grants().filter((g) => g.key !== pro),
    );
    await waitUntil(() => p.closed.length > 0);
    expect(p.closed).toEqual(['grant-ended']);
    expect(o.closed).toEqual([]);
    o.envelopes.push([envelope(owner, DOC, 2)]);
    await o.acknowledged();
    await putManifest(server.url, rec, ++version, grants());
  });

  it('closes a connection when its grant’s notAfter passes', async () => {
    const temp = keyPair();
    await putManifest(
      server.url,
      rec,
      ++version,
      grants([{ key: temp, role: 'professional', docs: [DOC], notAfter: Date.now() + 1200 }]),
    );
    const t = client(temp);
    await t.acknowledged();
    expect(t.closed).toEqual([]);
    await waitUntil(() => t.closed.length > 0, 5000);
    expect(t.closed).toEqual(['grant-ended']);
  });

  it('does not relay presence (awareness)', async () => {
    const a = client(owner, 'journal', { awareness: true });
    const b = client(phone, 'journal', { awareness: true });
    await Promise.all([a.acknowledged(), b.acknowledged()]);
    a.provider.setAwarenessField('user', { name: 'someone' });
    b.provider.setAwarenessField('user', { name: 'someone else' });
    await new Promise((r) => setTimeout(r, 400));
    expect([...b.provider.awareness!.getStates().keys()]).toEqual([b.doc.clientID]);
    expect([...a.provider.awareness!.getStates().keys()]).toEqual([a.doc.clientID]);
  });

  it('closes sockets that send garbage, and keeps serving', async () => {
    const raw = (send: (ws: WebSocket) => void) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(server.url.replace('http', 'ws') + '/sync');
        ws.on('open', () => send(ws));
        ws.on('close', (code) => resolve(code));
        ws.on('error', () => undefined);
      });
    expect(await raw((ws) => ws.send(Buffer.from([0xff, 0xff, 0xff, 0xff])))).toBe(4400);
    expect(await raw((ws) => ws.send('{"hello": "json"}'))).toBe(4400);
    expect(await raw((ws) => ws.send(Buffer.alloc(33 * 1024 * 1024)))).toBe(1009);
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it('acknowledges nothing it could not store, and recovers from disk', async () => {
    const rec2 = newRecord();
    const name = `${rec2.recordId}:${DOC}`;
    await putManifest(server.url, rec2, 1, [{ key: owner, role: 'owner', docs: [DOC] }]);
    const a = connect(server.url, rec2.recordId, DOC, owner);
    clients.push(a);
    await a.acknowledged();
    const kept = envelope(owner, DOC, 1);
    a.envelopes.push([kept]);
    await a.acknowledged();
    const store = server.store;
    const append = store.appendUpdate.bind(store);
    store.appendUpdate = () => {
      throw Object.assign(new Error('disk full'), { code: 'SQLITE_FULL' });
    };
    const lost = envelope(owner, DOC, 2);
    try {
      a.envelopes.push([lost]);
      await waitUntil(() => a.closed.length > 0);
      expect(a.closed).toContain('relay-storage-failed');
      expect(a.provider.unsyncedChanges).toBeGreaterThan(0);
      const onDisk = new Y.Doc();
      Y.applyUpdate(onDisk, (await store.loadDocument(name))!);
      expect(onDisk.getArray('envelopes').toArray()).toEqual([kept]);
    } finally {
      store.appendUpdate = append;
    }
    // The provider reconnects; the relay reloads the document from disk, and the client's sync
    // step 2 brings the unacknowledged envelope again, stored and acknowledged this time.
    await a.acknowledged(10_000);
    const fresh = connect(server.url, rec2.recordId, DOC, owner);
    clients.push(fresh);
    await fresh.acknowledged();
    expect(fresh.envelopes.toArray()).toEqual([kept, lost]);
  });

  it('counts on /metrics: envelopes in and out, store write latency, refusals by reason', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const value = (name: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${name} `))
          ?.slice(name.length + 1),
      );
    expect(value('backpack_updates_stored_total')).toBeGreaterThan(0);
    expect(value('backpack_updates_sent_total')).toBeGreaterThan(0);
    expect(value('backpack_store_write_seconds_count')).toBe(
      value('backpack_updates_stored_total'),
    );
    expect(value('backpack_store_write_seconds_bucket{le="+Inf"}')).toBe(
      value('backpack_store_write_seconds_count'),
    );
    expect(value('backpack_messages_refused_by_reason_total{reason="only-owners-delete"}')).toBe(1);
    expect(value('backpack_messages_refused_by_reason_total{reason="not-your-envelope"}')).toBe(1);
    expect(
      value('backpack_messages_refused_by_reason_total{reason="relay-storage-failed"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(text).toContain('# TYPE backpack_remote_lag_seconds histogram');
  });

  it('writes only allow-listed log fields, never the envelope bytes', () => {
    expectCleanLogs(logs);
    expect(logs.some((l) => l.includes('"event":"refused"'))).toBe(true);
  });
});

describe('the relay process', () => {
  it('keeps every acknowledged update through kill -9', async () => {
    const dataDir = tmp('backpack-durable-');
    const rec = newRecord();
    const owner = keyPair();
    const grantees: TestGrantee[] = [{ key: owner, role: 'owner', docs: [DOC] }];
    let relay = await spawnRelay(dataDir);
    const allLogs: string[] = [];
    try {
      await putManifest(relay.url, rec, 1, grantees);
      const writer = connect(relay.url, rec.recordId, DOC, owner);
      await writer.acknowledged();
      const written: Uint8Array[] = [];
      for (let i = 1; i <= 30; i++) {
        const payload = new Uint8Array(Buffer.concat([CANARY, Buffer.from(` #${i}`)]));
        const env = envelope(owner, DOC, i, payload);
        written.push(env);
        writer.envelopes.push([env]);
        if (i % 10 === 0) await writer.acknowledged();
      }
      await writer.acknowledged();
      // The acknowledgement is in: kill the relay at once, with no chance to flush anything.
      const code = await relay.stop('SIGKILL');
      writer.destroy();
      expect(code).toBeNull();
      allLogs.push(...relay.stdout);

      relay = await spawnRelay(dataDir);
      const reader = connect(relay.url, rec.recordId, DOC, owner);
      await reader.acknowledged();
      await waitUntil(() => reader.envelopes.length === written.length, 5000);
      expect(reader.envelopes.toArray()).toEqual(written);
      reader.destroy();
    } finally {
      expect(await relay.stop('SIGTERM')).toBe(0);
      allLogs.push(...relay.stdout);
    }
    expectCleanLogs(allLogs);
  }, 60_000);

  it('forwards before the commit, acknowledges after it, and loses nothing acknowledged to kill -9 in between', async () => {
    const dataDir = tmp('backpack-forward-');
    const rec = newRecord();
    const owner = keyPair();
    const phone = keyPair();
    const grantees: TestGrantee[] = [
      { key: owner, role: 'owner', docs: [DOC] },
      { key: phone, role: 'owner', docs: [DOC] },
    ];
    // Every append waits 1.5 s before it runs: a wide window between forward and commit.
    let relay = await spawnRelay(dataDir, [], join(import.meta.dirname, 'slow-commit-relay.ts'));
    await putManifest(relay.url, rec, 1, grantees);
    const writer = connect(relay.url, rec.recordId, DOC, owner);
    const reader = connect(relay.url, rec.recordId, DOC, phone);
    try {
      await Promise.all([writer.acknowledged(), reader.acknowledged()]);
      const acked = envelope(owner, DOC, 1);
      let t0 = performance.now();
      writer.envelopes.push([acked]);
      await waitUntil(() => reader.envelopes.length === 1);
      const forwardMs = performance.now() - t0;
      await writer.acknowledged();
      const ackMs = performance.now() - t0;
      expect(forwardMs).toBeLessThan(1000);
      expect(ackMs).toBeGreaterThanOrEqual(1400);

      const forwarded = envelope(owner, DOC, 2, new Uint8Array(CANARY));
      t0 = performance.now();
      writer.envelopes.push([forwarded]);
      await waitUntil(() => reader.envelopes.length === 2);
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(writer.provider.unsyncedChanges).toBeGreaterThan(0);
      expect(await relay.stop('SIGKILL')).toBeNull();
    } finally {
      writer.destroy();
      reader.destroy();
    }

    // The relay lost the forwarded envelope, which was never acknowledged; the acknowledged one
    // is on disk.
    relay = await spawnRelay(dataDir);
    try {
      const check = connect(relay.url, rec.recordId, DOC, phone);
      await check.acknowledged();
      await new Promise((r) => setTimeout(r, 200));
      expect(check.envelopes.length).toBe(1);
      check.destroy();
      // The writer's device still holds its unacknowledged envelope (in its persisted outer
      // document): its next sync sends it, and the relay stores and acknowledges it.
      const again = connect(relay.url, rec.recordId, DOC, owner);
      Y.applyUpdate(again.doc, Y.encodeStateAsUpdate(writer.doc));
      await again.acknowledged();
      const fresh = connect(relay.url, rec.recordId, DOC, phone);
      await fresh.acknowledged();
      await waitUntil(() => fresh.envelopes.length === 2);
      expect(fresh.envelopes.toArray()).toEqual(writer.envelopes.toArray());
      again.destroy();
      fresh.destroy();
    } finally {
      expect(await relay.stop('SIGTERM')).toBe(0);
    }
  }, 60_000);

  it('refuses to start on a data directory another relay holds, with a clear message', async () => {
    const dataDir = tmp('backpack-locked-');
    const first = await spawnRelay(dataDir);
    try {
      await expect(spawnRelay(dataDir)).rejects.toThrow(/in use by another relay/);
    } finally {
      await first.stop();
    }
  }, 30_000);

  it('refuses a bad setting with a clear message', async () => {
    await expect(spawnRelay(tmp('backpack-bad-'), ['--port', 'abc'])).rejects.toThrow(
      /--port must be a whole number/,
    );
  });

  it('stops cleanly on SIGTERM: sockets closed, database closed', async () => {
    const dataDir = tmp('backpack-stop-');
    const rec = newRecord();
    const owner = keyPair();
    const relay = await spawnRelay(dataDir);
    await putManifest(relay.url, rec, 1, [{ key: owner, role: 'owner', docs: [DOC] }]);
    const c = connect(relay.url, rec.recordId, DOC, owner);
    await c.acknowledged();
    c.envelopes.push([envelope(owner, DOC, 1)]);
    await c.acknowledged();
    const closed = new Promise<number>((resolve) =>
      c.socket.on('close', ({ event }: { event: { code: number } }) => resolve(event.code)),
    );
    expect(await relay.stop('SIGTERM')).toBe(0);
    expect(await closed).toBe(1001);
    c.destroy();
    const again = await spawnRelay(dataDir);
    const d = connect(again.url, rec.recordId, DOC, owner);
    await d.acknowledged();
    expect(d.envelopes.length).toBe(1);
    d.destroy();
    await again.stop();
  }, 30_000);
});
