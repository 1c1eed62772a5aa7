import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { MIGRATIONS } from './pg-migrations';
import { PgStore, describeUrl } from './pg-store';
import { startPostgres, type TestPostgres } from './pg-testing';
import type { RelayStore } from './store';
import { storeContract } from './store.contract';

let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(() => server?.stop());

const urls = new WeakMap<RelayStore, string>();
async function openAt(url: string): Promise<PgStore> {
  const s = await PgStore.open(url);
  urls.set(s, url);
  return s;
}

storeContract('PostgreSQL', {
  fresh: async () => openAt(await server.createDatabase()),
  reopen: (closed) => openAt(urls.get(closed)!),
});

describe('PgStore', () => {
  it('applies its versioned migrations once, also when instances start together', async () => {
    const url = await server.createDatabase();
    const [a, b] = await Promise.all([PgStore.open(url), PgStore.open(url)]);
    expect(await a.schemaVersion()).toBe(MIGRATIONS.length);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const rows = await c.query('SELECT version FROM backpack_schema ORDER BY version');
    expect(rows.rows.map((r: { version: number }) => r.version)).toEqual(
      MIGRATIONS.map((_, i) => i + 1),
    );
    await a.close();
    await b.close();
    // A database a newer relay migrated is refused, and the message says so.
    await c.query('INSERT INTO backpack_schema (version) VALUES ($1)', [MIGRATIONS.length + 1]);
    await c.end();
    await expect(PgStore.open(url)).rejects.toThrow(/newer relay/);
  });

  it('gives instances that start together one VAPID key, whichever made it', async () => {
    const url = await server.createDatabase();
    const [a, b] = await Promise.all([PgStore.open(url), PgStore.open(url)]);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    // The two inserts race at the same moment on each round; the loser reads the winner's key.
    for (let round = 0; round < 40; round++) {
      await c.query('DELETE FROM push_key');
      const [ka, kb] = await Promise.all([
        a.pushKey(new Uint8Array([1, round])),
        b.pushKey(new Uint8Array([2, round])),
      ]);
      expect(ka).toEqual(kb);
      expect([1, 2]).toContain(ka[0]);
    }
    await c.end();
    await a.close();
    await b.close();
  });

  it('never puts the password of the URL in an error', async () => {
    const url = `postgres://relay:S3cret-Passw0rd@127.0.0.1:${server.port}/nosuchdb`;
    const e = await PgStore.open(url).then(
      () => null,
      (x: unknown) => x as Error,
    );
    expect(e).toBeInstanceOf(Error);
    expect(e!.message).not.toContain('S3cret');
    expect(e!.message).toContain(`127.0.0.1:${server.port}/nosuchdb`);
    expect(describeUrl(url)).not.toContain('S3cret');
  });

  it('tells another instance of appended rows (small ones with their bytes) and manifests after the commit', async () => {
    const url = await server.createDatabase();
    const a = await PgStore.open(url);
    const b = await PgStore.open(url);
    const heard: Array<[string, readonly number[]]> = [];
    const inline = new Map<number, number[]>();
    const manifests: Array<[string, number]> = [];
    let own = 0;
    a.watch({ updates: () => own++, manifest: () => own++, resync: () => undefined });
    b.watch({
      updates: (doc, ids, _sentAt, data) => {
        heard.push([doc, ids]);
        for (const [id, bytes] of data ?? []) inline.set(id, [...bytes]);
      },
      manifest: (record, version) => manifests.push([record, version]),
      resync: () => undefined,
    });
    const id1 = await a.appendUpdate('rec:doc|odd', new Uint8Array([1]));
    const id2 = await a.appendUpdate('rec:doc|odd', new Uint8Array([2]));
    // Too big to travel inside a notification: named by id only, and fetched.
    const big = new Uint8Array(5000).fill(7);
    const id3 = await a.appendUpdate('rec:doc|odd', big);
    await a.putManifest('rec', 3, new Uint8Array([3]));
    const deadline = Date.now() + 5000;
    while ((heard.flatMap((h) => h[1]).length < 3 || manifests.length < 1) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(heard.flatMap((h) => h[1])).toEqual([id1, id2, id3]);
    // Small rows came with their bytes, so the other instance needs no query for them.
    expect([...inline.entries()]).toEqual([
      [id1, [1]],
      [id2, [2]],
    ]);
    expect((await b.updatesById('rec:doc|odd', [id3]))[0]!.data).toEqual(big);
    expect(heard.every((h) => h[0] === 'rec:doc|odd')).toBe(true);
    expect(manifests).toEqual([['rec', 3]]);
    expect(own).toBe(0); // an instance ignores its own notifications
    const rows = await b.updatesById('rec:doc|odd', [id2, id1]);
    expect(rows.map((r) => [...r.data])).toEqual([[1], [2]]);
    await a.close();
    await b.close();
  });
});
