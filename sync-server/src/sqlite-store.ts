import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as Y from 'yjs';
import {
  MANIFEST_HISTORY,
  SHL_ACCESS_LOG_MAX,
  StoreError,
  type CompactionResult,
  type DocumentBlob,
  type LogRow,
  type PushSchedule,
  type PushSubscriptionRecord,
  type RelayStore,
  type ReminderKind,
  type ShlAccess,
  type ShlBlob,
  type ShlInput,
  type StoredBytes,
} from './store';

/**
 * The relay's embedded store: one SQLite database in the data directory, in WAL mode with
 * `synchronous = FULL`, so a write is on disk when the call returns. better-sqlite3 is
 * synchronous: each method does its work before its promise is returned, so the promise is
 * already settled and a write is fsynced when it resolves.
 *
 * The database is opened in exclusive locking mode: a second relay on the same data directory
 * (which would keep its own in-memory documents and split the clients) is refused at start.
 * Several instances need the PostgreSQL store.
 */

/**
 * Bumped only for changes an older relay cannot live with. A table added with `IF NOT EXISTS`
 * (like `seen`, `blobs`, `shl`) is not one: an older relay ignores it, so a rollback keeps working.
 */
const SCHEMA_VERSION = 1;

const toBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const toBytes = (buffer: Buffer): Uint8Array =>
  new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

/** Runs `f` now; its result or throw as a settled promise. */
function settled<T>(f: () => T): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new StoreError('store failure'));
  }
}

interface ShlRow {
  record: string;
  kind: 'manifest' | 'file';
  data: Buffer | null;
  expires: number | null;
  passcode_hash: Buffer | null;
  attempts_left: number | null;
  revoked: number;
  at: number;
}

