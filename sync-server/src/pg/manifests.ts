import type { StoredBytes } from '../store';
import {
  manifestHistoryFloor,
  manifestReplaces,
  storedBytes,
  toBuffer,
  toBytes,
} from '../store-rules';
import type { PgDb } from './db';
import { CHANNEL } from './notify';

/**
 * The PostgreSQL store's manifests (`manifests`, `manifest_history`). A replacement is a
 * compare-and-set on the stored version inside one transaction (`SELECT … FOR UPDATE`), and
 * notifies the other instances after its commit.
 */
export function pgManifests(db: PgDb, instance: string) {
  return {
    async get(record: string): Promise<StoredBytes | null> {
      const r = await db.q<{ version: number; data: Buffer }>(
        'SELECT version, data FROM manifests WHERE record = $1',
        [record],
      );
      const x = r.rows[0];
      return x ? storedBytes(x) : null;
    },

    put(
      record: string,
      version: number,
      data: Uint8Array,
      now: number,
      previous: number | null | undefined,
    ): Promise<boolean> {
      return db.tx(async (c) => {
        const cur = await c.query<{ version: number }>(
          'SELECT version FROM manifests WHERE record = $1 FOR UPDATE',
          [record],
        );
        const stored = cur.rows[0]?.version ?? null;
        if (!manifestReplaces(stored, version, previous)) return false;
        // No row yet: a concurrent first manifest wins, and this one is refused (it was judged
        // against none). A row: it is locked, so the version checked above is the stored one.
        const put =
          stored === null
            ? await c.query(
                `INSERT INTO manifests (record, version, data, at) VALUES ($1, $2, $3, $4)
               ON CONFLICT (record) DO NOTHING`,
                [record, version, toBuffer(data), now],
              )
            : await c.query(
                'UPDATE manifests SET version = $2, data = $3, at = $4 WHERE record = $1',
                [record, version, toBuffer(data), now],
              );
        if (put.rowCount !== 1) return false;
        await c.query(
          `INSERT INTO manifest_history (record, version, data) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING`,
          [record, version, toBuffer(data)],
        );
        await c.query('DELETE FROM manifest_history WHERE record = $1 AND version <= $2', [
          record,
          manifestHistoryFloor(version),
        ]);
        await c.query(`SELECT pg_notify($1, 'm|' || $2 || '|' || $3 || '|' || $4)`, [
          CHANNEL,
          instance,
          String(version),
          record,
        ]);
        return true;
      });
    },

    async after(record: string, version: number, limit: number): Promise<Uint8Array[]> {
      const r = await db.q<{ data: Buffer }>(
        `SELECT data FROM manifest_history WHERE record = $1 AND version > $2
       ORDER BY version LIMIT $3`,
        [record, version, limit],
      );
      return r.rows.map((x) => toBytes(x.data));
    },
  };
}
