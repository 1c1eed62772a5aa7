import type Database from 'better-sqlite3';
import { sqliteBlobs, sqliteShl } from './sqlite/blobs';
import { sqliteLog } from './sqlite/log';
import { sqliteManifests } from './sqlite/manifests';
import { sqlitePush } from './sqlite/push';
import { sqliteMailboxes, sqliteRecovery } from './sqlite/recovery';
import { openDatabase } from './sqlite/schema';
import { sqliteSeen } from './sqlite/seen';
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
  type StoredBytes,
} from './store';
import { closedError, toBuffer } from './store-rules';

/**
 * The relay's embedded store: one SQLite database in the data directory, in WAL mode with
 * `synchronous = FULL`, so a write is on disk when the call returns. better-sqlite3 is
 * synchronous: each method does its work before its promise is returned, so the promise is
 * already settled and a write is fsynced when it resolves.
 *
 * The database is opened in exclusive locking mode: a second relay on the same data directory
 * (which would keep its own in-memory documents and split the clients) is refused at start.
 * Several instances need the PostgreSQL store.
 *
 * This class holds the lifecycle and the group commit; the SQL is in `sqlite/`, one file per
 * concept (schema, log, manifests, recovery and mailboxes, blobs and links, push, last seen), and
 * what it shares with the PostgreSQL store in `store-rules.ts` and `push-rules.ts`.
 */

/** Runs `f` now; its result or throw as a settled promise. */
function settled<T>(f: () => T): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new StoreError('store failure'));
  }
}

