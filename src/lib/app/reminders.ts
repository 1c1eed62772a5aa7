import { questionnaireSchedule } from '$lib/core/insights';
import { PAIN_CHECKIN } from '$lib/core/record/types';
import { importSourceOf } from '$lib/core/record/provenance';
import type { Entry } from '$lib/core/record/entries';
import {
  deletePushSubscription,
  getPushKey,
  putPushSubscription,
  type PushRegistration,
} from '$lib/platform/relay-http';
import type { RecordSession } from './record-session';

/**
 * Reminders on this device (issue 14 item 5): opt-in per kind, kept in the device-local store
 * (never synced: another device has its own). With Web Push they come from the relay with the
 * app closed (`sync-server/src/push/`); where push is not available the app reminds on open
 * (a home banner for the daily check-in; due questionnaires and unread messages have badges).
 */

export type ReminderKind = 'check-in' | 'questionnaire' | 'message';
export const REMINDER_KINDS: readonly ReminderKind[] = ['check-in', 'questionnaire', 'message'];

export interface ReminderSettings {
  readonly kinds: readonly ReminderKind[];
  /** The daily check-in time, local `HH:MM`. */
  readonly checkInTime: string;
}

export const REMINDERS_KEY = 'reminders';
export const DEFAULT_REMINDERS: ReminderSettings = { kinds: [], checkInTime: '19:00' };

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** The settings stored on this device, or the defaults for anything missing or malformed. */
export function readReminderSettings(value: unknown): ReminderSettings {
  if (typeof value !== 'object' || value === null) return DEFAULT_REMINDERS;
  const v = value as { kinds?: unknown; checkInTime?: unknown };
  const kinds = Array.isArray(v.kinds)
    ? REMINDER_KINDS.filter((k) => (v.kinds as unknown[]).includes(k))
    : [];
  const checkInTime =
    typeof v.checkInTime === 'string' && TIME.test(v.checkInTime)
      ? v.checkInTime
      : DEFAULT_REMINDERS.checkInTime;
  return { kinds, checkInTime };
}

export async function loadReminderSettings(session: RecordSession): Promise<ReminderSettings> {
  return readReminderSettings(await session.loadLocal(REMINDERS_KEY));
}

export function saveReminderSettings(
  session: RecordSession,
  settings: ReminderSettings,
): Promise<void> {
  return session.saveLocal(REMINDERS_KEY, settings);
}

/** `HH:MM` as minutes after midnight, or `null` if it is not such a time. */
function minutesOf(time: string): number | null {
  const match = TIME.exec(time);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

/** Today's `HH:MM` on this device's clock. */
function todayAt(time: string, now: Date): Date {
  const minutes = minutesOf(time) ?? 19 * 60;
  const d = new Date(now);
  d.setHours(Math.floor(minutes / 60), minutes % 60, 0, 0);
  return d;
}

/** The local `HH:MM` as minutes after midnight UTC (today's offset; re-sent on every open). */
export function utcMinuteOf(time: string, now: Date): number {
  const d = todayAt(time, now);
  return d.getUTCHours() * 60 + d.getUTCMinutes();
}

/**
 * The check-in time as this device's clock reads it, with its time zone (IANA name), if the
 * browser names one: the relay then follows daylight-saving changes without the app.
 */
export function localCheckIn(
  time: string,
  zone: string | undefined = Intl.DateTimeFormat().resolvedOptions().timeZone,
): { minute: number; zone: string } | null {
  const minute = minutesOf(time);
  return minute === null || !zone ? null : { minute, zone };
}

/**
 * Whether to remind of the daily check-in on open: the device wants it, the chosen time has
 * passed today and there is no check-in today (local day).
 */
export function checkInDueOnOpen(
  settings: ReminderSettings,
  entries: readonly Entry[],
  now: Date,
): boolean {
  if (!settings.kinds.includes('check-in')) return false;
  if (now < todayAt(settings.checkInTime, now)) return false;
  const midnight = new Date(now);
  midnight.setHours(0, 0, 0, 0);
  // A rating imported from elsewhere is not today's check-in.
  return !entries.some(
    (e) =>
      e.type === PAIN_CHECKIN &&
      importSourceOf(e.data) === undefined &&
      Date.parse(e.at) >= midnight.getTime(),
  );
}

/** When the questionnaires not yet due become due (Unix ms, at most 16), for the relay. */
export function questionnaireDueTimes(entries: readonly Entry[], now: Date): number[] {
  return questionnaireSchedule(entries, now)
    .map((d) => (d.next === null ? NaN : Date.parse(d.next)))
    .filter((t) => Number.isFinite(t) && t > now.getTime())
    .sort((a, b) => a - b)
    .slice(0, 16);
}

/** Why push is not used on this device. */
export type PushProblem = 'unsupported' | 'denied' | 'failed' | 'relay';

export type PushOutcome =
  { readonly ok: true } | { readonly ok: false; readonly problem: PushProblem };

/** Whether this browser could do Web Push at all (before asking anything). */
export function pushSupported(): boolean {
  return (
    typeof navigator !== 'undefined' &&
    'serviceWorker' in navigator &&
    typeof window !== 'undefined' &&
    'PushManager' in window &&
    'Notification' in window
  );
}

/** The service worker registration, or `null` if none takes control within `ms`. */
async function registration(ms = 4000): Promise<ServiceWorkerRegistration | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const r = await Promise.race([
    navigator.serviceWorker.ready,
    new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms))),
  ]);
  clearTimeout(timer);
  return r;
}

