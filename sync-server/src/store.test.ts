import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MANIFEST_HISTORY, Store, StoreError } from './store';

const open: Store[] = [];
function store(dir = mkdtempSync(join(tmpdir(), 'backpack-store-'))): { s: Store; dir: string } {
  const s = new Store(dir);
  open.push(s);
  return { s, dir };
}
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

const diskBytes = (dir: string) =>
  Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f))));

function updatesOf(f: (d: Y.Doc) => void, doc = new Y.Doc()): Uint8Array[] {
  const out: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => out.push(u));
  f(doc);
  return out;
}

describe('Store', () => {
  it('appends updates and loads them merged, also after reopening', () => {
    const { s, dir } = store();
    const doc = new Y.Doc();
    const ups = updatesOf((d) => {
      const a = d.getArray<Uint8Array>('envelopes');
      for (let i = 0; i < 5; i++) a.push([new Uint8Array([i, i, i])]);
    }, doc);
    for (const u of ups) s.appendUpdate('r:clinical', u);
    expect(s.updateCount('r:clinical')).toBe(5);
    expect(s.loadDocument('r:other')).toBeNull();
    s.close();
    const again = store(dir).s;
    const loaded = new Y.Doc();
    Y.applyUpdate(loaded, again.loadDocument('r:clinical')!);
    expect(loaded.getArray('envelopes').toJSON()).toEqual(doc.getArray('envelopes').toJSON());
    expect(again.totals()).toMatchObject({ updates: 5, docs: 1 });
  });

  it('folds a log into one update and drops deleted content from the disk', () => {
    const { s, dir } = store();
    const secret = Buffer.from('DELETED-ENVELOPE-CIPHERTEXT-0123456789');
    const doc = new Y.Doc();
    const a = doc.getArray<Uint8Array>('envelopes');
    const ups = updatesOf(() => {
      a.push([new Uint8Array(secret)]);
      a.push([new Uint8Array([1, 2, 3])]);
      a.delete(0, 1);
    }, doc);
    for (const u of ups) s.appendUpdate('r:clinical', u);
    const r = s.compactDocument('r:clinical');
    expect(r).toMatchObject({ rowsBefore: 3 });
    expect(s.updateCount('r:clinical')).toBe(1);
    expect(s.compactDocument('r:clinical')).toBeNull();
    const loaded = new Y.Doc();
    Y.applyUpdate(loaded, s.loadDocument('r:clinical')!);
    expect(loaded.getArray('envelopes').toJSON()).toEqual([new Uint8Array([1, 2, 3])]);
    s.close();
    expect(diskBytes(dir).includes(secret)).toBe(false);
  });

  it('keeps updates that wait for missing ones through a fold', () => {
    const { s } = store();
    const doc = new Y.Doc();
    const a = doc.getArray<Uint8Array>('envelopes');
    const [first, second, third] = updatesOf(() => {
      a.push([new Uint8Array([1])]);
      a.push([new Uint8Array([2])]);
      a.push([new Uint8Array([3])]);
    }, doc);
    s.appendUpdate('r:d', third!);
    s.appendUpdate('r:d', second!);
    s.compactDocument('r:d');
    s.appendUpdate('r:d', first!);
    const loaded = new Y.Doc();
    Y.applyUpdate(loaded, s.loadDocument('r:d')!);
    expect(loaded.getArray('envelopes').length).toBe(3);
  });

  it('stores a manifest only when its version grows', () => {
    const { s } = store();
    expect(s.getManifest('rec')).toBeNull();
    expect(s.putManifest('rec', 2, new Uint8Array([2]))).toBe(true);
    expect(s.putManifest('rec', 2, new Uint8Array([9]))).toBe(false);
    expect(s.putManifest('rec', 1, new Uint8Array([1]))).toBe(false);
    expect(s.getManifest('rec')).toEqual({ version: 2, data: new Uint8Array([2]) });
    expect(s.putManifest('rec', 3, new Uint8Array([3]))).toBe(true);
    expect(s.getManifest('rec')?.version).toBe(3);
  });

  it('keeps the last manifest versions for devices that missed some', () => {
    const { s } = store();
    expect(s.putManifest('hist', 2, new Uint8Array([2]))).toBe(true);
    expect(s.putManifest('hist', 1, new Uint8Array([1]))).toBe(false);
    // Each stored version is kept for devices that missed some; refused ones are not.
    expect(s.manifestsAfter('hist', 0).map((b) => b[0])).toEqual([2]);
    for (let v = 3; v <= MANIFEST_HISTORY + 10; v++)
      s.putManifest('hist', v, new Uint8Array([v % 256]));
    const kept = s.manifestsAfter('hist', 0, 10_000);
    expect(kept).toHaveLength(MANIFEST_HISTORY);
    expect(s.manifestsAfter('hist', MANIFEST_HISTORY + 8)).toHaveLength(2);
  });

  it('keeps one recovery blob per record, by kit locator or (format 1) by record id', () => {
    const { s } = store();
    s.putRecovery('rec', new Uint8Array([1]));
    expect(s.putRecoveryByLocator('rec', 'loc-a', new Uint8Array([2]))).toBe(true);
    expect(s.getRecovery('rec')).toBeNull();
    expect(s.getRecoveryByLocator('loc-a')).toEqual(new Uint8Array([2]));
    expect(s.putRecoveryByLocator('rec', 'loc-b', new Uint8Array([3]))).toBe(true);
    expect(s.getRecoveryByLocator('loc-a')).toBeNull();
    expect(s.putRecoveryByLocator('other', 'loc-b', new Uint8Array([9]))).toBe(false);
    expect(s.getRecoveryByLocator('loc-b')).toEqual(new Uint8Array([3]));
    s.putRecovery('rec', new Uint8Array([4]));
    expect(s.getRecoveryByLocator('loc-b')).toBeNull();
    expect(s.getRecovery('rec')).toEqual(new Uint8Array([4]));
  });

  it('keeps recovery blobs and one-time mailboxes that expire', () => {
    const { s } = store();
    s.putRecovery('rec', new Uint8Array([1, 2]));
    s.putRecovery('rec', new Uint8Array([3]));
    expect(s.getRecovery('rec')).toEqual(new Uint8Array([3]));
    expect(s.putMailbox('box', new Uint8Array([7]), 1000, 0)).toBe(true);
    expect(s.putMailbox('box', new Uint8Array([8]), 1000, 0)).toBe(false);
    expect(s.mailboxCount()).toBe(1);
    expect(s.takeMailbox('box', 10)).toEqual(new Uint8Array([7]));
    expect(s.takeMailbox('box', 10)).toBeNull();
    s.putMailbox('old', new Uint8Array([1]), 1000, 0);
    expect(s.takeMailbox('old', 1000)).toBeNull();
    expect(s.mailboxCount()).toBe(0);
  });

  it('remembers when each device was last seen, keeping the latest time', () => {
    const { s, dir } = store();
    const a = new Uint8Array(32).fill(1);
    const b = new Uint8Array(32).fill(2);
    expect(s.lastSeen('rec')).toEqual([]);
    s.markSeen('rec', a, 1000);
    s.markSeen('rec', b, 2000);
    s.markSeen('rec', a, 3000);
    s.markSeen('rec', a, 500); // late and out of order: ignored
    s.markSeen('other', b, 9000);
    expect(s.lastSeen('rec')).toEqual([
      { deviceKey: a, at: 3000 },
      { deviceKey: b, at: 2000 },
    ]);
    s.close();
    expect(store(dir).s.lastSeen('other')).toEqual([{ deviceKey: b, at: 9000 }]);
  });

  it('refuses a second relay on the same data directory, and use after close', () => {
    const { s, dir } = store();
    s.appendUpdate('r:d', Y.encodeStateAsUpdate(new Y.Doc()));
    expect(() => new Store(dir)).toThrow(StoreError);
    expect(() => new Store(dir)).toThrow(/in use by another relay/);
    s.close();
    s.close();
    expect(() => s.appendUpdate('r:d', new Uint8Array([0, 0]))).toThrow(/closed/);
    expect(() => store(dir)).not.toThrow();
  });
});
