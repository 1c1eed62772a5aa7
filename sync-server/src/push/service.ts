import {
  bytesEqual,
  granteeFor,
  toHex,
  type SignedManifest,
} from '../../../src/lib/core/sync/protocol';
import type { ManifestRegistry } from '../auth';
import { HttpError } from '../http-io';
import type { Logger } from '../log';
import type { CheckInLocal, PushSubscriptionRecord, RelayStore, ReminderKind } from '../store';
import { isKnownZone } from './local-time';
import {
  dueStep,
  MAX_DUE,
  MAX_DUE_AHEAD_MS,
  nextCheckInAt,
  REMINDER_KINDS,
  REMINDERS,
  reminderPayload,
  scheduleOf,
} from './reminders';
import {
  isP256Point,
  newVapidKey,
  sendPush,
  vapidKeys,
  type PushMessage,
  type PushResult,
  type VapidKeys,
} from './webpush';

/**
 * Reminders as Web Push (issue 14 item 5): the subscriptions devices register, the pushes for a
 * new message, and the scheduler of daily check-ins and due questionnaires.
 *
 * - A subscription belongs to one device of one record; the HTTP layer has proven the device
 *   holds a current grant ({@link register} is only called then). Every push checks the grant
 *   again: a device whose grant ended gets nothing and its subscription is deleted.
 * - A new envelope in the `messages` compartment pushes "new message" to the record's other
 *   subscribed devices that may read that compartment, never to its author, at most once per
 *   device per {@link MESSAGE_COALESCE_MS} (per instance).
 * - {@link tick} sends what is due: claimed with a compare-and-set on the stored schedule
 *   before it is sent, so of several instances one sends it, once.
 * - An endpoint answering 404 or 410 is gone: its subscription is deleted.
 */

export const MESSAGE_COALESCE_MS = 60_000;
export const TICK_MS = 30_000;
/** Subscriptions handled per store query in a tick. */
const TICK_BATCH = 100;
const MAX_ENDPOINT_CHARS = 1024;

export type PushSender = (
  message: PushMessage,
  keys: VapidKeys,
  subject: string,
  now: number,
) => Promise<PushResult>;

export interface PushServiceDeps {
  readonly store: RelayStore;
  readonly manifests: ManifestRegistry;
  readonly log: Logger;
  readonly now: () => number;
  /** The VAPID `sub` (asked per push: the relay's origins are known only once it listens). */
  readonly subject: () => string;
  /** Accept `http:` endpoints on loopback (tests). */
  readonly allowLoopback: boolean;
  readonly send?: PushSender;
}

/** What a device sends to register (JSON), checked by {@link parseRegistration}. */
export interface Registration {
  readonly endpoint: string;
  readonly p256dh: Uint8Array;
  readonly auth: Uint8Array;
  readonly kinds: readonly ReminderKind[];
  readonly checkInMinute: number | null;
  readonly checkInLocal: CheckInLocal | null;
  readonly questionnairesDueAt: readonly number[];
}

const bad = (message: string) => new HttpError(400, 'bad-subscription', message);

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Refuses what is not a push endpoint the relay may call (see ARCHITECTURE.md §4). */
export function checkEndpoint(endpoint: string, allowLoopback: boolean): void {
  if (endpoint.length > MAX_ENDPOINT_CHARS) throw bad('The endpoint is too long.');
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    throw bad('The endpoint is not a URL.');
  }
  if (u.username || u.password || u.hash) throw bad('The endpoint may not hold credentials.');
  const host = u.hostname.toLowerCase();
  if (u.protocol === 'http:' && allowLoopback && LOOPBACK_HOSTS.has(host)) return;
  if (u.protocol !== 'https:') throw bad('The endpoint must be an https: URL.');
  // A push service has a name: an address or a local name would point the relay at its own
  // network.
  if (
    /^[\d.]+$/.test(host) ||
    host.startsWith('[') ||
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    !host.includes('.')
  ) {
    throw bad('The endpoint must name a push service by its domain name.');
  }
}

