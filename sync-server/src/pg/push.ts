import { claimValues, fromPushRow, pushRow, type PushRow } from '../push-rules';
import type { PushSchedule, PushSubscriptionRecord } from '../store';
import { toBuffer, toBytes } from '../store-rules';
import type { PgDb } from './db';

/**
 * The PostgreSQL store's Web Push reminders: each device's subscription for a record
 * (`push_subscriptions`, with its schedule, claimed by compare-and-set so that of several
 * instances one sends a reminder) and the relay's VAPID key (`push_key`, made once).
 */
export function pgPush(db: PgDb) {
  return {
    async put(sub: PushSubscriptionRecord): Promise<void> {
      await db.q(
        `INSERT INTO push_subscriptions (record, device_key, endpoint, p256dh, auth, kinds,
         check_in_minute, check_in_at, due_at, next_at, at, check_in_local, check_in_zone)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (record, device_key) DO UPDATE SET endpoint = excluded.endpoint,
         p256dh = excluded.p256dh, auth = excluded.auth, kinds = excluded.kinds,
         check_in_minute = excluded.check_in_minute, check_in_at = excluded.check_in_at,
         due_at = excluded.due_at, next_at = excluded.next_at, at = excluded.at,
         check_in_local = excluded.check_in_local, check_in_zone = excluded.check_in_zone`,
        [...pushRow(sub)],
      );
    },

    async get(record: string, deviceKey: Uint8Array): Promise<PushSubscriptionRecord | null> {
      const r = await db.q<PushRow>(
        'SELECT * FROM push_subscriptions WHERE record = $1 AND device_key = $2',
        [record, toBuffer(deviceKey)],
      );
      return r.rows[0] ? fromPushRow(r.rows[0]) : null;
    },

    async of(record: string): Promise<PushSubscriptionRecord[]> {
      const r = await db.q<PushRow>(
        'SELECT * FROM push_subscriptions WHERE record = $1 ORDER BY device_key',
        [record],
      );
      return r.rows.map(fromPushRow);
    },

    async delete(record: string, deviceKey: Uint8Array): Promise<boolean> {
      const r = await db.q('DELETE FROM push_subscriptions WHERE record = $1 AND device_key = $2', [
        record,
        toBuffer(deviceKey),
      ]);
      return r.rowCount === 1;
    },

    async due(now: number, limit: number): Promise<PushSubscriptionRecord[]> {
      const r = await db.q<PushRow>(
        `SELECT * FROM push_subscriptions WHERE next_at IS NOT NULL AND next_at <= $1
       ORDER BY next_at LIMIT $2`,
        [now, limit],
      );
      return r.rows.map(fromPushRow);
    },

    async claim(
      record: string,
      deviceKey: Uint8Array,
      expectedNextAt: number,
      next: PushSchedule,
    ): Promise<boolean> {
      const r = await db.q(
        `UPDATE push_subscriptions SET check_in_at = $1, due_at = $2, next_at = $3
       WHERE record = $4 AND device_key = $5 AND next_at = $6`,
        [...claimValues(record, deviceKey, expectedNextAt, next)],
      );
      return r.rowCount === 1;
    },

    async key(candidate: Uint8Array): Promise<Uint8Array> {
      // Two statements, not one: an instance whose insert meets a concurrent one waits for that
      // commit and inserts nothing, but a SELECT in the same statement still reads the snapshot
      // taken before it, where the winner's row is not yet there. The next statement sees it.
      const made = await db.q<{ data: Buffer }>(
        'INSERT INTO push_key (id, data) VALUES (1, $1) ON CONFLICT (id) DO NOTHING RETURNING data',
        [toBuffer(candidate)],
      );
      const row =
        made.rows[0] ??
        (await db.q<{ data: Buffer }>('SELECT data FROM push_key WHERE id = 1')).rows[0];
      if (!row) throw new Error('the VAPID key was neither made nor found');
      return toBytes(row.data);
    },
  };
}
