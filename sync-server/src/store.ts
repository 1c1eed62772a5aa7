import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as Y from 'yjs';

/**
 * The relay's embedded store: one SQLite database in the data directory, in WAL mode with
 * `synchronous = FULL`, so a write is on disk when the call returns. It holds only what the relay
 * may see: outer documents (Yjs updates whose items are encrypted envelopes), signed manifests,
 * recovery blobs (by record for format-1 kits, by locator for newer ones) and link mailboxes; all
 * of it ciphertext or public-key material. Besides, when
 * each device last connected to a record (for the record's owners to see).
 *
 * A document is an append-only log of Yjs updates. The log is folded into one update from time
 * to time ({@link Store.compactDocument}); the outer documents hold opaque envelopes in a
 * `Y.Array`, so merging them reveals nothing.
 *
 * The database is opened in exclusive locking mode: a second relay on the same data directory
 * (which would keep its own in-memory documents and split the clients) is refused at start.
 */

/** How many versions of each record's manifest the relay keeps for devices that missed some. */
export const MANIFEST_HISTORY = 256;

export class StoreError extends Error {
  override name = 'StoreError';
}

export interface StoredBytes {
  readonly version: number;
  readonly data: Uint8Array;
}

export interface CompactionResult {
  readonly rowsBefore: number;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
}

/**
 * Bumped only for changes an older relay cannot live with. A table added with `IF NOT EXISTS`
 * (like `seen`) is not one: an older relay ignores it, so a rollback keeps working.
 */
const SCHEMA_VERSION = 1;

const toBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const toBytes = (buffer: Buffer): Uint8Array =>
  new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

export class Store {
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

  // --- documents ---------------------------------------------------------------------------

  /** Appends one update to a document's log. Durable (fsynced) when this returns. */
  appendUpdate(doc: string, update: Uint8Array): void {
    this.open();
    this.stmts.append.run(doc, toBuffer(update));
  }

  /** The document's log merged into one update, or `null` when nothing is stored. */
  loadDocument(doc: string): Uint8Array | null {
    this.open();
    const rows = this.stmts.load.all(doc) as Array<{ id: number; data: Buffer }>;
    if (rows.length === 0) return null;
    if (rows.length === 1) return toBytes(rows[0]!.data);
    return Y.mergeUpdates(rows.map((r) => toBytes(r.data)));
  }

  updateCount(doc: string): number {
    this.open();
    return (this.stmts.count.get(doc) as { n: number }).n;
  }

  /**
   * Folds a document's log into one update, in one transaction. The state is rebuilt from the
   * stored rows alone (not from the live document, which may hold an update whose row is being
   * written), in a garbage-collecting `Y.Doc`: envelopes that an owner deleted (compaction,
   * revoked epochs) leave the disk here. Returns `null` when there was nothing to fold.
   */
  compactDocument(doc: string): CompactionResult | null {
    this.open();
    return this.db.transaction((): CompactionResult | null => {
      const rows = this.stmts.load.all(doc) as Array<{ id: number; data: Buffer }>;
      if (rows.length < 2) return null;
      const ydoc = new Y.Doc({ gc: true });
      let state: Uint8Array;
      try {
        Y.applyUpdate(ydoc, Y.mergeUpdates(rows.map((r) => toBytes(r.data))));
        state = Y.encodeStateAsUpdate(ydoc);
      } finally {
        ydoc.destroy();
      }
      this.stmts.deleteUpTo.run(doc, rows[rows.length - 1]!.id);
      this.stmts.append.run(doc, toBuffer(state));
      return {
        rowsBefore: rows.length,
        bytesBefore: rows.reduce((n, r) => n + r.data.length, 0),
        bytesAfter: state.length,
      };
    })();
  }

  totals(): { updates: number; docs: number; bytes: number } {
    this.open();
    const r = this.stmts.totals.get() as { n: number; docs: number; bytes: number };
    return { updates: r.n, docs: r.docs, bytes: r.bytes };
  }

  // --- manifests -----------------------------------------------------------------------------

  getManifest(record: string): StoredBytes | null {
    this.open();
    const r = this.stmts.getManifest.get(record) as { version: number; data: Buffer } | undefined;
    return r ? { version: r.version, data: toBytes(r.data) } : null;
  }

