import type Database from 'better-sqlite3';
import type { PushSchedule, PushSubscriptionRecord } from '../store';
import { claimValues, fromPushRow, pushRow, type PushRow } from '../push-rules';
import { toBuffer, toBytes } from '../store-rules';

/**
 * The SQLite store's Web Push reminders: each device's subscription for a record
 * (`push_subscriptions`, with its schedule, claimed by compare-and-set) and the relay's VAPID key
 * (`push_key`, one row).
 */
export function sqlitePush(db: Database.Database) {
  const s = {
    put: db.prepare(
      `INSERT INTO push_subscriptions (record, device_key, endpoint, p256dh, auth, kinds,
           check_in_minute, check_in_at, due_at, next_at, at, check_in_local, check_in_zone)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(record, device_key) DO UPDATE SET endpoint = excluded.endpoint,
           p256dh = excluded.p256dh, auth = excluded.auth, kinds = excluded.kinds,
           check_in_minute = excluded.check_in_minute, check_in_at = excluded.check_in_at,
           due_at = excluded.due_at, next_at = excluded.next_at, at = excluded.at,
           check_in_local = excluded.check_in_local, check_in_zone = excluded.check_in_zone`,
    ),
    get: db.prepare('SELECT * FROM push_subscriptions WHERE record = ? AND device_key = ?'),
    of: db.prepare('SELECT * FROM push_subscriptions WHERE record = ? ORDER BY device_key'),
    delete: db.prepare('DELETE FROM push_subscriptions WHERE record = ? AND device_key = ?'),
    due: db.prepare(
      `SELECT * FROM push_subscriptions WHERE next_at IS NOT NULL AND next_at <= ?
         ORDER BY next_at LIMIT ?`,
    ),
    claim: db.prepare(
      `UPDATE push_subscriptions SET check_in_at = ?, due_at = ?, next_at = ?
         WHERE record = ? AND device_key = ? AND next_at = ?`,
    ),
    getKey: db.prepare('SELECT data FROM push_key WHERE id = 1'),
    putKey: db.prepare('INSERT OR IGNORE INTO push_key (id, data) VALUES (1, ?)'),
  };

  return {
    put(sub: PushSubscriptionRecord): void {
      s.put.run(...pushRow(sub));
    },

    get(record: string, deviceKey: Uint8Array): PushSubscriptionRecord | null {
      const r = s.get.get(record, toBuffer(deviceKey)) as PushRow | undefined;
      return r ? fromPushRow(r) : null;
    },

    of(record: string): PushSubscriptionRecord[] {
      return (s.of.all(record) as PushRow[]).map(fromPushRow);
    },

    delete(record: string, deviceKey: Uint8Array): boolean {
      return s.delete.run(record, toBuffer(deviceKey)).changes === 1;
    },

    due(now: number, limit: number): PushSubscriptionRecord[] {
      return (s.due.all(now, limit) as PushRow[]).map(fromPushRow);
    },

    claim(
      record: string,
      deviceKey: Uint8Array,
      expectedNextAt: number,
      next: PushSchedule,
    ): boolean {
      return s.claim.run(...claimValues(record, deviceKey, expectedNextAt, next)).changes === 1;
    },

    key(candidate: Uint8Array): Uint8Array {
      s.putKey.run(toBuffer(candidate));
      return toBytes((s.getKey.get() as { data: Buffer }).data);
    },
  };
}
