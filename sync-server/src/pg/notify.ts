import pg from 'pg';
import type { Logger } from '../log';
import type { StoreEvents } from '../store';
import { toBytes } from '../store-rules';
import { types } from './db';

/**
 * What the PostgreSQL store's instances tell each other: `pg_notify` on one channel after each
 * commit (appended rows, a new manifest), heard on one dedicated `LISTEN` session per instance.
 * A lost session is reconnected, and the watchers told to `resync` (notifications are not
 * durable). An instance ignores its own notifications.
 */

export const CHANNEL = 'backpack_relay';
/**
 * Rows up to this many bytes travel inside their notification (as hex, within PostgreSQL's
 * 8000-byte payload limit): an edit's envelope is a few hundred bytes, so the other instance
 * applies it without a query. Instances of one database must run the same version: an older one
 * ignores `d` notifications (its clients then see those rows at their next load).
 */
export const INLINE_MAX = 3800;
const HEX = /^(?:[0-9a-f]{2})+$/;

/** The `LISTEN` session of one instance and the watchers it tells. */
export class PgListener {
  private stopped = false;
  private readonly watchers = new Set<StoreEvents>();
  private listener: pg.Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Notified ids per document, applied together on the next turn of the event loop. */
  private batch = new Map<
    string,
    { ids: number[]; sentAt: number; data: Map<number, Uint8Array> }
  >();
  private batchScheduled = false;

  constructor(
    private readonly url: string,
    /** This instance, in notifications (its own are ignored). */
    private readonly instance: string,
    private readonly log: Logger | undefined,
  ) {}

  watch(events: StoreEvents): () => void {
    this.watchers.add(events);
    return () => this.watchers.delete(events);
  }

  async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, types });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (n) => this.onNotification(n.payload ?? ''));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  /** Stops reconnecting and ends the session. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
  }

  private lost(client: pg.Client): void {
    if (this.listener !== client) return;
    this.listener = null;
    client.end().catch(() => undefined);
    if (this.stopped) return;
    this.log?.warn('lost the notification session; reconnecting', { event: 'listen-lost' });
    const retry = (delay: number) => {
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        if (this.stopped) return;
        this.connect().then(
          () => {
            this.log?.info('notification session back', { event: 'listen-back' });
            for (const w of this.watchers) w.resync();
          },
          () => retry(Math.min(delay * 2, 5000)),
        );
      }, delay);
      this.reconnectTimer.unref();
    };
    retry(100);
  }

  /**
   * `u|instance|id|sentAt|doc`, `d|instance|id|sentAt|hex|doc` (a small row's bytes inline, so
   * the other instance needs no query for it) or `m|instance|version|record`.
   */
  private onNotification(payload: string): void {
    const [kind, instance, num, ...rest] = payload.split('|');
    if (instance === this.instance || num === undefined) return;
    const inline = kind === 'd';
    if ((kind === 'u' && rest.length >= 2) || (inline && rest.length >= 3)) {
      const [sentAt, ...more] = rest;
      const hex = inline ? more.shift()! : '';
      const doc = more.join('|');
      const id = Number(num);
      if (!Number.isSafeInteger(id)) return;
      // Bytes that do not decode are fetched by id instead.
      const data = inline && HEX.test(hex) ? toBytes(Buffer.from(hex, 'hex')) : undefined;
      const entry = this.batch.get(doc) ?? {
        ids: [] as number[],
        sentAt: Number(sentAt),
        data: new Map<number, Uint8Array>(),
      };
      entry.ids.push(id);
      if (data) entry.data.set(id, data);
      this.batch.set(doc, entry);
      if (!this.batchScheduled) {
        this.batchScheduled = true;
        setImmediate(() => this.flushBatch());
      }
    } else if (kind === 'm' && rest.length >= 1) {
      const version = Number(num);
      if (!Number.isSafeInteger(version)) return;
      const record = rest.join('|');
      for (const w of this.watchers) w.manifest(record, version);
    }
  }

  private flushBatch(): void {
    this.batchScheduled = false;
    const batch = this.batch;
    this.batch = new Map();
    for (const [doc, { ids, sentAt, data }] of batch) {
      for (const w of this.watchers) w.updates(doc, ids, sentAt, data);
    }
  }
}