function proofCompartment(session: RecordSession): string | null {
  return (session.compartment('messages') ?? session.compartment('clinical'))?.docId ?? null;
}

/** The translated texts the service worker shows (`static/push-handler.js`). */
export type ReminderTexts = Record<ReminderKind, { title: string; body: string }>;

async function storeTexts(texts: ReminderTexts): Promise<void> {
  try {
    const cache = await caches.open('backpack-reminders');
    await cache.put(
      '/__backpack/reminder-texts.json',
      new Response(JSON.stringify(texts), { headers: { 'content-type': 'application/json' } }),
    );
  } catch {
    // The service worker falls back to the relay's English text.
  }
}

/** Registers `sub` at the relay with the settings; `false` if it is malformed or refused. */
async function register(
  session: RecordSession,
  docId: string,
  sub: PushSubscription,
  settings: ReminderSettings,
  entries: readonly Entry[],
  now: Date,
): Promise<boolean> {
  const json = sub.toJSON();
  if (!json.endpoint || !json.keys?.['p256dh'] || !json.keys['auth']) return false;
  const local = settings.kinds.includes('check-in') ? localCheckIn(settings.checkInTime) : null;
  const body: PushRegistration = {
    endpoint: json.endpoint,
    keys: { p256dh: json.keys['p256dh'], auth: json.keys['auth'] },
    kinds: settings.kinds,
    checkInMinute: settings.kinds.includes('check-in')
      ? utcMinuteOf(settings.checkInTime, now)
      : null,
    ...(local ? { checkInLocal: local } : {}),
    questionnairesDueAt: settings.kinds.includes('questionnaire')
      ? questionnaireDueTimes(entries, now)
      : [],
  };
  try {
    await putPushSubscription(session.relayUrl, session.recordId, docId, session.device, body);
    return true;
  } catch {
    return false;
  }
}

const refreshed = new WeakSet<RecordSession>();

/**
 * Once per opened record: sends this device's registration again (today's UTC minute of the
 * check-in time across daylight-saving changes, the questionnaires' current due times). Only
 * when reminders are on and push already works here: it never asks for permission.
 */
export async function refreshPush(
  session: RecordSession,
  entries: readonly Entry[],
  now = new Date(),
): Promise<void> {
  if (refreshed.has(session)) return;
  refreshed.add(session);
  if (!pushSupported() || Notification.permission !== 'granted') return;
  const settings = await loadReminderSettings(session);
  if (settings.kinds.length === 0) return;
  const reg = await registration(1000);
  const sub = await reg?.pushManager.getSubscription().catch(() => null);
  const docId = proofCompartment(session);
  if (sub && docId) await register(session, docId, sub, settings, entries, now);
}

/**
 * Asks for permission, subscribes with the relay's key and registers the subscription at the
 * relay for this device. Nothing is registered unless every step works.
 */
export async function enablePush(
  session: RecordSession,
  settings: ReminderSettings,
  entries: readonly Entry[],
  texts: ReminderTexts,
  now = new Date(),
): Promise<PushOutcome> {
  if (!pushSupported()) return { ok: false, problem: 'unsupported' };
  let permission: NotificationPermission;
  try {
    permission = await Notification.requestPermission();
  } catch {
    return { ok: false, problem: 'denied' };
  }
  if (permission !== 'granted') return { ok: false, problem: 'denied' };
  const reg = await registration();
  if (!reg) return { ok: false, problem: 'unsupported' };
  const docId = proofCompartment(session);
  if (!docId) return { ok: false, problem: 'relay' };
  let key: Uint8Array | null;
  try {
    key = await getPushKey(session.relayUrl);
  } catch {
    return { ok: false, problem: 'relay' };
  }
  if (!key) return { ok: false, problem: 'relay' };
  const options = { userVisibleOnly: true, applicationServerKey: key as Uint8Array<ArrayBuffer> };
  let sub: PushSubscription;
  try {
    sub = await reg.pushManager.subscribe(options);
  } catch {
    // A subscription made with another relay's key must go before a new one can be made.
    try {
      await (await reg.pushManager.getSubscription())?.unsubscribe();
      sub = await reg.pushManager.subscribe(options);
    } catch {
      return { ok: false, problem: 'failed' };
    }
  }
  if (!(await register(session, docId, sub, settings, entries, now))) {
    return { ok: false, problem: sub.endpoint ? 'relay' : 'failed' };
  }
  await storeTexts(texts);
  return { ok: true };
}

/** Unsubscribes this browser and removes the subscription at the relay (best effort both). */
export async function disablePush(session: RecordSession): Promise<void> {
  if (pushSupported()) {
    const reg = await registration(1000);
    const sub = await reg?.pushManager.getSubscription().catch(() => null);
    await sub?.unsubscribe().catch(() => false);
  }
  const docId = proofCompartment(session);
  if (!docId) return;
  await deletePushSubscription(session.relayUrl, session.recordId, docId, session.device).catch(
    () => undefined,
  );
}