export class SqliteStore implements RelayStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly stmts;
  private closed = false;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, 'relay.sqlite');
    try {
      // No other process should ever hold the database: fail fast instead of waiting.
      this.db = new Database(path, { timeout: 250 });
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      const version = this.db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new StoreError(
          `${path} was written by a newer relay (schema ${version}); upgrade this relay.`,
        );
      }
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS updates (
          id INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL, data BLOB NOT NULL);
        CREATE INDEX IF NOT EXISTS updates_doc ON updates (doc, id);
        CREATE TABLE IF NOT EXISTS manifests (
          record TEXT PRIMARY KEY, version INTEGER NOT NULL, data BLOB NOT NULL, at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS manifest_history (
          record TEXT NOT NULL, version INTEGER NOT NULL, data BLOB NOT NULL,
          PRIMARY KEY (record, version));
        CREATE TABLE IF NOT EXISTS recovery (
          record TEXT PRIMARY KEY, data BLOB NOT NULL, at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS recovery_kits (
          record TEXT PRIMARY KEY, locator TEXT NOT NULL UNIQUE, data BLOB NOT NULL,
          at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS mailboxes (
          id TEXT PRIMARY KEY, data BLOB NOT NULL, expires INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS seen (
          record_id TEXT NOT NULL, device_key BLOB NOT NULL, at INTEGER NOT NULL,
          PRIMARY KEY (record_id, device_key));
        CREATE TABLE IF NOT EXISTS blobs (
          record TEXT NOT NULL, blob_id TEXT NOT NULL, compartment TEXT NOT NULL,
          data BLOB NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (record, blob_id));
        CREATE TABLE IF NOT EXISTS shl (
          id TEXT PRIMARY KEY, record TEXT NOT NULL, kind TEXT NOT NULL, data BLOB,
          expires INTEGER, passcode_hash BLOB, attempts_left INTEGER,
          revoked INTEGER NOT NULL DEFAULT 0, at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS shl_access (
          n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, recipient TEXT NOT NULL,
          at INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS shl_access_id ON shl_access (id, n);
        CREATE TABLE IF NOT EXISTS push_subscriptions (
          record TEXT NOT NULL, device_key BLOB NOT NULL, endpoint TEXT NOT NULL,
          p256dh BLOB NOT NULL, auth BLOB NOT NULL, kinds TEXT NOT NULL,
          check_in_minute INTEGER, check_in_at INTEGER, due_at TEXT NOT NULL, next_at INTEGER,
          at INTEGER NOT NULL, PRIMARY KEY (record, device_key));
        CREATE INDEX IF NOT EXISTS push_subscriptions_next ON push_subscriptions (next_at);
        CREATE TABLE IF NOT EXISTS push_key (id INTEGER PRIMARY KEY, data BLOB NOT NULL);
        PRAGMA user_version = ${SCHEMA_VERSION};
      `);
    } catch (e) {
      if (e instanceof StoreError) throw e;
      const code = (e as { code?: unknown }).code;
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
        throw new StoreError(`${path} is in use by another relay. Stop it or use another --data.`);
      }
      throw new StoreError(
        `Cannot open ${path}: ${e instanceof Error ? e.message : 'unknown error'}`,
      );
    }
    const db = this.db;
    this.stmts = {
      append: db.prepare('INSERT INTO updates (doc, data) VALUES (?, ?)'),
      load: db.prepare('SELECT id, data FROM updates WHERE doc = ? ORDER BY id'),
      after: db.prepare('SELECT id, data FROM updates WHERE doc = ? AND id > ? ORDER BY id'),
      byId: db.prepare('SELECT id, data FROM updates WHERE doc = ? AND id = ?'),
      count: db.prepare('SELECT COUNT(*) AS n FROM updates WHERE doc = ?'),
      deleteUpTo: db.prepare('DELETE FROM updates WHERE doc = ? AND id <= ?'),
      totals: db.prepare(
        'SELECT COUNT(*) AS n, COUNT(DISTINCT doc) AS docs, COALESCE(SUM(LENGTH(data)), 0) AS bytes FROM updates',
      ),
      getManifest: db.prepare('SELECT version, data FROM manifests WHERE record = ?'),
      putManifest: db.prepare(
        `INSERT INTO manifests (record, version, data, at) VALUES (?, ?, ?, ?)
         ON CONFLICT(record) DO UPDATE SET version = excluded.version, data = excluded.data, at = excluded.at
         WHERE excluded.version > manifests.version`,
      ),
      keepManifest: db.prepare(
        'INSERT OR IGNORE INTO manifest_history (record, version, data) VALUES (?, ?, ?)',
      ),
      pruneManifests: db.prepare('DELETE FROM manifest_history WHERE record = ? AND version <= ?'),
      manifestsAfter: db.prepare(
        'SELECT data FROM manifest_history WHERE record = ? AND version > ? ORDER BY version LIMIT ?',
      ),
      getRecovery: db.prepare('SELECT data FROM recovery WHERE record = ?'),
      putRecovery: db.prepare(
        `INSERT INTO recovery (record, data, at) VALUES (?, ?, ?)
         ON CONFLICT(record) DO UPDATE SET data = excluded.data, at = excluded.at`,
      ),
      getKit: db.prepare('SELECT data FROM recovery_kits WHERE locator = ?'),
      kitOwner: db.prepare('SELECT record FROM recovery_kits WHERE locator = ?'),
      putKit: db.prepare(
        `INSERT INTO recovery_kits (record, locator, data, at) VALUES (?, ?, ?, ?)
         ON CONFLICT(record) DO UPDATE SET locator = excluded.locator, data = excluded.data,
           at = excluded.at`,
      ),
      dropKit: db.prepare('DELETE FROM recovery_kits WHERE record = ?'),
      dropRecovery: db.prepare('DELETE FROM recovery WHERE record = ?'),
      putMailbox: db.prepare(
        'INSERT OR IGNORE INTO mailboxes (id, data, expires) VALUES (?, ?, ?)',
      ),
      takeMailbox: db.prepare('DELETE FROM mailboxes WHERE id = ? AND expires > ? RETURNING data'),
      expireMailboxes: db.prepare('DELETE FROM mailboxes WHERE expires <= ?'),
      countMailboxes: db.prepare('SELECT COUNT(*) AS n FROM mailboxes'),
      putBlob: db.prepare(
        `INSERT OR IGNORE INTO blobs (record, blob_id, compartment, data, at)
         VALUES (?, ?, ?, ?, ?)`,
      ),
      getBlob: db.prepare(
        'SELECT compartment, data, at FROM blobs WHERE record = ? AND blob_id = ?',
      ),
      deleteBlob: db.prepare('DELETE FROM blobs WHERE record = ? AND blob_id = ?'),
      blobUsage: db.prepare(
        'SELECT COALESCE(SUM(LENGTH(data)), 0) AS bytes FROM blobs WHERE record = ?',
      ),
      getShl: db.prepare('SELECT * FROM shl WHERE id = ?'),
      insertShl: db.prepare(
        `INSERT INTO shl (id, record, kind, data, expires, passcode_hash, attempts_left, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      replaceShl: db.prepare(
        `UPDATE shl SET kind = ?, data = ?, expires = ?, passcode_hash = ?, at = ?
         WHERE id = ? AND record = ? AND revoked = 0`,
      ),
      shlAccess: db.prepare('INSERT INTO shl_access (id, recipient, at) VALUES (?, ?, ?)'),
      pruneShlAccess: db.prepare(
        `DELETE FROM shl_access WHERE id = ? AND n <= (
           SELECT n FROM shl_access WHERE id = ? ORDER BY n DESC LIMIT 1 OFFSET ?)`,
      ),
      shlAccessLog: db.prepare('SELECT recipient, at FROM shl_access WHERE id = ? ORDER BY n DESC'),
      decrementShl: db.prepare(
        `UPDATE shl SET attempts_left = attempts_left - 1
         WHERE id = ? AND revoked = 0 AND attempts_left IS NOT NULL AND attempts_left > 0
         RETURNING attempts_left`,
      ),
      revokeShl: db.prepare(
        'UPDATE shl SET revoked = 1, data = NULL, passcode_hash = NULL WHERE id = ?',
      ),
      putPush: db.prepare(
        `INSERT INTO push_subscriptions (record, device_key, endpoint, p256dh, auth, kinds,
           check_in_minute, check_in_at, due_at, next_at, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(record, device_key) DO UPDATE SET endpoint = excluded.endpoint,
           p256dh = excluded.p256dh, auth = excluded.auth, kinds = excluded.kinds,
           check_in_minute = excluded.check_in_minute, check_in_at = excluded.check_in_at,
           due_at = excluded.due_at, next_at = excluded.next_at, at = excluded.at`,
      ),
      getPush: db.prepare('SELECT * FROM push_subscriptions WHERE record = ? AND device_key = ?'),
      pushOf: db.prepare('SELECT * FROM push_subscriptions WHERE record = ? ORDER BY device_key'),
      deletePush: db.prepare('DELETE FROM push_subscriptions WHERE record = ? AND device_key = ?'),
      duePush: db.prepare(
        `SELECT * FROM push_subscriptions WHERE next_at IS NOT NULL AND next_at <= ?
         ORDER BY next_at LIMIT ?`,
      ),
      claimPush: db.prepare(
        `UPDATE push_subscriptions SET check_in_at = ?, due_at = ?, next_at = ?
         WHERE record = ? AND device_key = ? AND next_at = ?`,
      ),
      getPushKey: db.prepare('SELECT data FROM push_key WHERE id = 1'),
      putPushKey: db.prepare('INSERT OR IGNORE INTO push_key (id, data) VALUES (1, ?)'),
      markSeen: db.prepare(
        `INSERT INTO seen (record_id, device_key, at) VALUES (?, ?, ?)
         ON CONFLICT(record_id, device_key) DO UPDATE SET at = excluded.at
         WHERE excluded.at > seen.at`,
      ),
      lastSeen: db.prepare(
        'SELECT device_key, at FROM seen WHERE record_id = ? ORDER BY at DESC, device_key',
      ),
    };
  }

  private open(): void {
    if (this.closed) throw new StoreError('The store is closed.');
  }

  private rows(doc: string): LogRow[] {
    const rows = this.stmts.load.all(doc) as Array<{ id: number; data: Buffer }>;
    return rows.map((r) => ({ id: r.id, data: toBytes(r.data) }));
  }

  // --- documents ---------------------------------------------------------------------------

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
    if (this.closed) return Promise.reject(new StoreError('The store is closed.'));
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
      this.open();
      results = this.db.transaction(() => batch.map((w) => w.run()))();
    } catch (e) {
      for (const w of batch) w.reject(e instanceof Error ? e : new StoreError('store failure'));
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i]));
  }

  /** Appends are group-committed ({@link grouped}): durable when the promise resolves. */
  appendUpdate(doc: string, update: Uint8Array): Promise<number> {
    const data = toBuffer(update);
    return this.grouped(() => Number(this.stmts.append.run(doc, data).lastInsertRowid));
  }

  loadDocument(doc: string): Promise<Uint8Array | null> {
    return this.loadDocumentAt(doc).then((r) => r?.state ?? null);
  }

  loadDocumentAt(doc: string): Promise<{ state: Uint8Array; lastId: number } | null> {
    return settled(() => {
      this.open();
      const rows = this.rows(doc);
      if (rows.length === 0) return null;
      const lastId = rows[rows.length - 1]!.id;
      if (rows.length === 1) return { state: rows[0]!.data, lastId };
      return { state: Y.mergeUpdates(rows.map((r) => r.data)), lastId };
    });
  }

  updatesById(doc: string, ids: readonly number[]): Promise<LogRow[]> {
    return settled(() => {
      this.open();
      const out: LogRow[] = [];
      for (const id of [...new Set(ids)].sort((a, b) => a - b)) {
        const r = this.stmts.byId.get(doc, id) as { id: number; data: Buffer } | undefined;
        if (r) out.push({ id: r.id, data: toBytes(r.data) });
      }
      return out;
    });
  }

  updatesAfter(doc: string, after: number): Promise<LogRow[]> {
    return settled(() => {
      this.open();
      const rows = this.stmts.after.all(doc, after) as Array<{ id: number; data: Buffer }>;
      return rows.map((r) => ({ id: r.id, data: toBytes(r.data) }));
    });
  }

  updateCount(doc: string): Promise<number> {
    return settled(() => {
      this.open();
      return (this.stmts.count.get(doc) as { n: number }).n;
    });
  }

  compactDocument(doc: string): Promise<CompactionResult | null> {
    return settled(() => {
      this.open();
      return this.db.transaction((): CompactionResult | null => {
        const rows = this.rows(doc);
        if (rows.length < 2) return null;
        const state = foldRows(rows);
        this.stmts.deleteUpTo.run(doc, rows[rows.length - 1]!.id);
        this.stmts.append.run(doc, toBuffer(state));
        return {
          rowsBefore: rows.length,
          bytesBefore: rows.reduce((n, r) => n + r.data.length, 0),
          bytesAfter: state.length,
        };
      })();
    });
  }

  totals(): Promise<{ updates: number; docs: number; bytes: number }> {
    return settled(() => {
      this.open();
      const r = this.stmts.totals.get() as { n: number; docs: number; bytes: number };
      return { updates: r.n, docs: r.docs, bytes: r.bytes };
    });
  }

  // --- manifests -----------------------------------------------------------------------------

  getManifest(record: string): Promise<StoredBytes | null> {
    return settled(() => {
      this.open();
      const r = this.stmts.getManifest.get(record) as { version: number; data: Buffer } | undefined;
      return r ? { version: r.version, data: toBytes(r.data) } : null;
    });
  }

  putManifest(
    record: string,
    version: number,
    data: Uint8Array,
    now = Date.now(),
    previous?: number | null,
  ): Promise<boolean> {
    return settled(() => {
      this.open();
      return this.db.transaction(() => {
        if (previous !== undefined) {
          const r = this.stmts.getManifest.get(record) as { version: number } | undefined;
          if ((r?.version ?? null) !== previous) return false;
        }
        if (this.stmts.putManifest.run(record, version, toBuffer(data), now).changes !== 1) {
          return false;
        }
        this.stmts.keepManifest.run(record, version, toBuffer(data));
        this.stmts.pruneManifests.run(record, version - MANIFEST_HISTORY);
        return true;
      })();
    });
  }

  manifestsAfter(record: string, version: number, limit = MANIFEST_HISTORY): Promise<Uint8Array[]> {
    return settled(() => {
      this.open();
      const rows = this.stmts.manifestsAfter.all(record, version, limit) as { data: Buffer }[];
      return rows.map((r) => toBytes(r.data));
    });
  }

  // --- recovery blobs ------------------------------------------------------------------------

  getRecovery(record: string): Promise<Uint8Array | null> {
    return settled(() => {
      this.open();
      const r = this.stmts.getRecovery.get(record) as { data: Buffer } | undefined;
      return r ? toBytes(r.data) : null;
    });
  }

  putRecovery(record: string, data: Uint8Array, now = Date.now()): Promise<void> {
    return settled(() => {
      this.open();
      this.db.transaction(() => {
        this.stmts.dropKit.run(record);
        this.stmts.putRecovery.run(record, toBuffer(data), now);
      })();
    });
  }

  getRecoveryByLocator(locator: string): Promise<Uint8Array | null> {
    return settled(() => {
      this.open();
      const r = this.stmts.getKit.get(locator) as { data: Buffer } | undefined;
      return r ? toBytes(r.data) : null;
    });
  }

  putRecoveryByLocator(
    record: string,
    locator: string,
    data: Uint8Array,
    now = Date.now(),
  ): Promise<boolean> {
    return settled(() => {
      this.open();
      return this.db.transaction(() => {
        const holder = this.stmts.kitOwner.get(locator) as { record: string } | undefined;
        if (holder && holder.record !== record) return false;
        this.stmts.dropRecovery.run(record);
        this.stmts.putKit.run(record, locator, toBuffer(data), now);
        return true;
      })();
    });
  }

  // --- link mailboxes ------------------------------------------------------------------------

  putMailbox(id: string, data: Uint8Array, expires: number, now = Date.now()): Promise<boolean> {
    return settled(() => {
      this.open();
      this.stmts.expireMailboxes.run(now);
      return this.stmts.putMailbox.run(id, toBuffer(data), expires).changes === 1;
    });
  }

  takeMailbox(id: string, now = Date.now()): Promise<Uint8Array | null> {
    return settled(() => {
      this.open();
      this.stmts.expireMailboxes.run(now);
      const r = this.stmts.takeMailbox.get(id, now) as { data: Buffer } | undefined;
      return r ? toBytes(r.data) : null;
    });
  }

  mailboxCount(): Promise<number> {
    return settled(() => {
      this.open();
      return (this.stmts.countMailboxes.get() as { n: number }).n;
    });
  }

  // --- document blobs ------------------------------------------------------------------------

  putBlob(
    record: string,
    blobId: string,
    compartment: string,
    data: Uint8Array,
    now = Date.now(),
  ): Promise<boolean> {
    return settled(() => {
      this.open();
      const r = this.stmts.putBlob.run(record, blobId, compartment, toBuffer(data), now);
      return r.changes === 1;
    });
  }

  getBlob(record: string, blobId: string): Promise<DocumentBlob | null> {
    return settled(() => {
      this.open();
      const r = this.stmts.getBlob.get(record, blobId) as
        { compartment: string; data: Buffer; at: number } | undefined;
      return r ? { compartment: r.compartment, data: toBytes(r.data), at: r.at } : null;
    });
  }

  deleteBlob(record: string, blobId: string): Promise<boolean> {
    return settled(() => {
      this.open();
      return this.stmts.deleteBlob.run(record, blobId).changes === 1;
    });
  }

  blobUsage(record: string): Promise<number> {
    return settled(() => {
      this.open();
      return (this.stmts.blobUsage.get(record) as { bytes: number }).bytes;
    });
  }

  // --- SMART Health Links --------------------------------------------------------------------

  putShl(id: string, shl: ShlInput, now = Date.now()): Promise<boolean> {
    return settled(() => {
      this.open();
      return this.db.transaction(() => {
        const row = this.stmts.getShl.get(id) as ShlRow | undefined;
        const hash = shl.passcodeHash ? toBuffer(shl.passcodeHash) : null;
        if (!row) {
          this.stmts.insertShl.run(
            id,
            shl.record,
            shl.kind,
            toBuffer(shl.data),
            shl.expires,
            hash,
            shl.attemptsLeft ?? null,
            now,
          );
          return true;
        }
        if (row.revoked || row.record !== shl.record) return false;
        const changes = this.stmts.replaceShl.run(
          shl.kind,
          toBuffer(shl.data),
          shl.expires,
          hash,
          now,
          id,
          shl.record,
        ).changes;
        return changes === 1;
      })();
    });
  }

  getShl(id: string, now = Date.now()): Promise<ShlBlob | null> {
    return settled(() => {
      this.open();
      const r = this.stmts.getShl.get(id) as ShlRow | undefined;
      if (!r || r.revoked || r.data === null) return null;
      if (r.expires !== null && r.expires <= now) return null;
      if (r.attempts_left !== null && r.attempts_left <= 0) return null;
      return {
        record: r.record,
        kind: r.kind,
        data: toBytes(r.data),
        expires: r.expires,
        passcodeHash: r.passcode_hash ? toBytes(r.passcode_hash) : null,
        attemptsLeft: r.attempts_left,
        at: r.at,
      };
    });
  }

  recordShlAccess(id: string, recipient: string, at: number): Promise<void> {
    return settled(() => {
      this.open();
      this.db.transaction(() => {
        this.stmts.shlAccess.run(id, recipient, Math.round(at));
        this.stmts.pruneShlAccess.run(id, id, SHL_ACCESS_LOG_MAX);
      })();
    });
  }

  shlAccessLog(id: string): Promise<ShlAccess[]> {
    return settled(() => {
      this.open();
      return this.stmts.shlAccessLog.all(id) as ShlAccess[];
    });
  }

  decrementShlAttempts(id: string): Promise<number | null> {
    return settled(() => {
      this.open();
      const r = this.stmts.decrementShl.get(id) as { attempts_left: number } | undefined;
      if (r) return r.attempts_left;
      const row = this.stmts.getShl.get(id) as ShlRow | undefined;
      return row && !row.revoked && row.attempts_left !== null ? row.attempts_left : null;
    });
  }

  revokeShl(id: string): Promise<boolean> {
    return settled(() => {
      this.open();
      return this.stmts.revokeShl.run(id).changes === 1;
    });
  }

  // --- Web Push reminders -------------------------------------------------------------------

  putPushSubscription(sub: PushSubscriptionRecord): Promise<void> {
    return settled(() => {
      this.open();
      this.stmts.putPush.run(...pushRow(sub));
    });
  }

  getPushSubscription(
    record: string,
    deviceKey: Uint8Array,
  ): Promise<PushSubscriptionRecord | null> {
    return settled(() => {
      this.open();
      const r = this.stmts.getPush.get(record, toBuffer(deviceKey)) as PushRow | undefined;
      return r ? fromPushRow(r) : null;
    });
  }

  pushSubscriptions(record: string): Promise<PushSubscriptionRecord[]> {
    return settled(() => {
      this.open();
      return (this.stmts.pushOf.all(record) as PushRow[]).map(fromPushRow);
    });
  }

  deletePushSubscription(record: string, deviceKey: Uint8Array): Promise<boolean> {
    return settled(() => {
      this.open();
      return this.stmts.deletePush.run(record, toBuffer(deviceKey)).changes === 1;
    });
  }

  duePushSubscriptions(now: number, limit: number): Promise<PushSubscriptionRecord[]> {
    return settled(() => {
      this.open();
      return (this.stmts.duePush.all(now, limit) as PushRow[]).map(fromPushRow);
    });
  }

  claimPushSchedule(
    record: string,
    deviceKey: Uint8Array,
    expectedNextAt: number,
    next: PushSchedule,
  ): Promise<boolean> {
    return settled(() => {
      this.open();
      const r = this.stmts.claimPush.run(
        next.checkInAt,
        JSON.stringify(next.dueAt),
        next.nextAt,
        record,
        toBuffer(deviceKey),
        expectedNextAt,
      );
      return r.changes === 1;
    });
  }

  pushKey(candidate: Uint8Array): Promise<Uint8Array> {
    return settled(() => {
      this.open();
      this.stmts.putPushKey.run(toBuffer(candidate));
      return toBytes((this.stmts.getPushKey.get() as { data: Buffer }).data);
    });
  }

  // --- last seen -----------------------------------------------------------------------------

  markSeen(recordId: string, deviceKey: Uint8Array, at: number): Promise<void> {
    const key = toBuffer(deviceKey);
    return this.grouped(() => {
      this.stmts.markSeen.run(recordId, key, Math.round(at));
    });
  }

  lastSeen(recordId: string): Promise<Array<{ deviceKey: Uint8Array; at: number }>> {
    return settled(() => {
      this.open();
      const rows = this.stmts.lastSeen.all(recordId) as Array<{ device_key: Buffer; at: number }>;
      return rows.map((r) => ({ deviceKey: toBytes(r.device_key), at: r.at }));
    });
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
    checkInAt: r.check_in_at,
    dueAt: Array.isArray(due) ? due.filter((n): n is number => typeof n === 'number') : [],
    nextAt: r.next_at,
    at: r.at,
  };
}

/** A log's rows folded into one update, in a garbage-collecting `Y.Doc`. */
export function foldRows(rows: readonly LogRow[]): Uint8Array {
  const ydoc = new Y.Doc({ gc: true });
  try {
    Y.applyUpdate(ydoc, Y.mergeUpdates(rows.map((r) => r.data)));
    return Y.encodeStateAsUpdate(ydoc);
  } finally {
    ydoc.destroy();
  }
}
