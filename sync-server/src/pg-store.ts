import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from './log';
import { pgBlobs, pgShl } from './pg/blobs';
import { PgDb, describeUrl, failure, types } from './pg/db';
import { pgLog } from './pg/log';
import { pgManifests } from './pg/manifests';
import { PgListener } from './pg/notify';
import { pgPush } from './pg/push';
import { pgMailboxes, pgRecovery } from './pg/recovery';
import { migrate, schemaVersion } from './pg/schema';
import { pgSeen } from './pg/seen';
import {
  MANIFEST_HISTORY,
  StoreError,
  type CompactionResult,
  type DocumentBlob,
  type LogRow,
  type PushSchedule,
  type PushSubscriptionRecord,
  type RelayStore,
  type ShlAccess,
  type ShlBlob,
  type ShlInput,
  type StoreEvents,
  type StoredBytes,
} from './store';

export { describeUrl };

/**
 * The PostgreSQL store, for several relay instances on one database.
 *
 * - Outer documents are an append-only log (`updates`, a `BIGSERIAL` id per row). An append is
 *   one statement that inserts the row and calls `pg_notify` with (instance, doc, id): PostgreSQL
 *   delivers the notification only after the commit, so no instance hears of a row that is not
 *   durable, and the writer's acknowledgement waits for the same commit.
 * - Each instance holds one dedicated `LISTEN` session. A notification names rows by id: the
 *   instances load exactly those rows (ids commit out of order, so "every id above the last one
 *   seen" could skip a row that committed late). When the session is lost, the store reconnects
 *   and reports `resync`, and the relay reloads its documents (notifications are not durable).
 * - A manifest replacement is a compare-and-set on the stored version inside one transaction
 *   (`SELECT … FOR UPDATE`), and notifies the other instances after its commit.
 * - Folding a log takes a per-document advisory lock and deletes exactly the rows it folded.
 * - The schema is versioned (`pg-migrations.ts`), applied on start under an advisory lock.
 *
 * The connection URL holds a password: it is never logged and never part of an error message.
 *
 * This class holds the lifecycle; the SQL is in `pg/`, one file per concept (connections,
 * schema, notifications, log, manifests, recovery and mailboxes, blobs and links, push, last
 * seen), and what it shares with the SQLite store in `store-rules.ts` and `push-rules.ts`.
 */

export interface PgStoreOptions {
  readonly log?: Logger;
  /** Pool size (default 16). */
  readonly max?: number;
  /** Listen for other instances (default true). */
  readonly listen?: boolean;
}

export class PgStore implements RelayStore {
  readonly kind = 'postgres' as const;
  /** This instance, in notifications (its own are ignored). */
  readonly instance = randomBytes(6).toString('hex');
  private readonly db: PgDb;
  private readonly listener: PgListener;
  private readonly log;
  private readonly manifests;
  private readonly recovery;
  private readonly mailboxes;
  private readonly blobs;
  private readonly shl;
  private readonly push;
  private readonly seen;

