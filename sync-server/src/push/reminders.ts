import type { CheckInLocal, PushSchedule, ReminderKind } from '../store';
import { nextLocalAt } from './local-time';

/**
 * What a reminder says and when it is due (issue 14 item 5). The texts are fixed and generic:
 * no name, score, record id or anything else of the record ever goes into a push payload (the
 * relay could not know any of it anyway). The app's service worker shows its own translation
 * of the kind when it has one (`static/push-handler.js`); these English texts are the fallback.
 */

export const REMINDER_KINDS: readonly ReminderKind[] = ['check-in', 'questionnaire', 'message'];

export interface Reminder {
  readonly title: string;
  readonly body: string;
  /** Where the notification opens the app. */
  readonly path: '/check-in' | '/questionnaires' | '/messages';
  /** Seconds the push service keeps it while the device is offline. */
  readonly ttl: number;
  /** RFC 8030 Topic: a newer undelivered reminder of the kind replaces the older one. */
  readonly topic: string;
}

const HOUR_S = 60 * 60;

export const REMINDERS: Readonly<Record<ReminderKind, Reminder>> = {
  'check-in': {
    title: 'Backpack',
    body: 'Time for your daily check-in.',
    path: '/check-in',
    ttl: 6 * HOUR_S,
    topic: 'check-in',
  },
  questionnaire: {
    title: 'Backpack',
    body: 'A questionnaire is due.',
    path: '/questionnaires',
    ttl: 24 * HOUR_S,
    topic: 'questionnaire',
  },
  message: {
    title: 'Backpack',
    body: 'You have a new message.',
    path: '/messages',
    ttl: 24 * HOUR_S,
    topic: 'message',
  },
};

/** The JSON a push carries: the kind, the generic text and the path to open. */
export function reminderPayload(kind: ReminderKind): Uint8Array {
  const r = REMINDERS[kind];
  return new TextEncoder().encode(
    JSON.stringify({ kind, title: r.title, body: r.body, path: r.path }),
  );
}

export const DAY_MS = 24 * 60 * 60 * 1000;
/** A reminder that could not be sent for this long (relay down) is skipped, not sent late. */
export const STALE_MS = 6 * 60 * 60 * 1000;
/** Due questionnaire times one device may register. */
export const MAX_DUE = 16;
/** How far ahead a questionnaire may be due. */
export const MAX_DUE_AHEAD_MS = 400 * DAY_MS;

/** The first instant after `after` that is `minute` (UTC minutes of the day). */
export function nextDailyAt(minute: number, after: number): number {
  const at = Math.floor(after / DAY_MS) * DAY_MS + minute * 60_000;
  return at > after ? at : at + DAY_MS;
}

/**
 * The next daily check-in after `after`: at the local time of day in the device's time zone when
 * it sent one (following daylight-saving changes), else at its UTC minute; `null` for none.
 */
export function nextCheckInAt(
  sub: { readonly checkInMinute: number | null; readonly checkInLocal: CheckInLocal | null },
  after: number,
): number | null {
  if (sub.checkInLocal) {
    const at = nextLocalAt(sub.checkInLocal.minute, sub.checkInLocal.zone, after);
    if (at !== null) return at;
  }
  return sub.checkInMinute === null ? null : nextDailyAt(sub.checkInMinute, after);
}

export function scheduleOf(checkInAt: number | null, dueAt: readonly number[]): PushSchedule {
  const candidates = [...(checkInAt === null ? [] : [checkInAt]), ...dueAt.slice(0, 1)];
  return { checkInAt, dueAt, nextAt: candidates.length ? Math.min(...candidates) : null };
}

export interface DueStep {
  /** The kinds to send now (each once). */
  readonly send: readonly ReminderKind[];
  readonly next: PushSchedule;
}

/**
 * What a tick at `now` sends for a subscription, and its schedule after: the daily check-in at
 * its minute, then the same minute the next day; each due questionnaire time once (several due
 * together make one reminder). A reminder more than {@link STALE_MS} late is dropped unsent.
 */
export function dueStep(
  sub: {
    readonly checkInMinute: number | null;
    readonly checkInLocal: CheckInLocal | null;
    readonly checkInAt: number | null;
    readonly dueAt: readonly number[];
  },
  now: number,
): DueStep {
  const send: ReminderKind[] = [];
  let checkInAt = sub.checkInAt;
  if (checkInAt !== null && checkInAt <= now) {
    if (now - checkInAt <= STALE_MS) send.push('check-in');
    checkInAt = nextCheckInAt(sub, now);
  }
  const due = sub.dueAt.filter((t) => t <= now);
  if (due.some((t) => now - t <= STALE_MS)) send.push('questionnaire');
  return {
    send,
    next: scheduleOf(
      checkInAt,
      sub.dueAt.filter((t) => t > now),
    ),
  };
}