export class SqliteStore implements RelayStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly log;
  private readonly manifests;
  private readonly recovery;
  private readonly mailboxes;
  private readonly blobs;
  private readonly shl;
  private readonly push;
  private readonly seen;
  private closed = false;

  constructor(dataDir: string) {
    const db = (this.db = openDatabase(dataDir));
    this.log = sqliteLog(db);
    this.manifests = sqliteManifests(db);
    this.recovery = sqliteRecovery(db);
    this.mailboxes = sqliteMailboxes(db);
    this.blobs = sqliteBlobs(db);
    this.shl = sqliteShl(db);
    this.push = sqlitePush(db);
    this.seen = sqliteSeen(db);
  }

  /** Runs `f` on the open store, now: its result or throw as a settled promise. */
  private run<T>(f: () => T): Promise<T> {
    return settled(() => {
      if (this.closed) throw closedError();
      return f();
    });
  }

  /** Writes waiting for the group commit of this turn of the event loop. */
  private pending: Array<{
    run: () => unknown;
    resolve: (v: unknown) => void;
    reject: (e: unknown) => void;
  }> = [];

  /**
   * Runs `write` in the group commit: the writes of one turn of the event loop share one
   * transaction (one fsync), after which their promises resolve. A failed group rejects all.
   */
  private grouped<T>(write: () => T): Promise<T> {
    if (this.closed) return Promise.reject(closedError());
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run: write, resolve: resolve as (v: unknown) => void, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    let results: unknown[];
    try {
      if (this.closed) throw closedError();
      results = this.db.transaction(() => batch.map((w) => w.run()))();
    } catch (e) {
      for (const w of batch) w.reject(e instanceof Error ? e : new StoreError('store failure'));
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i]));
  }

  // --- documents ---------------------------------------------------------------------------

  /** Appends are group-committed ({@link grouped}): durable when the promise resolves. */
  appendUpdate(doc: string, update: Uint8Array): Promise<number> {
    const data = toBuffer(update);
    return this.grouped(() => this.log.append(doc, data));
  }

  loadDocument(doc: string): Promise<Uint8Array | null> {
    return this.loadDocumentAt(doc).then((r) => r?.state ?? null);
  }

  loadDocumentAt(doc: string): Promise<{ state: Uint8Array; lastId: number } | null> {
    return this.run(() => this.log.loadAt(doc));
  }

  updatesById(doc: string, ids: readonly number[]): Promise<LogRow[]> {
    return this.run(() => this.log.byIds(doc, ids));
  }

  updatesAfter(doc: string, after: number): Promise<LogRow[]> {
    return this.run(() => this.log.after(doc, after));
  }

  updateCount(doc: string): Promise<number> {
    return this.run(() => this.log.count(doc));
  }

  compactDocument(doc: string): Promise<CompactionResult | null> {
    return this.run(() => this.log.compact(doc));
  }

  totals(): Promise<{ updates: number; docs: number; bytes: number }> {
    return this.run(() => this.log.totals());
  }

  // --- manifests -----------------------------------------------------------------------------

  getManifest(record: string): Promise<StoredBytes | null> {
    return this.run(() => this.manifests.get(record));
  }

  putManifest(
    record: string,
    version: number,
    data: Uint8Array,
    now = Date.now(),
    previous?: number | null,
  ): Promise<boolean> {
    return this.run(() => this.manifests.put(record, version, data, now, previous));
  }

  manifestsAfter(record: string, version: number, limit = MANIFEST_HISTORY): Promise<Uint8Array[]> {
    return this.run(() => this.manifests.after(record, version, limit));
  }

  // --- recovery blobs ------------------------------------------------------------------------

  getRecovery(record: string): Promise<Uint8Array | null> {
    return this.run(() => this.recovery.get(record));
  }

  putRecovery(record: string, data: Uint8Array, now = Date.now()): Promise<void> {
    return this.run(() => this.recovery.put(record, data, now));
  }

  getRecoveryByLocator(locator: string): Promise<Uint8Array | null> {
    return this.run(() => this.recovery.getByLocator(locator));
  }

  putRecoveryByLocator(
    record: string,
    locator: string,
    data: Uint8Array,
    now = Date.now(),
  ): Promise<boolean> {
    return this.run(() => this.recovery.putByLocator(record, locator, data, now));
  }

  // --- link mailboxes ------------------------------------------------------------------------

  putMailbox(id: string, data: Uint8Array, expires: number, now = Date.now()): Promise<boolean> {
    return this.run(() => this.mailboxes.put(id, data, expires, now));
  }

  takeMailbox(id: string, now = Date.now()): Promise<Uint8Array | null> {
    return this.run(() => this.mailboxes.take(id, now));
  }

  mailboxCount(): Promise<number> {
    return this.run(() => this.mailboxes.count());
  }

  // --- document blobs ------------------------------------------------------------------------

  putBlob(
    record: string,
    blobId: string,
    compartment: string,
    data: Uint8Array,
    now = Date.now(),
  ): Promise<boolean> {
    return this.run(() => this.blobs.put(record, blobId, compartment, data, now));
  }

  getBlob(record: string, blobId: string): Promise<DocumentBlob | null> {
    return this.run(() => this.blobs.get(record, blobId));
  }

  deleteBlob(record: string, blobId: string): Promise<boolean> {
    return this.run(() => this.blobs.delete(record, blobId));
  }

  blobUsage(record: string): Promise<number> {
    return this.run(() => this.blobs.usage(record));
  }

  // --- SMART Health Links --------------------------------------------------------------------

  putShl(id: string, shl: ShlInput, now = Date.now()): Promise<boolean> {
    return this.run(() => this.shl.put(id, shl, now));
  }

  getShl(id: string, now = Date.now()): Promise<ShlBlob | null> {
    return this.run(() => this.shl.get(id, now));
  }

  recordShlAccess(id: string, recipient: string, at: number): Promise<void> {
    return this.run(() => this.shl.recordAccess(id, recipient, at));
  }

  shlAccessLog(id: string): Promise<ShlAccess[]> {
    return this.run(() => this.shl.accessLog(id));
  }

  decrementShlAttempts(id: string): Promise<number | null> {
    return this.run(() => this.shl.decrementAttempts(id));
  }

  revokeShl(id: string): Promise<boolean> {
    return this.run(() => this.shl.revoke(id));
  }

  // --- Web Push reminders -------------------------------------------------------------------

  putPushSubscription(sub: PushSubscriptionRecord): Promise<void> {
    return this.run(() => this.push.put(sub));
  }

  getPushSubscription(
    record: string,
    deviceKey: Uint8Array,
  ): Promise<PushSubscriptionRecord | null> {
    return this.run(() => this.push.get(record, deviceKey));
  }

  pushSubscriptions(record: string): Promise<PushSubscriptionRecord[]> {
    return this.run(() => this.push.of(record));
  }

  deletePushSubscription(record: string, deviceKey: Uint8Array): Promise<boolean> {
    return this.run(() => this.push.delete(record, deviceKey));
  }

  duePushSubscriptions(now: number, limit: number): Promise<PushSubscriptionRecord[]> {
    return this.run(() => this.push.due(now, limit));
  }

  claimPushSchedule(
    record: string,
    deviceKey: Uint8Array,
    expectedNextAt: number,
    next: PushSchedule,
  ): Promise<boolean> {
    return this.run(() => this.push.claim(record, deviceKey, expectedNextAt, next));
  }

  pushKey(candidate: Uint8Array): Promise<Uint8Array> {
    return this.run(() => this.push.key(candidate));
  }

  // --- last seen -----------------------------------------------------------------------------

  markSeen(recordId: string, deviceKey: Uint8Array, at: number): Promise<void> {
    const key = toBuffer(deviceKey);
    return this.grouped(() => this.seen.mark(recordId, key, at));
  }

  lastSeen(recordId: string): Promise<Array<{ deviceKey: Uint8Array; at: number }>> {
    return this.run(() => this.seen.last(recordId));
  }

  // --- lifecycle -----------------------------------------------------------------------------

  /** One process holds the database (exclusive lock): there are no other instances to hear. */
  watch(): () => void {
    return () => undefined;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Checkpoints the WAL into the database file and closes it. Idempotent. */
  close(): Promise<void> {
    return settled(() => {
      if (this.closed) return;
      this.closed = true;
      try {
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        this.db.close();
      }
    });
  }
}