  private constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
    private readonly logger: Logger | undefined,
  ) {
    const db = (this.db = new PgDb(pool));
    this.listener = new PgListener(url, this.instance, logger);
    this.log = pgLog(db, this.instance);
    this.manifests = pgManifests(db, this.instance);
    this.recovery = pgRecovery(db);
    this.mailboxes = pgMailboxes(db);
    this.blobs = pgBlobs(db);
    this.shl = pgShl(db);
    this.push = pgPush(db);
    this.seen = pgSeen(db);
  }

  /** Connects, applies the missing migrations and starts listening. */
  static async open(url: string, opts: PgStoreOptions = {}): Promise<PgStore> {
    const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 16, types });
    // An idle client's error (the server went away) must not crash the process.
    pool.on('error', () => undefined);
    const store = new PgStore(url, pool, opts.log);
    try {
      await migrate(store.pool, store.url, store.logger);
      if (opts.listen !== false) await store.listener.connect();
    } catch (e) {
      await pool.end().catch(() => undefined);
      if (e instanceof StoreError) throw e;
      throw failure(`Cannot open the PostgreSQL store at ${describeUrl(url)}`, e);
    }
    return store;
  }

  /** The schema version of the database (for tests and operators). */
  schemaVersion(): Promise<number> {
    return schemaVersion(this.db);
  }

  watch(events: StoreEvents): () => void {
    return this.listener.watch(events);
  }

  // --- documents ---------------------------------------------------------------------------

  /** Group-committed, and told to the other instances after the commit (see `pg/log.ts`). */
  appendUpdate(doc: string, update: Uint8Array): Promise<number> {
    return this.log.append(doc, update);
  }

  async loadDocument(doc: string): Promise<Uint8Array | null> {
    return (await this.loadDocumentAt(doc))?.state ?? null;
  }

  loadDocumentAt(doc: string): Promise<{ state: Uint8Array; lastId: number } | null> {
    return this.log.loadAt(doc);
  }

  updatesById(doc: string, ids: readonly number[]): Promise<LogRow[]> {
    return this.log.byIds(doc, ids);
  }

  updatesAfter(doc: string, after: number): Promise<LogRow[]> {
    return this.log.after(doc, after);
  }

  updateCount(doc: string): Promise<number> {
    return this.log.count(doc);
  }

  compactDocument(doc: string): Promise<CompactionResult | null> {
    return this.log.compact(doc);
  }

  totals(): Promise<{ updates: number; docs: number; bytes: number }> {
    return this.log.totals();
  }

  // --- manifests -----------------------------------------------------------------------------

  getManifest(record: string): Promise<StoredBytes | null> {
    return this.manifests.get(record);
  }

  putManifest(
    record: string,
    version: number,
    data: Uint8Array,
    now = Date.now(),
    previous?: number | null,
  ): Promise<boolean> {
    return this.manifests.put(record, version, data, now, previous);
  }

  manifestsAfter(record: string, version: number, limit = MANIFEST_HISTORY): Promise<Uint8Array[]> {
    return this.manifests.after(record, version, limit);
  }

  // --- recovery blobs ------------------------------------------------------------------------

  getRecovery(record: string): Promise<Uint8Array | null> {
    return this.recovery.get(record);
  }

  putRecovery(record: string, data: Uint8Array, now = Date.now()): Promise<void> {
    return this.recovery.put(record, data, now);
  }

  getRecoveryByLocator(locator: string): Promise<Uint8Array | null> {
    return this.recovery.getByLocator(locator);
  }

  putRecoveryByLocator(
    record: string,
    locator: string,
    data: Uint8Array,
    now = Date.now(),
  ): Promise<boolean> {
    return this.recovery.putByLocator(record, locator, data, now);
  }

  // --- link mailboxes ------------------------------------------------------------------------

  putMailbox(id: string, data: Uint8Array, expires: number, now = Date.now()): Promise<boolean> {
    return this.mailboxes.put(id, data, expires, now);
  }

  takeMailbox(id: string, now = Date.now()): Promise<Uint8Array | null> {
    return this.mailboxes.take(id, now);
  }

  mailboxCount(): Promise<number> {
    return this.mailboxes.count();
  }

  // --- document blobs ------------------------------------------------------------------------

  putBlob(
    record: string,
    blobId: string,
    compartment: string,
    data: Uint8Array,
    now = Date.now(),
  ): Promise<boolean> {
    return this.blobs.put(record, blobId, compartment, data, now);
  }

  getBlob(record: string, blobId: string): Promise<DocumentBlob | null> {
    return this.blobs.get(record, blobId);
  }

  deleteBlob(record: string, blobId: string): Promise<boolean> {
    return this.blobs.delete(record, blobId);
  }

  blobUsage(record: string): Promise<number> {
    return this.blobs.usage(record);
  }

  // --- SMART Health Links --------------------------------------------------------------------

  putShl(id: string, shl: ShlInput, now = Date.now()): Promise<boolean> {
    return this.shl.put(id, shl, now);
  }

  getShl(id: string, now = Date.now()): Promise<ShlBlob | null> {
    return this.shl.get(id, now);
  }

  recordShlAccess(id: string, recipient: string, at: number): Promise<void> {
    return this.shl.recordAccess(id, recipient, at);
  }

  shlAccessLog(id: string): Promise<ShlAccess[]> {
    return this.shl.accessLog(id);
  }

  decrementShlAttempts(id: string): Promise<number | null> {
    return this.shl.decrementAttempts(id);
  }

  revokeShl(id: string): Promise<boolean> {
    return this.shl.revoke(id);
  }

  // --- Web Push reminders -------------------------------------------------------------------

  putPushSubscription(sub: PushSubscriptionRecord): Promise<void> {
    return this.push.put(sub);
  }

  getPushSubscription(
    record: string,
    deviceKey: Uint8Array,
  ): Promise<PushSubscriptionRecord | null> {
    return this.push.get(record, deviceKey);
  }

  pushSubscriptions(record: string): Promise<PushSubscriptionRecord[]> {
    return this.push.of(record);
  }

  deletePushSubscription(record: string, deviceKey: Uint8Array): Promise<boolean> {
    return this.push.delete(record, deviceKey);
  }

  duePushSubscriptions(now: number, limit: number): Promise<PushSubscriptionRecord[]> {
    return this.push.due(now, limit);
  }

  claimPushSchedule(
    record: string,
    deviceKey: Uint8Array,
    expectedNextAt: number,
    next: PushSchedule,
  ): Promise<boolean> {
    return this.push.claim(record, deviceKey, expectedNextAt, next);
  }

  pushKey(candidate: Uint8Array): Promise<Uint8Array> {
    return this.push.key(candidate);
  }

  // --- last seen -----------------------------------------------------------------------------

  markSeen(recordId: string, deviceKey: Uint8Array, at: number): Promise<void> {
    return this.seen.mark(recordId, deviceKey, at);
  }

  lastSeen(recordId: string): Promise<Array<{ deviceKey: Uint8Array; at: number }>> {
    return this.seen.last(recordId);
  }

  // --- lifecycle -----------------------------------------------------------------------------

  get isClosed(): boolean {
    return this.db.closed;
  }

  async close(): Promise<void> {
    if (this.db.closed) return;
    this.db.closed = true;
    await this.listener.stop();
    await this.pool.end();
  }
}
