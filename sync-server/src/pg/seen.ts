import { seenDevice, storedTime, toBuffer } from '../store-rules';
import type { PgDb } from './db';

/** The PostgreSQL store's `seen`: when each device last connected to a record (a later time wins). */
export function pgSeen(db: PgDb) {
  return {
    async mark(recordId: string, deviceKey: Uint8Array, at: number): Promise<void> {
      await db.q(
        `INSERT INTO seen (record_id, device_key, at) VALUES ($1, $2, $3)
       ON CONFLICT (record_id, device_key) DO UPDATE SET at = excluded.at
       WHERE excluded.at > seen.at`,
        [recordId, toBuffer(deviceKey), storedTime(at)],
      );
    },

    async last(recordId: string): Promise<Array<{ deviceKey: Uint8Array; at: number }>> {
      const r = await db.q<{ device_key: Buffer; at: number }>(
        'SELECT device_key, at FROM seen WHERE record_id = $1 ORDER BY at DESC, device_key',
        [recordId],
      );
      return r.rows.map(seenDevice);
    },
  };
}