function base64urlBytes(value: unknown, what: string, length: number): Uint8Array {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+={0,2}$/.test(value) || value.length > 200) {
    throw bad(`keys.${what} must be base64url.`);
  }
  const bytes = new Uint8Array(Buffer.from(value, 'base64url'));
  if (bytes.length !== length) throw bad(`keys.${what} must be ${length} bytes.`);
  return bytes;
}

function exactKeys(value: unknown, keys: readonly string[], what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad(`${what} must be an object.`);
  }
  for (const k of Object.keys(value)) {
    if (!keys.includes(k)) throw bad(`${what} has an unknown field "${k.slice(0, 40)}".`);
  }
  return value as Record<string, unknown>;
}

/** `checkInLocal`: `{minute, zone}`, a local time of day in a time zone this relay knows. */
function parseCheckInLocal(value: unknown): CheckInLocal | null {
  if (value === null) return null;
  const o = exactKeys(value, ['minute', 'zone'], 'checkInLocal');
  const minute = o['minute'];
  if (!Number.isInteger(minute) || (minute as number) < 0 || (minute as number) > 1439) {
    throw bad(
      'checkInLocal.minute must be a whole number of minutes after local midnight (0–1439).',
    );
  }
  const zone = o['zone'];
  if (typeof zone !== 'string' || !isKnownZone(zone)) {
    throw bad('checkInLocal.zone must be a time zone name such as Europe/Copenhagen.');
  }
  return { minute: minute as number, zone };
}

/** The registration in a request body, or a 400 saying what is wrong. */
export function parseRegistration(
  body: Uint8Array,
  now: number,
  allowLoopback: boolean,
): Registration {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw bad('The body is not JSON.');
  }
  const o = exactKeys(
    json,
    ['endpoint', 'keys', 'kinds', 'checkInMinute', 'checkInLocal', 'questionnairesDueAt'],
    'The body',
  );
  if (typeof o['endpoint'] !== 'string') throw bad('endpoint must be a string.');
  const endpoint = o['endpoint'];
  checkEndpoint(endpoint, allowLoopback);
  const keys = exactKeys(o['keys'], ['p256dh', 'auth'], 'keys');
  const p256dh = base64urlBytes(keys['p256dh'], 'p256dh', 65);
  if (!isP256Point(p256dh)) throw bad('keys.p256dh is not a P-256 public key.');
  const auth = base64urlBytes(keys['auth'], 'auth', 16);
  const kindsIn = o['kinds'];
  if (!Array.isArray(kindsIn) || kindsIn.length > REMINDER_KINDS.length) {
    throw bad(`kinds must be a list of ${REMINDER_KINDS.join(', ')}.`);
  }
  const kinds: ReminderKind[] = [];
  for (const k of kindsIn) {
    if (!REMINDER_KINDS.includes(k as ReminderKind) || kinds.includes(k as ReminderKind)) {
      throw bad(`kinds must be a list of ${REMINDER_KINDS.join(', ')}, each once.`);
    }
    kinds.push(k as ReminderKind);
  }
  if (kinds.length === 0) {
    throw bad('Choose at least one reminder, or delete the subscription.');
  }
  const minute = o['checkInMinute'] ?? null;
  if (
    minute !== null &&
    (!Number.isInteger(minute) || (minute as number) < 0 || (minute as number) > 1439)
  ) {
    throw bad('checkInMinute must be a whole number of minutes after midnight UTC (0–1439).');
  }
  if (kinds.includes('check-in') && minute === null) {
    throw bad('A daily check-in reminder needs checkInMinute.');
  }
  const local = parseCheckInLocal(o['checkInLocal'] ?? null);
  const dueIn = o['questionnairesDueAt'] ?? [];
  if (!Array.isArray(dueIn) || dueIn.length > MAX_DUE) {
    throw bad(`questionnairesDueAt must be a list of at most ${MAX_DUE} times.`);
  }
  for (const t of dueIn) {
    if (!Number.isSafeInteger(t) || (t as number) < 0 || (t as number) > now + MAX_DUE_AHEAD_MS) {
      throw bad('questionnairesDueAt must hold Unix times in ms, at most 400 days ahead.');
    }
  }
  return {
    endpoint,
    p256dh,
    auth,
    kinds,
    checkInMinute: kinds.includes('check-in') ? (minute as number) : null,
    checkInLocal: kinds.includes('check-in') ? local : null,
    questionnairesDueAt: kinds.includes('questionnaire')
      ? [...new Set(dueIn as number[])].filter((t) => t > now).sort((a, b) => a - b)
      : [],
  };
}

