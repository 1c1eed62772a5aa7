import type Database from 'better-sqlite3';
import {
  SHL_ACCESS_LOG_MAX,
  type DocumentBlob,
  type ShlAccess,
  type ShlBlob,
  type ShlInput,
} from '../store';
import {
  attemptsLeftOf,
  documentBlob,
  liveShl,
  shlColumns,
  shlReplaceable,
  storedTime,
  toBuffer,
  type ShlRow,
} from '../store-rules';

/**
 * The SQLite store's blobs: encrypted document attachments (`blobs`, immutable, by record and
 * blob id) and SMART Health Links (`shl`, with their passcode attempts, and the access log
 * `shl_access`).
 */
export function sqliteBlobs(db: Database.Database) {
  const s = {
    put: db.prepare(
      `INSERT OR IGNORE INTO blobs (record, blob_id, compartment, data, at)
         VALUES (?, ?, ?, ?, ?)`,
    ),
    get: db.prepare('SELECT compartment, data, at FROM blobs WHERE record = ? AND blob_id = ?'),
    delete: db.prepare('DELETE FROM blobs WHERE record = ? AND blob_id = ?'),
    usage: db.prepare('SELECT COALESCE(SUM(LENGTH(data)), 0) AS bytes FROM blobs WHERE record = ?'),
  };

  return {
    put(record: string, blobId: string, compartment: string, data: Uint8Array, now: number) {
      return s.put.run(record, blobId, compartment, toBuffer(data), now).changes === 1;
    },

    get(record: string, blobId: string): DocumentBlob | null {
      const r = s.get.get(record, blobId) as
        { compartment: string; data: Buffer; at: number } | undefined;
      return r ? documentBlob(r) : null;
    },

    delete(record: string, blobId: string): boolean {
      return s.delete.run(record, blobId).changes === 1;
    },

    usage(record: string): number {
      return (s.usage.get(record) as { bytes: number }).bytes;
    },
  };
}

export function sqliteShl(db: Database.Database) {
  const s = {
    get: db.prepare('SELECT * FROM shl WHERE id = ?'),
    insert: db.prepare(
      `INSERT INTO shl (id, record, kind, data, expires, passcode_hash, attempts_left, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    replace: db.prepare(
      `UPDATE shl SET kind = ?, data = ?, expires = ?, passcode_hash = ?, at = ?
         WHERE id = ? AND record = ? AND revoked = 0`,
    ),
    access: db.prepare('INSERT INTO shl_access (id, recipient, at) VALUES (?, ?, ?)'),
    pruneAccess: db.prepare(
      `DELETE FROM shl_access WHERE id = ? AND n <= (
           SELECT n FROM shl_access WHERE id = ? ORDER BY n DESC LIMIT 1 OFFSET ?)`,
    ),
    accessLog: db.prepare('SELECT recipient, at FROM shl_access WHERE id = ? ORDER BY n DESC'),
    decrement: db.prepare(
      `UPDATE shl SET attempts_left = attempts_left - 1
         WHERE id = ? AND revoked = 0 AND attempts_left IS NOT NULL AND attempts_left > 0
         RETURNING attempts_left`,
    ),
    revoke: db.prepare(
      'UPDATE shl SET revoked = 1, data = NULL, passcode_hash = NULL WHERE id = ?',
    ),
  };
  const row = (id: string) => s.get.get(id) as ShlRow | undefined;

  return {
    /** See {@link RelayStore.putShl}: a new link, or a replacement by the same record. */
    put(id: string, shl: ShlInput, now: number): boolean {
      return db.transaction(() => {
        const r = row(id);
        const c = shlColumns(shl);
        if (!r) {
          s.insert.run(
            id,
            shl.record,
            c.kind,
            c.data,
            c.expires,
            c.passcodeHash,
            c.attemptsLeft,
            now,
          );
          return true;
        }
        if (!shlReplaceable(r, shl.record)) return false;
        const changes = s.replace.run(
          c.kind,
          c.data,
          c.expires,
          c.passcodeHash,
          now,
          id,
          shl.record,
        ).changes;
        return changes === 1;
      })();
    },

    get(id: string, now: number): ShlBlob | null {
      return liveShl(row(id), now);
    },

    recordAccess(id: string, recipient: string, at: number): void {
      db.transaction(() => {
        s.access.run(id, recipient, storedTime(at));
        s.pruneAccess.run(id, id, SHL_ACCESS_LOG_MAX);
      })();
    },

    accessLog(id: string): ShlAccess[] {
      return s.accessLog.all(id) as ShlAccess[];
    },

    decrementAttempts(id: string): number | null {
      const r = s.decrement.get(id) as { attempts_left: number } | undefined;
      return r ? r.attempts_left : attemptsLeftOf(row(id));
    },

    revoke(id: string): boolean {
      return s.revoke.run(id).changes === 1;
    },
  };
}
