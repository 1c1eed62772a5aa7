import type Database from 'better-sqlite3';
import type { StoredBytes } from '../store';
import {
  manifestHistoryFloor,
  manifestReplaces,
  storedBytes,
  toBuffer,
  toBytes,
} from '../store-rules';

/**
 * The SQLite store's manifests: the current signed manifest of each record (`manifests`) and
 * the last versions kept for devices that missed some (`manifest_history`).
 */
export function sqliteManifests(db: Database.Database) {
  const s = {
    get: db.prepare('SELECT version, data FROM manifests WHERE record = ?'),
    put: db.prepare(
      `INSERT INTO manifests (record, version, data, at) VALUES (?, ?, ?, ?)
         ON CONFLICT(record) DO UPDATE SET version = excluded.version, data = excluded.data, at = excluded.at
         WHERE excluded.version > manifests.version`,
    ),
    keep: db.prepare(
      'INSERT OR IGNORE INTO manifest_history (record, version, data) VALUES (?, ?, ?)',
    ),
    prune: db.prepare('DELETE FROM manifest_history WHERE record = ? AND version <= ?'),
    after: db.prepare(
      'SELECT data FROM manifest_history WHERE record = ? AND version > ? ORDER BY version LIMIT ?',
    ),
  };

  return {
    get(record: string): StoredBytes | null {
      const r = s.get.get(record) as { version: number; data: Buffer } | undefined;
      return r ? storedBytes(r) : null;
    },

    /** See {@link RelayStore.putManifest}: one transaction (the database is this process's). */
    put(
      record: string,
      version: number,
      data: Uint8Array,
      now: number,
      previous: number | null | undefined,
    ): boolean {
      return db.transaction(() => {
        const r = s.get.get(record) as { version: number } | undefined;
        if (!manifestReplaces(r?.version ?? null, version, previous)) return false;
        if (s.put.run(record, version, toBuffer(data), now).changes !== 1) return false;
        s.keep.run(record, version, toBuffer(data));
        s.prune.run(record, manifestHistoryFloor(version));
        return true;
      })();
    },

    after(record: string, version: number, limit: number): Uint8Array[] {
      const rows = s.after.all(record, version, limit) as { data: Buffer }[];
      return rows.map((r) => toBytes(r.data));
    },
  };
}