/** Whether the manifest grants the device anything now. */
function holdsAnyGrant(m: SignedManifest, deviceKey: Uint8Array, now: number): boolean {
  return m.compartments.some((c) => granteeFor(m, deviceKey, c.docId, now) !== null);
}

export class PushService {
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<number> | null = null;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** `${record}:${device hex}` → when "new message" was last pushed to it. */
  private readonly lastMessage = new Map<string, number>();
  private readonly send: PushSender;

  private constructor(
    private readonly deps: PushServiceDeps,
    readonly keys: VapidKeys,
  ) {
    this.send = deps.send ?? sendPush;
  }

  /** Loads the relay's VAPID key from the store, making it the first time. */
  static async open(deps: PushServiceDeps): Promise<PushService> {
    const key = await deps.store.pushKey(newVapidKey());
    return new PushService(deps, vapidKeys(key));
  }

  /** The `applicationServerKey` browsers subscribe with (65 bytes, uncompressed P-256). */
  get publicKey(): Uint8Array {
    return this.keys.publicKey;
  }

  /**
   * Stores a device's subscription (replacing its previous one). A daily check-in keeps its
   * pending time when the minute is unchanged, so re-registering never skips nor repeats a day.
   */
  async register(
    record: string,
    deviceKey: Uint8Array,
    r: Registration,
  ): Promise<PushSubscriptionRecord> {
    const { store, now } = this.deps;
    const t = now();
    const previous = await store.getPushSubscription(record, deviceKey);
    let checkInAt: number | null = null;
    if (r.checkInMinute !== null) {
      const same =
        previous !== null &&
        previous.checkInAt !== null &&
        (r.checkInLocal
          ? previous.checkInLocal?.minute === r.checkInLocal.minute &&
            previous.checkInLocal.zone === r.checkInLocal.zone
          : previous.checkInMinute === r.checkInMinute && previous.checkInLocal === null);
      checkInAt = same ? previous.checkInAt : nextCheckInAt(r, t);
    }
    const schedule = scheduleOf(checkInAt, r.questionnairesDueAt);
    const sub: PushSubscriptionRecord = {
      record,
      deviceKey,
      endpoint: r.endpoint,
      p256dh: r.p256dh,
      auth: r.auth,
      kinds: r.kinds,
      checkInMinute: r.checkInMinute,
      checkInLocal: r.checkInLocal,
      ...schedule,
      at: t,
    };
    await store.putPushSubscription(sub);
    return sub;
  }

  unregister(record: string, deviceKey: Uint8Array): Promise<boolean> {
    return this.deps.store.deletePushSubscription(record, deviceKey);
  }

