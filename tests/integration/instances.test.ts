import { mkdtempSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../sync-server/src/config';
import { createLogger } from '../../sync-server/src/log';
import { startPostgres, type TestPostgres } from '../../sync-server/src/pg-testing';
import { startServer, type RunningServer } from '../../sync-server/src/server';
import {
  envelope,
  keyPair,
  newRecord,
  signedManifest,
  type TestGrantee,
  type TestRecord,
} from '../../sync-server/src/testing';
import { connect, spawnRelay, waitUntil, type ChildRelay, type TestClient } from './relay-client';

/**
 * Several relay instances on one PostgreSQL database: what one instance accepts reaches the
 * clients of the others (LISTEN/NOTIFY after the commit), manifest changes are enforced
 * everywhere, and losing an instance loses nothing that was acknowledged.
 */

const DOC = 'clinical';
const tmp = () => mkdtempSync(join(tmpdir(), 'backpack-instances-'));

async function putManifest(url: string, rec: TestRecord, version: number, grantees: TestGrantee[]) {
  const res = await fetch(`${url}/api/records/${rec.recordId}/manifest`, {
    method: 'PUT',
    body: Buffer.from(
      signedManifest(rec, version, grantees, { docs: [DOC], epoch: version }).bytes,
    ),
    headers: { 'content-type': 'application/octet-stream' },
  });
  if (res.status !== 200) throw new Error(`manifest refused: ${res.status} ${await res.text()}`);
}

/** A TCP proxy on loopback that sends new connections to `target` (a reverse proxy's failover). */
function tcpProxy(): Promise<{ port: number; target: number; server: Server; close(): void }> {
  const sockets = new Set<Socket>();
  const state = {
    port: 0,
    target: 0,
    server: createServer((down) => {
      const up = tcpConnect(state.target, '127.0.0.1');
      sockets.add(down).add(up);
      const end = () => {
        down.destroy();
        up.destroy();
      };
      down.on('error', end).on('close', end);
      up.on('error', end).on('close', end);
      down.pipe(up).pipe(down);
    }),
    close() {
      for (const s of sockets) s.destroy();
      state.server.close();
    },
  };
  return new Promise((resolve) =>
    state.server.listen(0, '127.0.0.1', () => {
      state.port = (state.server.address() as { port: number }).port;
      resolve(state);
    }),
  );
}

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(() => pg?.stop());

describe('two relay instances on one PostgreSQL, in process', () => {
  let a: RunningServer;
  let b: RunningServer;
  const clients: TestClient[] = [];
  const rec = newRecord();
  const owner = keyPair();
  const pro = keyPair();
  const logs: string[] = [];
  const client = (server: RunningServer, device = owner) => {
    const c = connect(server.url, rec.recordId, DOC, device);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    const url = await pg.createDatabase();
    const start = () =>
      startServer(
        parseConfig(['--port', '0', '--data', tmp(), '--store', url], {}),
        createLogger((l) => logs.push(l)),
      );
    [a, b] = await Promise.all([start(), start()]);
    await putManifest(a.url, rec, 1, [
      { key: owner, role: 'owner', docs: [DOC] },
      { key: pro, role: 'professional', docs: [DOC] },
    ]);
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await Promise.all([a?.close(), b?.close()]);
  });

  it('delivers an envelope written on A to a client on B, and back', async () => {
    const onA = client(a);
    const onB = client(b, pro);
    await Promise.all([onA.acknowledged(), onB.acknowledged()]);
    const env = envelope(owner, DOC, 1);
    onA.envelopes.push([env]);
    await onA.acknowledged();
    await waitUntil(() => onB.envelopes.length === 1);
    expect(onB.envelopes.get(0)).toEqual(env);
    const back = envelope(pro, DOC, 1);
    onB.envelopes.push([back]);
    await waitUntil(() => onA.envelopes.length === 2);
    expect(onA.envelopes.toArray()).toContainEqual(back);
    // A row too big to come inside its notification is fetched by id on the other instance.
    const big = envelope(owner, DOC, 2, new Uint8Array(6000).fill(9));
    onA.envelopes.push([big]);
    await waitUntil(() => onB.envelopes.length === 3);
    expect(onB.envelopes.toArray()).toContainEqual(big);
    // Stored once each (by the instance that accepted it), applied on the other.
    const metric = async (s: RunningServer, name: string) =>
      Number(
        new RegExp(`^${name} (\\d+)$`, 'm').exec(
          await (await fetch(`${s.url}/metrics`)).text(),
        )?.[1],
      );
    expect(await metric(b, 'backpack_remote_updates_total')).toBeGreaterThanOrEqual(1);
    expect(await metric(a, 'backpack_remote_updates_total')).toBeGreaterThanOrEqual(1);
    expect(await metric(a, 'backpack_remote_lag_seconds_count')).toBeGreaterThanOrEqual(1);
  });

  it('closes a revoked device’s connection on B when A accepts the manifest', async () => {
    const onB = client(b, pro);
    await onB.acknowledged();
    await putManifest(a.url, rec, 2, [{ key: owner, role: 'owner', docs: [DOC] }]);
    await waitUntil(() => onB.closed.includes('grant-ended'));
    // B refuses the device's new connections too: its manifest is the new one.
    const again = client(b, pro);
    await waitUntil(() => again.denied.length > 0);
    expect(again.denied).toEqual(['no-grant']);
  });

  it('judges a manifest against the stored one even when this instance’s copy is stale', async () => {
    const r = newRecord();
    const sister = keyPair();
    const grants = (withSister: boolean): TestGrantee[] => [
      { key: owner, role: 'owner', docs: [DOC] },
      ...(withSister
        ? [{ key: sister, role: 'delegate' as const, docs: [DOC], certified: true }]
        : []),
    ];
    await putManifest(a.url, r, 1, grants(true));
    // B caches v1 when a device connects there.
    const c = connect(b.url, r.recordId, DOC, owner);
    clients.push(c);
    await c.acknowledged();
    // The root removes the delegate on A; the removed delegate then signs v3 and sends it to B.
    await putManifest(a.url, r, 2, grants(false));
    const comeback = signedManifest(r, 3, grants(true), { docs: [DOC], signer: sister, epoch: 2 });
    const res = await fetch(`${b.url}/api/records/${r.recordId}/manifest`, {
      method: 'PUT',
      body: Buffer.from(comeback.bytes),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(res.status).toBe(403);
    // Only v1 and v2 are stored.
    const kept = await fetch(`${a.url}/api/records/${r.recordId}/manifests?after=0`);
    expect(((await kept.json()) as { manifests: string[] }).manifests).toHaveLength(2);
  });
});

describe('two relay processes on one PostgreSQL behind a proxy', () => {
  let proxy: Awaited<ReturnType<typeof tcpProxy>>;
  const relays: ChildRelay[] = [];
  const clients: TestClient[] = [];
  afterAll(async () => {
    for (const c of clients) c.destroy();
    for (const r of relays) await r.stop('SIGKILL');
    proxy?.close();
  });

  it('loses nothing acknowledged when one is killed, and its clients reconnect to the other', async () => {
    const url = await pg.createDatabase();
    proxy = await tcpProxy();
    const origin = `http://127.0.0.1:${proxy.port}`;
    const args = ['--store', url, '--origin', origin];
    const first = await spawnRelay(tmp(), args);
    const second = await spawnRelay(tmp(), args);
    relays.push(first, second);
    proxy.target = Number(new URL(first.url).port);

    const rec = newRecord();
    const owner = keyPair();
    await putManifest(origin, rec, 1, [{ key: owner, role: 'owner', docs: [DOC] }]);
    const c = connect(origin, rec.recordId, DOC, owner);
    clients.push(c);
    await c.acknowledged();
    const acked = Array.from({ length: 20 }, (_, i) => envelope(owner, DOC, i + 1));
    for (const env of acked) c.envelopes.push([env]);
    await c.acknowledged();

    // kill -9 of the instance holding the client; the proxy sends new connections elsewhere.
    proxy.target = Number(new URL(second.url).port);
    await first.stop('SIGKILL');
    const later = envelope(owner, DOC, 21);
    c.envelopes.push([later]);
    // The provider reconnects (through the proxy, to the second instance) and syncs.
    await c.acknowledged(20_000);

    const fresh = connect(second.url.replace(/:\d+$/, `:${proxy.port}`), rec.recordId, DOC, owner);
    clients.push(fresh);
    await fresh.acknowledged();
    await waitUntil(() => fresh.envelopes.length === 21);
    const got = fresh.envelopes.toArray().map((e) => Buffer.from(e).toString('hex'));
    for (const env of [...acked, later]) expect(got).toContain(Buffer.from(env).toString('hex'));
  }, 60_000);
});
