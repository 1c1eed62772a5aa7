import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  MANIFEST_HISTORY,
  SHL_ACCESS_LOG_MAX,
  type PushSubscriptionRecord,
  type RelayStore,
} from './store';

/**
 * The one suite every {@link RelayStore} passes: run by `sqlite-store.test.ts` and
 * `pg-store.test.ts` against the real databases.
 */
export interface StoreFactory {
  /** A new, empty store. */
  fresh(): Promise<RelayStore>;
  /** Opens the same database again (after `close`). */
  reopen(closed: RelayStore): Promise<RelayStore>;
}

function updatesOf(f: (d: Y.Doc) => void, doc = new Y.Doc()): Uint8Array[] {
  const out: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => out.push(u));
  f(doc);
  return out;
}

const b = (...n: number[]) => new Uint8Array(n);

export function storeContract(name: string, factory: StoreFactory): void {
  describe(`RelayStore contract: ${name}`, () => {
    const open: RelayStore[] = [];
    const fresh = async () => {
      const s = await factory.fresh();
      open.push(s);
      return s;
    };
    const reopen = async (s: RelayStore) => {
      await s.close();
      const again = await factory.reopen(s);
      open.push(again);
      return again;
    };
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });

    it('appends updates with growing ids and loads them merged, also after reopening', async () => {
      const s = await fresh();
      const doc = new Y.Doc();
      const ups = updatesOf((d) => {
        const a = d.getArray<Uint8Array>('envelopes');
        for (let i = 0; i < 5; i++) a.push([b(i, i, i)]);
      }, doc);
      const ids: number[] = [];
      for (const u of ups) ids.push(await s.appendUpdate('r:clinical', u));
      expect([...ids].sort((x, y) => x - y)).toEqual(ids);
      expect(new Set(ids).size).toBe(5);
      expect(await s.updateCount('r:clinical')).toBe(5);
      expect(await s.loadDocument('r:other')).toBeNull();
      const again = await reopen(s);
      const loaded = new Y.Doc();
      Y.applyUpdate(loaded, (await again.loadDocument('r:clinical'))!);
      expect(loaded.getArray('envelopes').toJSON()).toEqual(doc.getArray('envelopes').toJSON());
      expect(await again.totals()).toMatchObject({ updates: 5, docs: 1 });
      expect((await again.loadDocumentAt('r:clinical'))?.lastId).toBe(ids[4]);
    });

    it('serves catch-up by id: rows after an id, and rows by id', async () => {
      const s = await fresh();
      const ids = [
        await s.appendUpdate('d', b(1)),
        await s.appendUpdate('other', b(9)),
        await s.appendUpdate('d', b(2)),
        await s.appendUpdate('d', b(3)),
      ];
      expect((await s.updatesAfter('d', ids[0]!)).map((r) => [...r.data])).toEqual([[2], [3]]);
      expect(await s.updatesAfter('d', ids[3]!)).toEqual([]);
      const byId = await s.updatesById('d', [ids[3]!, ids[1]!, ids[0]!, ids[3]!]);
      // Another document's id is not served under this one.
      expect(byId.map((r) => r.id)).toEqual([ids[0], ids[3]]);
      expect(byId.map((r) => [...r.data])).toEqual([[1], [3]]);
    });

    it('folds a log into one update that drops deleted content', async () => {
      const s = await fresh();
      const secret = new TextEncoder().encode('DELETED-ENVELOPE-CIPHERTEXT-0123456789');
      const doc = new Y.Doc();
      const a = doc.getArray<Uint8Array>('envelopes');
      const ups = updatesOf(() => {
        a.push([secret]);
        a.push([b(1, 2, 3)]);
        a.delete(0, 1);
      }, doc);
      for (const u of ups) await s.appendUpdate('r:clinical', u);
      expect(await s.compactDocument('r:clinical')).toMatchObject({ rowsBefore: 3 });
      expect(await s.updateCount('r:clinical')).toBe(1);
      expect(await s.compactDocument('r:clinical')).toBeNull();
      const state = (await s.loadDocument('r:clinical'))!;
      const loaded = new Y.Doc();
      Y.applyUpdate(loaded, state);
      expect(loaded.getArray('envelopes').toJSON()).toEqual([b(1, 2, 3)]);
      expect(Buffer.from(state).includes(Buffer.from(secret))).toBe(false);
    });

    it('keeps updates that wait for missing ones through a fold', async () => {
      const s = await fresh();
      const doc = new Y.Doc();
      const a = doc.getArray<Uint8Array>('envelopes');
      const [first, second, third] = updatesOf(() => {
        a.push([b(1)]);
        a.push([b(2)]);
        a.push([b(3)]);
      }, doc);
      await s.appendUpdate('r:d', third!);
      await s.appendUpdate('r:d', second!);
      await s.compactDocument('r:d');
      await s.appendUpdate('r:d', first!);
      const loaded = new Y.Doc();
      Y.applyUpdate(loaded, (await s.loadDocument('r:d'))!);
      expect(loaded.getArray('envelopes').length).toBe(3);
    });

    it('stores a manifest only when its version grows', async () => {
      const s = await fresh();
      expect(await s.getManifest('rec')).toBeNull();
      expect(await s.putManifest('rec', 2, b(2))).toBe(true);
      expect(await s.putManifest('rec', 2, b(9))).toBe(false);
      expect(await s.putManifest('rec', 1, b(1))).toBe(false);
      expect(await s.getManifest('rec')).toEqual({ version: 2, data: b(2) });
      expect(await s.putManifest('rec', 3, b(3))).toBe(true);
      expect((await s.getManifest('rec'))?.version).toBe(3);
    });

    it('replaces a manifest only when the stored version is the one it was judged against', async () => {
      const s = await fresh();
      expect(await s.putManifest('rec', 1, b(1), 0, 0)).toBe(false);
      expect(await s.putManifest('rec', 1, b(1), 0, null)).toBe(true);
      expect(await s.putManifest('rec', 2, b(2), 0, null)).toBe(false);
      expect(await s.putManifest('rec', 3, b(3), 0, 2)).toBe(false);
      expect(await s.putManifest('rec', 3, b(3), 0, 1)).toBe(true);
      expect(await s.getManifest('rec')).toEqual({ version: 3, data: b(3) });
      expect((await s.manifestsAfter('rec', 0)).map((m) => m[0])).toEqual([1, 3]);
    });

    it('keeps the last manifest versions for devices that missed some', async () => {
      const s = await fresh();
      expect(await s.putManifest('hist', 2, b(2))).toBe(true);
      expect(await s.putManifest('hist', 1, b(1))).toBe(false);
      expect((await s.manifestsAfter('hist', 0)).map((m) => m[0])).toEqual([2]);
      for (let v = 3; v <= MANIFEST_HISTORY + 10; v++) await s.putManifest('hist', v, b(v % 256));
      expect(await s.manifestsAfter('hist', 0, 10_000)).toHaveLength(MANIFEST_HISTORY);
      expect(await s.manifestsAfter('hist', MANIFEST_HISTORY + 8)).toHaveLength(2);
    });

    it('keeps one recovery blob per record, by kit locator or (format 1) by record id', async () => {
      const s = await fresh();
      await s.putRecovery('rec', b(1));
      expect(await s.putRecoveryByLocator('rec', 'loc-a', b(2))).toBe(true);
      expect(await s.getRecovery('rec')).toBeNull();
      expect(await s.getRecoveryByLocator('loc-a')).toEqual(b(2));
      expect(await s.putRecoveryByLocator('rec', 'loc-b', b(3))).toBe(true);
      expect(await s.getRecoveryByLocator('loc-a')).toBeNull();
      expect(await s.putRecoveryByLocator('other', 'loc-b', b(9))).toBe(false);
      expect(await s.getRecoveryByLocator('loc-b')).toEqual(b(3));
      await s.putRecovery('rec', b(4));
      expect(await s.getRecoveryByLocator('loc-b')).toBeNull();
      expect(await s.getRecovery('rec')).toEqual(b(4));
    });

    it('keeps recovery blobs and one-time mailboxes that expire', async () => {
      const s = await fresh();
      await s.putRecovery('rec', b(1, 2));
      await s.putRecovery('rec', b(3));
      expect(await s.getRecovery('rec')).toEqual(b(3));
      expect(await s.putMailbox('box', b(7), 1000, 0)).toBe(true);
      expect(await s.putMailbox('box', b(8), 1000, 0)).toBe(false);
      expect(await s.mailboxCount()).toBe(1);
      expect(await s.takeMailbox('box', 10)).toEqual(b(7));
      expect(await s.takeMailbox('box', 10)).toBeNull();
      await s.putMailbox('old', b(1), 1000, 0);
      expect(await s.takeMailbox('old', 1000)).toBeNull();
      expect(await s.mailboxCount()).toBe(0);
    });

    it('keeps document blobs immutable, per record, and counts their bytes', async () => {
      const s = await fresh();
      expect(await s.blobUsage('rec')).toBe(0);
      expect(await s.putBlob('rec', 'blob-1', 'doc-a', b(1, 2, 3), 5)).toBe(true);
      // Nobody replaces an attachment, not even with the same id in another compartment.
      expect(await s.putBlob('rec', 'blob-1', 'doc-b', b(9), 6)).toBe(false);
      expect(await s.putBlob('other', 'blob-1', 'doc-b', b(7, 7), 6)).toBe(true);
      expect(await s.putBlob('rec', 'blob-2', 'doc-a', new Uint8Array(1000), 7)).toBe(true);
      expect(await s.getBlob('rec', 'blob-1')).toEqual({
        compartment: 'doc-a',
        data: b(1, 2, 3),
        at: 5,
      });
      expect(await s.getBlob('rec', 'nope')).toBeNull();
      expect(await s.blobUsage('rec')).toBe(1003);
      expect(await s.blobUsage('other')).toBe(2);
      expect(await s.deleteBlob('rec', 'blob-1')).toBe(true);
      expect(await s.deleteBlob('rec', 'blob-1')).toBe(false);
      expect(await s.getBlob('rec', 'blob-1')).toBeNull();
      expect(await s.getBlob('other', 'blob-1')).not.toBeNull();
      expect(await s.blobUsage('rec')).toBe(1000);
      const again = await reopen(s);
      expect((await again.getBlob('rec', 'blob-2'))?.data.length).toBe(1000);
    });

    it('serves a SMART Health Link until it expires, is revoked or runs out of passcode attempts', async () => {
      const s = await fresh();
      const hash = new Uint8Array(32).fill(5);
      const link = { record: 'rec', kind: 'manifest' as const, data: b(1), expires: 1000 };
      expect(await s.putShl('shl-a', { ...link, passcodeHash: hash, attemptsLeft: 2 }, 10)).toBe(
        true,
      );
      expect(await s.getShl('shl-a', 20)).toEqual({
        record: 'rec',
        kind: 'manifest',
        data: b(1),
        expires: 1000,
        passcodeHash: hash,
        attemptsLeft: 2,
        at: 10,
      });
      expect(await s.getShl('shl-a', 1000)).toBeNull();
      // A long-term link's content is replaced by its record only; attempts are kept.
      expect(await s.putShl('shl-a', { ...link, record: 'other', data: b(6) }, 30)).toBe(false);
      expect(
        await s.putShl('shl-a', { ...link, data: b(2), passcodeHash: hash, attemptsLeft: 99 }, 30),
      ).toBe(true);
      expect(await s.getShl('shl-a', 40)).toMatchObject({ data: b(2), attemptsLeft: 2 });
      expect(await s.decrementShlAttempts('shl-a')).toBe(1);
      expect(await s.decrementShlAttempts('shl-a')).toBe(0);
      expect(await s.decrementShlAttempts('shl-a')).toBe(0);
      expect(await s.getShl('shl-a', 40)).toBeNull();
      expect(await s.decrementShlAttempts('unknown')).toBeNull();

      expect(
        await s.putShl('shl-b', { ...link, kind: 'file', data: b(3), expires: null }, 10),
      ).toBe(true);
      expect(await s.decrementShlAttempts('shl-b')).toBeNull();
      expect(await s.getShl('shl-b', 10 ** 13)).toMatchObject({ kind: 'file', data: b(3) });
      expect(await s.revokeShl('shl-b')).toBe(true);
      expect(await s.getShl('shl-b', 20)).toBeNull();
      // A revoked id stays taken: the link cannot come back.
      expect(await s.putShl('shl-b', { ...link, data: b(4) }, 30)).toBe(false);
      expect(await s.getShl('shl-b', 40)).toBeNull();
      expect(await s.revokeShl('unknown')).toBe(false);
    });

    it('counts parallel wrong passcodes one attempt each', async () => {
      const s = await fresh();
      await s.putShl('shl-p', {
        record: 'rec',
        kind: 'manifest',
        data: b(1),
        expires: null,
        passcodeHash: b(1),
        attemptsLeft: 5,
      });
      const left = await Promise.all(
        Array.from({ length: 8 }, () => s.decrementShlAttempts('shl-p')),
      );
      expect([...left].sort()).toEqual([0, 0, 0, 0, 1, 2, 3, 4]);
    });

    it('logs the accesses of a SMART Health Link, newest first, bounded', async () => {
      const s = await fresh();
      await s.putShl('shl-c', { record: 'rec', kind: 'manifest', data: b(1), expires: null });
      expect(await s.shlAccessLog('shl-c')).toEqual([]);
      await s.recordShlAccess('shl-c', 'Dr. A', 100);
      await s.recordShlAccess('shl-c', 'Clinic B', 200);
      await s.recordShlAccess('shl-d', 'Other', 300);
      expect(await s.shlAccessLog('shl-c')).toEqual([
        { recipient: 'Clinic B', at: 200 },
        { recipient: 'Dr. A', at: 100 },
      ]);
      for (let i = 0; i < SHL_ACCESS_LOG_MAX + 5; i++) await s.recordShlAccess('shl-e', `r${i}`, i);
      const log = await s.shlAccessLog('shl-e');
      expect(log).toHaveLength(SHL_ACCESS_LOG_MAX);
      expect(log[0]).toEqual({
        recipient: `r${SHL_ACCESS_LOG_MAX + 4}`,
        at: SHL_ACCESS_LOG_MAX + 4,
      });
    });

    it('remembers when each device was last seen, keeping the latest time', async () => {
      const s = await fresh();
      const a = new Uint8Array(32).fill(1);
      const c = new Uint8Array(32).fill(2);
      expect(await s.lastSeen('rec')).toEqual([]);
      await s.markSeen('rec', a, 1000);
      await s.markSeen('rec', c, 2000);
      await s.markSeen('rec', a, 3000);
      await s.markSeen('rec', a, 500); // late and out of order: ignored
      await s.markSeen('other', c, 9000);
      expect(await s.lastSeen('rec')).toEqual([
        { deviceKey: a, at: 3000 },
        { deviceKey: c, at: 2000 },
      ]);
      const again = await reopen(s);
      expect(await again.lastSeen('other')).toEqual([{ deviceKey: c, at: 9000 }]);
    });

    it('keeps one push subscription per record and device, replaced, listed, due and deleted', async () => {
      const s = await fresh();
      const a = new Uint8Array(32).fill(1);
      const c = new Uint8Array(32).fill(2);
      const sub: PushSubscriptionRecord = {
        record: 'rec',
        deviceKey: a,
        endpoint: 'https://push.example/a',
        p256dh: new Uint8Array(65).fill(4),
        auth: new Uint8Array(16).fill(5),
        kinds: ['check-in', 'message'],
        checkInMinute: 480,
        checkInLocal: { minute: 540, zone: 'Europe/Copenhagen' },
        checkInAt: 5000,
        dueAt: [3000, 9000],
        nextAt: 3000,
        at: 10,
      };
      expect(await s.getPushSubscription('rec', a)).toBeNull();
      await s.putPushSubscription(sub);
      await s.putPushSubscription({
        ...sub,
        deviceKey: c,
        kinds: [],
        checkInMinute: null,
        checkInLocal: null,
        checkInAt: null,
        dueAt: [],
        nextAt: null,
      });
      await s.putPushSubscription({ ...sub, record: 'other', nextAt: 100 });
      expect(await s.getPushSubscription('rec', a)).toEqual(sub);
      expect((await s.pushSubscriptions('rec')).map((x) => x.deviceKey[0])).toEqual([1, 2]);
      expect((await s.pushSubscriptions('rec'))[1]).toMatchObject({
        kinds: [],
        checkInLocal: null,
        nextAt: null,
      });
      // Due: by nextAt, earliest first, never one without a schedule.
      expect((await s.duePushSubscriptions(2999, 10)).map((x) => x.record)).toEqual(['other']);
      expect((await s.duePushSubscriptions(3000, 10)).map((x) => x.record)).toEqual([
        'other',
        'rec',
      ]);
      expect(await s.duePushSubscriptions(3000, 1)).toHaveLength(1);
      // A claim is a compare-and-set on nextAt: the second of two claims loses.
      const next = { checkInAt: 5000, dueAt: [9000], nextAt: 5000 };
      expect(await s.claimPushSchedule('rec', a, 3000, next)).toBe(true);
      expect(await s.claimPushSchedule('rec', a, 3000, next)).toBe(false);
      expect(await s.getPushSubscription('rec', a)).toMatchObject(next);
      // Replacing keeps one row.
      await s.putPushSubscription({ ...sub, endpoint: 'https://push.example/b' });
      expect(await s.pushSubscriptions('rec')).toHaveLength(2);
      expect((await s.getPushSubscription('rec', a))?.endpoint).toBe('https://push.example/b');
      const again = await reopen(s);
      expect(await again.deletePushSubscription('rec', a)).toBe(true);
      expect(await again.deletePushSubscription('rec', a)).toBe(false);
      expect(await again.getPushSubscription('rec', a)).toBeNull();
      expect(await again.getPushSubscription('other', a)).not.toBeNull();
      // A subscription from an app that sends only the UTC minute has no local time.
      await again.putPushSubscription({ ...sub, checkInLocal: null });
      expect((await again.getPushSubscription('rec', a))?.checkInLocal).toBeNull();
    });

    it('makes the VAPID key once and returns the stored one after', async () => {
      const s = await fresh();
      expect(await s.pushKey(b(1, 2, 3))).toEqual(b(1, 2, 3));
      expect(await s.pushKey(b(9, 9))).toEqual(b(1, 2, 3));
      const again = await reopen(s);
      expect(await again.pushKey(b(7))).toEqual(b(1, 2, 3));
    });

    it('refuses use after close', async () => {
      const s = await fresh();
      await s.close();
      await s.close();
      expect(s.isClosed).toBe(true);
      await expect(s.appendUpdate('r:d', b(0, 0))).rejects.toThrow(/closed/);
      await expect(s.getManifest('rec')).rejects.toThrow(/closed/);
    });
  });
}