  /** Sends one reminder to a subscription; deletes it if its endpoint is gone. */
  private async deliver(sub: PushSubscriptionRecord, kind: ReminderKind): Promise<boolean> {
    const { store, log, now, subject } = this.deps;
    const r = REMINDERS[kind];
    const result = await this.send(
      {
        endpoint: sub.endpoint,
        p256dh: sub.p256dh,
        auth: sub.auth,
        payload: reminderPayload(kind),
        ttl: r.ttl,
        urgency: 'normal',
        topic: r.topic,
      },
      this.keys,
      subject(),
      now(),
    );
    const device = toHex(sub.deviceKey).slice(0, 8);
    if (result.gone) {
      await store.deletePushSubscription(sub.record, sub.deviceKey).catch(() => false);
      log.info('push subscription gone', { event: 'push-gone', record: sub.record, device });
      return false;
    }
    const ok = result.status >= 200 && result.status < 300;
    const fields = { event: 'push', code: kind, status: result.status, record: sub.record, device };
    if (ok) log.info('push sent', fields);
    else log.warn('push refused by the push service', fields);
    return ok;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  /**
   * The relay stored new envelopes by `author` in document `docId` of `record`: if that is the
   * record's `messages` compartment, tells its other devices. Never throws; returns the pushes
   * sent (tests).
   */
  messageArrived(record: string, docId: string, author: Uint8Array): Promise<number> {
    return this.track(
      this.pushMessage(record, docId, author).catch(() => {
        this.deps.log.warn('a message push failed', { event: 'push-failed', record });
        return 0;
      }),
    );
  }

  private async pushMessage(record: string, docId: string, author: Uint8Array): Promise<number> {
    const { store, manifests, now } = this.deps;
    const m = await manifests.get(record);
    if (!m || m.compartments.find((c) => c.docId === docId)?.name !== 'messages') return 0;
    const subs = await store.pushSubscriptions(record);
    let sent = 0;
    const t = now();
    for (const [k, at] of this.lastMessage) {
      if (t - at < MESSAGE_COALESCE_MS) break;
      this.lastMessage.delete(k);
    }
    await Promise.all(
      subs.map(async (sub) => {
        if (!sub.kinds.includes('message') || bytesEqual(sub.deviceKey, author)) return;
        if (!granteeFor(m, sub.deviceKey, docId, t)) return;
        const key = `${record}:${toHex(sub.deviceKey)}`;
        const last = this.lastMessage.get(key);
        if (last !== undefined && t - last < MESSAGE_COALESCE_MS) return;
        this.lastMessage.delete(key);
        this.lastMessage.set(key, t);
        if (await this.deliver(sub, 'message')) sent++;
      }),
    );
    return sent;
  }

  /** Sends every reminder due now, each once; returns how many were sent. */
  tick(): Promise<number> {
    this.ticking ??= this.track(
      this.runTick()
        .catch(() => {
          this.deps.log.warn('a reminder tick failed', { event: 'push-tick-failed' });
          return 0;
        })
        .finally(() => {
          this.ticking = null;
        }),
    );
    return this.ticking;
  }

  private async runTick(): Promise<number> {
    const { store, manifests, now } = this.deps;
    const t = now();
    let sent = 0;
    const seen = new Set<string>();
    for (;;) {
      const due = await store.duePushSubscriptions(t, TICK_BATCH);
      let progressed = false;
      for (const sub of due) {
        const key = `${sub.record}:${toHex(sub.deviceKey)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        progressed = true;
        const step = dueStep(sub, t);
        // Claimed before it is sent: another instance's tick (or a second one here) loses.
        if (!(await store.claimPushSchedule(sub.record, sub.deviceKey, sub.nextAt!, step.next))) {
          continue;
        }
        const m = await manifests.get(sub.record);
        if (!m || !holdsAnyGrant(m, sub.deviceKey, t)) {
          await store.deletePushSubscription(sub.record, sub.deviceKey);
          continue;
        }
        for (const kind of step.send) {
          if (!sub.kinds.includes(kind)) continue;
          if (await this.deliver(sub, kind)) sent++;
        }
      }
      if (!progressed || due.length < TICK_BATCH) return sent;
    }
  }

  /** Ticks every `intervalMs` (unref'd: it never keeps the process alive). */
  start(intervalMs = TICK_MS): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  /** Stops ticking and waits for pushes in flight. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.idle();
  }

  /** Settles when no push or tick is in flight (tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
