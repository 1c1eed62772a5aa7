import type { PushSchedule, PushSubscriptionRecord, ReminderKind } from './store';
import { toBuffer, toBytes } from './store-rules';

/**
 * The `push_subscriptions` rows of both stores (same columns): a subscription as the values of
 * its INSERT, a row read back as a {@link PushSubscriptionRecord}, and the values of a schedule
 * claim. Pure functions; the SQL is each store's (`sqlite/push.ts`, `pg/push.ts`).
 */

/** A `push_subscriptions` row (both stores use the same columns). */
export interface PushRow {
  record: string;
  device_key: Buffer;
  endpoint: string;
  p256dh: Buffer;
  auth: Buffer;
  kinds: string;
  check_in_minute: number | null;
  check_in_at: number | null;
  /** Added with the local check-in time (`checkInLocal`); `null` in rows from before. */
  check_in_local: number | null;
  check_in_zone: string | null;
  due_at: string;
  next_at: number | null;
  at: number;
}

/** The column values of a subscription, in the order of the INSERT. */
export function pushRow(s: PushSubscriptionRecord) {
  return [
    s.record,
    toBuffer(s.deviceKey),
    s.endpoint,
    toBuffer(s.p256dh),
    toBuffer(s.auth),
    s.kinds.join(','),
    s.checkInMinute,
    s.checkInAt,
    JSON.stringify(s.dueAt),
    s.nextAt,
    s.at,
    s.checkInLocal?.minute ?? null,
    s.checkInLocal?.zone ?? null,
  ] as const;
}

export function fromPushRow(r: PushRow): PushSubscriptionRecord {
  const due: unknown = JSON.parse(r.due_at);
  return {
    record: r.record,
    deviceKey: toBytes(r.device_key),
    endpoint: r.endpoint,
    p256dh: toBytes(r.p256dh),
    auth: toBytes(r.auth),
    kinds: r.kinds === '' ? [] : (r.kinds.split(',') as ReminderKind[]),
    checkInMinute: r.check_in_minute,
    checkInLocal:
      r.check_in_local !== null && r.check_in_zone !== null
        ? { minute: r.check_in_local, zone: r.check_in_zone }
        : null,
    checkInAt: r.check_in_at,
    dueAt: Array.isArray(due) ? due.filter((n): n is number => typeof n === 'number') : [],
    nextAt: r.next_at,
    at: r.at,
  };
}

/**
 * The values of a schedule claim's UPDATE: the new `check_in_at`, `due_at`, `next_at`, then the
 * subscription's key and the `next_at` it must still have.
 */
export function claimValues(
  record: string,
  deviceKey: Uint8Array,
  expectedNextAt: number,
  next: PushSchedule,
) {
  return [
    next.checkInAt,
    JSON.stringify(next.dueAt),
    next.nextAt,
    record,
    toBuffer(deviceKey),
    expectedNextAt,
  ] as const;
}
