import { locatorFree, toBuffer, toBytes } from '../store-rules';
import type { PgDb } from './db';

/**
 * The PostgreSQL store's recovery blobs (`recovery` by record, `recovery_kits` by locator: one
 * current blob per record) and link mailboxes (one sealed box each, taken once, expiring).
 */
export function pgRecovery(db: PgDb) {
  return {
    async get(record: string): Promise<Uint8Array | null> {
      const r = await db.q<{ data: Buffer }>('SELECT data FROM recovery WHERE record = $1', [
        record,
      ]);
      return r.rows[0] ? toBytes(r.rows[0].data) : null;
    },

    async put(record: string, data: Uint8Array, now: number): Promise<void> {
      await db.tx(async (c) => {
        await c.query('DELETE FROM recovery_kits WHERE record = $1', [record]);
        await c.query(
          `INSERT INTO recovery (record, data, at) VALUES ($1, $2, $3)
         ON CONFLICT (record) DO UPDATE SET data = excluded.data, at = excluded.at`,
          [record, toBuffer(data), now],
        );
      });
    },

    async getByLocator(locator: string): Promise<Uint8Array | null> {
      const r = await db.q<{ data: Buffer }>('SELECT data FROM recovery_kits WHERE locator = $1', [
        locator,
      ]);
      return r.rows[0] ? toBytes(r.rows[0].data) : null;
    },

    async putByLocator(
      record: string,
      locator: string,
      data: Uint8Array,
      now: number,
    ): Promise<boolean> {
      try {
        return await db.tx(async (c) => {
          const holder = await c.query<{ record: string }>(
            'SELECT record FROM recovery_kits WHERE locator = $1 FOR UPDATE',
            [locator],
          );
          if (!locatorFree(holder.rows[0]?.record, record)) return false;
          await c.query('DELETE FROM recovery WHERE record = $1', [record]);
          await c.query(
            `INSERT INTO recovery_kits (record, locator, data, at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (record) DO UPDATE SET locator = excluded.locator, data = excluded.data,
             at = excluded.at`,
            [record, locator, toBuffer(data), now],
          );
          return true;
        });
      } catch (e) {
        // Another record took the locator between the check and the write.
        if ((e as { code?: unknown }).code === '23505') return false;
        throw e;
      }
    },
  };
}

export function pgMailboxes(db: PgDb) {
  return {
    async put(id: string, data: Uint8Array, expires: number, now: number): Promise<boolean> {
      await db.q('DELETE FROM mailboxes WHERE expires <= $1', [now]);
      const r = await db.q(
        'INSERT INTO mailboxes (id, data, expires) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING',
        [id, toBuffer(data), expires],
      );
      return r.rowCount === 1;
    },

    async take(id: string, now: number): Promise<Uint8Array | null> {
      await db.q('DELETE FROM mailboxes WHERE expires <= $1', [now]);
      const r = await db.q<{ data: Buffer }>(
        'DELETE FROM mailboxes WHERE id = $1 AND expires > $2 RETURNING data',
        [id, now],
      );
      return r.rows[0] ? toBytes(r.rows[0].data) : null;
    },

    async count(): Promise<number> {
      const r = await db.q<{ n: number }>('SELECT count(*)::int AS n FROM mailboxes');
      return r.rows[0]!.n;
    },
  };
}
