import type Database from 'better-sqlite3';
import { seenDevice, storedTime } from '../store-rules';

/** The SQLite store's `seen`: when each device last connected to a record (a later time wins). */
export function sqliteSeen(db: Database.Database) {
  const s = {
    mark: db.prepare(
      `INSERT INTO seen (record_id, device_key, at) VALUES (?, ?, ?)
         ON CONFLICT(record_id, device_key) DO UPDATE SET at = excluded.at
         WHERE excluded.at > seen.at`,
    ),
    last: db.prepare(
      'SELECT device_key, at FROM seen WHERE record_id = ? ORDER BY at DESC, device_key',
    ),
  };

  return {
    /** Runs inside the caller's group commit. */
    mark(recordId: string, deviceKey: Buffer, at: number): void {
      s.mark.run(recordId, deviceKey, storedTime(at));
    },

    last(recordId: string): Array<{ deviceKey: Uint8Array; at: number }> {
      return (s.last.all(recordId) as Array<{ device_key: Buffer; at: number }>).map(seenDevice);
    },
  };
}
