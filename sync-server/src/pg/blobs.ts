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
  storedTime,
  toBuffer,
  type ShlRow,
} from '../store-rules';
import type { PgDb } from './db';

/**
 * The PostgreSQL store's blobs: encrypted document attachments (`blobs`, immutable, by record and
 * blob id) and SMART Health Links (`shl`, with their passcode attempts counted atomically, and
 * the access log `shl_access`).
 */
export function pgBlobs(db: PgDb) {
  return {
    async put(
      record: string,
      blobId: string,
      compartment: string,
      data: Uint8Array,
      now: number,
    ): Promise<boolean> {
      const r = await db.q(
        `INSERT INTO blobs (record, blob_id, compartment, data, at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (record, blob_id) DO NOTHING`,
        [record, blobId, compartment, toBuffer(data), now],
      );
      return r.rowCount === 1;
    },

    async get(record: string, blobId: string): Promise<DocumentBlob | null> {
      const r = await db.q<{ compartment: string; data: Buffer; at: number }>(
        'SELECT compartment, data, at FROM blobs WHERE record = $1 AND blob_id = $2',
        [record, blobId],
      );
      const x = r.rows[0];
      return x ? documentBlob(x) : null;
    },

    async delete(record: string, blobId: string): Promise<boolean> {
      const r = await db.q('DELETE FROM blobs WHERE record = $1 AND blob_id = $2', [
        record,
        blobId,
      ]);
      return r.rowCount === 1;
    },

    async usage(record: string): Promise<number> {
      const r = await db.q<{ bytes: number }>(
        'SELECT COALESCE(sum(length(data)), 0)::bigint AS bytes FROM blobs WHERE record = $1',
        [record],
      );
      return r.rows[0]!.bytes;
    },
  };
}

export function pgShl(db: PgDb) {
  const row = async (id: string): Promise<ShlRow | undefined> =>
    (await db.q<ShlRow>('SELECT * FROM shl WHERE id = $1', [id])).rows[0];

  return {
    /** See {@link RelayStore.putShl}: a new link, or a replacement by the same record. */
    async put(id: string, shl: ShlInput, now: number): Promise<boolean> {
      const c = shlColumns(shl);
      return db.tx(async (t) => {
        const ins = await t.query(
          `INSERT INTO shl (id, record, kind, data, expires, passcode_hash, attempts_left, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
          [id, shl.record, c.kind, c.data, c.expires, c.passcodeHash, c.attemptsLeft, now],
        );
        if (ins.rowCount === 1) return true;
        const upd = await t.query(
          `UPDATE shl SET kind = $3, data = $4, expires = $5, passcode_hash = $6, at = $7
         WHERE id = $1 AND record = $2 AND NOT revoked`,
          [id, shl.record, c.kind, c.data, c.expires, c.passcodeHash, now],
        );
        return upd.rowCount === 1;
      });
    },

    async get(id: string, now: number): Promise<ShlBlob | null> {
      return liveShl(await row(id), now);
    },

    async recordAccess(id: string, recipient: string, at: number): Promise<void> {
      await db.tx(async (c) => {
        await c.query('INSERT INTO shl_access (id, recipient, at) VALUES ($1, $2, $3)', [
          id,
          recipient,
          storedTime(at),
        ]);
        await c.query(
          `DELETE FROM shl_access WHERE id = $1 AND n <= (
           SELECT n FROM shl_access WHERE id = $1 ORDER BY n DESC LIMIT 1 OFFSET $2)`,
          [id, SHL_ACCESS_LOG_MAX],
        );
      });
    },

    async accessLog(id: string): Promise<ShlAccess[]> {
      const r = await db.q<ShlAccess>(
        'SELECT recipient, at FROM shl_access WHERE id = $1 ORDER BY n DESC',
        [id],
      );
      return r.rows.map((x) => ({ recipient: x.recipient, at: x.at }));
    },

    async decrementAttempts(id: string): Promise<number | null> {
      const r = await db.q<{ attempts_left: number }>(
        `UPDATE shl SET attempts_left = attempts_left - 1
       WHERE id = $1 AND NOT revoked AND attempts_left IS NOT NULL AND attempts_left > 0
       RETURNING attempts_left`,
        [id],
      );
      return r.rows[0] ? r.rows[0].attempts_left : attemptsLeftOf(await row(id));
    },

    async revoke(id: string): Promise<boolean> {
      const r = await db.q(
        'UPDATE shl SET revoked = true, data = NULL, passcode_hash = NULL WHERE id = $1',
        [id],
      );
      return r.rowCount === 1;
    },
  };
}