  /**
   * Stores a manifest if it is newer than the stored one; `false` when it is not. The last
   * {@link MANIFEST_HISTORY} versions are kept too, so that a device that missed some can check
   * every step ({@link manifestsAfter}).
   */
  putManifest(record: string, version: number, data: Uint8Array, now = Date.now()): boolean {
    this.open();
    return this.db.transaction(() => {
      if (this.stmts.putManifest.run(record, version, toBuffer(data), now).changes !== 1) {
        return false;
      }
      this.stmts.keepManifest.run(record, version, toBuffer(data));
      this.stmts.pruneManifests.run(record, version - MANIFEST_HISTORY);
      return true;
    })();
  }

  /** The kept manifests newer than `version`, oldest first, at most `limit`. */
  manifestsAfter(record: string, version: number, limit = MANIFEST_HISTORY): Uint8Array[] {
    this.open();
    const rows = this.stmts.manifestsAfter.all(record, version, limit) as { data: Buffer }[];
    return rows.map((r) => toBytes(r.data));
  }

  // --- recovery blobs ------------------------------------------------------------------------

  getRecovery(record: string): Uint8Array | null {
    this.open();
    const r = this.stmts.getRecovery.get(record) as { data: Buffer } | undefined;
    return r ? toBytes(r.data) : null;
  }

  /** A format-1 blob, stored by record id; replaces the record's blob of either format. */
  putRecovery(record: string, data: Uint8Array, now = Date.now()): void {
    this.open();
    this.db.transaction(() => {
      this.stmts.dropKit.run(record);
      this.stmts.putRecovery.run(record, toBuffer(data), now);
    })();
  }

  /** The blob stored under a kit's locator, or `null`. */
  getRecoveryByLocator(locator: string): Uint8Array | null {
    this.open();
    const r = this.stmts.getKit.get(locator) as { data: Buffer } | undefined;
    return r ? toBytes(r.data) : null;
  }

  /**
   * Stores a blob under its locator as the record's one current blob: the record's previous blob
   * (of either format) is gone in the same transaction. `false`, changing nothing, when another
   * record already holds this locator.
   */
  putRecoveryByLocator(
    record: string,
    locator: string,
    data: Uint8Array,
    now = Date.now(),
  ): boolean {
    this.open();
    return this.db.transaction(() => {
      const holder = this.stmts.kitOwner.get(locator) as { record: string } | undefined;
      if (holder && holder.record !== record) return false;
      this.stmts.dropRecovery.run(record);
      this.stmts.putKit.run(record, locator, toBuffer(data), now);
      return true;
    })();
  }

  // --- link mailboxes ------------------------------------------------------------------------

  /** Stores a sealed box in an empty mailbox; `false` if the mailbox already holds one. */
  putMailbox(id: string, data: Uint8Array, expires: number, now = Date.now()): boolean {
    this.open();
    this.stmts.expireMailboxes.run(now);
    return this.stmts.putMailbox.run(id, toBuffer(data), expires).changes === 1;
  }

  /** Returns and removes a mailbox's box (once), or `null` when empty or expired. */
  takeMailbox(id: string, now = Date.now()): Uint8Array | null {
    this.open();
    this.stmts.expireMailboxes.run(now);
    const r = this.stmts.takeMailbox.get(id, now) as { data: Buffer } | undefined;
    return r ? toBytes(r.data) : null;
  }

  mailboxCount(): number {
    this.open();
    return (this.stmts.countMailboxes.get() as { n: number }).n;
  }

  // --- last seen -----------------------------------------------------------------------------

  /** Records that a device connected to a record at `at` (Unix ms); an earlier time never wins. */
  markSeen(recordId: string, deviceKey: Uint8Array, at: number): void {
    this.open();
    this.stmts.markSeen.run(recordId, toBuffer(deviceKey), Math.round(at));
  }

  /** When each device last connected to a record, latest first. */
  lastSeen(recordId: string): Array<{ deviceKey: Uint8Array; at: number }> {
    this.open();
    const rows = this.stmts.lastSeen.all(recordId) as Array<{ device_key: Buffer; at: number }>;
    return rows.map((r) => ({ deviceKey: toBytes(r.device_key), at: r.at }));
  }

  // --- lifecycle -----------------------------------------------------------------------------

  get isClosed(): boolean {
    return this.closed;
  }

  /** Checkpoints the WAL into the database file and closes it. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
    }
  }
}
