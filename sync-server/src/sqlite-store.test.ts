import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SqliteStore } from './sqlite-store';
import { StoreError, type RelayStore } from './store';
import { storeContract } from './store.contract';

const dirs = new WeakMap<RelayStore, string>();
const newDir = () => mkdtempSync(join(tmpdir(), 'backpack-store-'));
function openAt(dir: string): SqliteStore {
  const s = new SqliteStore(dir);
  dirs.set(s, dir);
  return s;
}

storeContract('SQLite', {
  fresh: () => Promise.resolve(openAt(newDir())),
  reopen: (closed) => Promise.resolve(openAt(dirs.get(closed)!)),
});

const diskBytes = (dir: string) =>
  Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f))));

describe('SqliteStore', () => {
  const open: SqliteStore[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  it('drops folded-away content from the disk', async () => {
    const dir = newDir();
    const s = openAt(dir);
    const secret = Buffer.from('DELETED-ENVELOPE-CIPHERTEXT-0123456789');
    const doc = new Y.Doc();
    const a = doc.getArray<Uint8Array>('envelopes');
    const ups: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => ups.push(u));
    a.push([new Uint8Array(secret)]);
    a.push([new Uint8Array([1, 2, 3])]);
    a.delete(0, 1);
    for (const u of ups) await s.appendUpdate('r:clinical', u);
    await s.compactDocument('r:clinical');
    await s.close();
    expect(diskBytes(dir).includes(secret)).toBe(false);
  });

  it('refuses a second relay on the same data directory', async () => {
    const dir = newDir();
    const s = openAt(dir);
    open.push(s);
    await s.appendUpdate('r:d', Y.encodeStateAsUpdate(new Y.Doc()));
    expect(() => new SqliteStore(dir)).toThrow(StoreError);
    expect(() => new SqliteStore(dir)).toThrow(/in use by another relay/);
    await s.close();
    const again = openAt(dir);
    open.push(again);
    expect(await again.updateCount('r:d')).toBe(1);
  });

  it('adds the columns a newer relay needs to a database written before them, keeping its rows', async () => {
    const dir = newDir();
    const s = openAt(dir);
    const key = new Uint8Array(32).fill(7);
    const sub = {
      record: 'rec',
      deviceKey: key,
      endpoint: 'https://push.example/a',
      p256dh: new Uint8Array(65).fill(4),
      auth: new Uint8Array(16).fill(5),
      kinds: ['check-in' as const],
      checkInMinute: 1080,
      checkInLocal: null,
      checkInAt: 5000,
      dueAt: [],
      nextAt: 5000,
      at: 10,
    };
    await s.putPushSubscription(sub);
    await s.close();
    // As the relay before the local check-in time left it.
    const raw = new Database(join(dir, 'relay.sqlite'));
    raw.exec('ALTER TABLE push_subscriptions DROP COLUMN check_in_local');
    raw.exec('ALTER TABLE push_subscriptions DROP COLUMN check_in_zone');
    raw.close();
    const again = openAt(dir);
    open.push(again);
    expect(await again.getPushSubscription('rec', key)).toEqual(sub);
    const local = { ...sub, checkInLocal: { minute: 1140, zone: 'Europe/Oslo' } };
    await again.putPushSubscription(local);
    expect(await again.getPushSubscription('rec', key)).toEqual(local);
  });
});
