import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../store';

/**
 * The SQLite store's database file and schema: `relay.sqlite` in the data directory, opened in
 * exclusive locking mode (a second relay on the same directory is refused), in WAL mode with
 * `synchronous = FULL`, and every table created if missing.
 */

/**
 * Bumped only for changes an older relay cannot live with. A table added with `IF NOT EXISTS`
 * (like `seen`, `blobs`, `shl`) is not one: an older relay ignores it, so a rollback keeps working.
 */
const SCHEMA_VERSION = 1;

/**
 * Columns added to a table after its first version: nullable, so an older relay (which names its
 * columns) keeps working with them. SQLite has no `ADD COLUMN IF NOT EXISTS`.
 */
const ADDED_COLUMNS: ReadonlyArray<readonly [table: string, column: string, type: string]> = [
  // The check-in as a local time of day in the device's time zone (daylight saving).
  ['push_subscriptions', 'check_in_local', 'INTEGER'],
  ['push_subscriptions', 'check_in_zone', 'TEXT'],
];

function addMissingColumns(db: Database.Database): void {
  for (const [table, column, type] of ADDED_COLUMNS) {
    const columns = db.pragma(`table_info(${table})`) as Array<{ name: string }>;
    if (!columns.some((c) => c.name === column)) {
      db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
    }
  }
}

/** Opens (creating) the database in `dataDir` with its schema; a {@link StoreError} if not. */
export function openDatabase(dataDir: string): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'relay.sqlite');
  try {
    // No other process should ever hold the database: fail fast instead of waiting.
    const db = new Database(path, { timeout: 250 });
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new StoreError(
        `${path} was written by a newer relay (schema ${version}); upgrade this relay.`,
      );
    }
    db.exec(`
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
    addMissingColumns(db);
    return db;
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
}
