/**
 * The PostgreSQL store's schema, as numbered migrations. The relay applies the missing ones on
 * start, under an advisory lock (instances starting together apply each once), each in its own
 * transaction with its row in `backpack_schema`. A database with a migration this relay does not
 * know (a newer relay wrote it) is refused. Append new migrations; never edit an applied one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: what the SQLite store has held since its first version.
  `CREATE TABLE updates (id BIGSERIAL PRIMARY KEY, doc TEXT NOT NULL, data BYTEA NOT NULL);
   CREATE INDEX updates_doc ON updates (doc, id);
   CREATE TABLE manifests (
     record TEXT PRIMARY KEY, version BIGINT NOT NULL, data BYTEA NOT NULL, at BIGINT NOT NULL);
   CREATE TABLE manifest_history (
     record TEXT NOT NULL, version BIGINT NOT NULL, data BYTEA NOT NULL,
     PRIMARY KEY (record, version));
   CREATE TABLE recovery (record TEXT PRIMARY KEY, data BYTEA NOT NULL, at BIGINT NOT NULL);
   CREATE TABLE recovery_kits (
     record TEXT PRIMARY KEY, locator TEXT NOT NULL UNIQUE, data BYTEA NOT NULL,
     at BIGINT NOT NULL);
   CREATE TABLE mailboxes (id TEXT PRIMARY KEY, data BYTEA NOT NULL, expires BIGINT NOT NULL);
   CREATE INDEX mailboxes_expires ON mailboxes (expires);
   CREATE TABLE seen (
     record_id TEXT NOT NULL, device_key BYTEA NOT NULL, at BIGINT NOT NULL,
     PRIMARY KEY (record_id, device_key));`,
  // 2: encrypted document attachments and SMART Health Links.
  `CREATE TABLE blobs (
     record TEXT NOT NULL, blob_id TEXT NOT NULL, compartment TEXT NOT NULL,
     data BYTEA NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (record, blob_id));
   CREATE TABLE shl (
     id TEXT PRIMARY KEY, record TEXT NOT NULL, kind TEXT NOT NULL, data BYTEA,
     expires BIGINT, passcode_hash BYTEA, attempts_left INTEGER,
     revoked BOOLEAN NOT NULL DEFAULT false, at BIGINT NOT NULL);
   CREATE TABLE shl_access (
     n BIGSERIAL PRIMARY KEY, id TEXT NOT NULL, recipient TEXT NOT NULL, at BIGINT NOT NULL);
   CREATE INDEX shl_access_id ON shl_access (id, n);`,
  // 3: Web Push reminders (issue 14 item 5) and the relay's VAPID key.
  `CREATE TABLE push_subscriptions (
     record TEXT NOT NULL, device_key BYTEA NOT NULL, endpoint TEXT NOT NULL,
     p256dh BYTEA NOT NULL, auth BYTEA NOT NULL, kinds TEXT NOT NULL,
     check_in_minute INTEGER, check_in_at BIGINT, due_at TEXT NOT NULL, next_at BIGINT,
     at BIGINT NOT NULL, PRIMARY KEY (record, device_key));
   CREATE INDEX push_subscriptions_next ON push_subscriptions (next_at);
   CREATE TABLE push_key (id INTEGER PRIMARY KEY, data BYTEA NOT NULL);`,
  // 4: the check-in as a local time of day in the device's time zone (daylight saving).
  `ALTER TABLE push_subscriptions ADD COLUMN check_in_local INTEGER;
   ALTER TABLE push_subscriptions ADD COLUMN check_in_zone TEXT;`,
];
