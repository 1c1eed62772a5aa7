import type pg from 'pg';
import type { CompactionResult, LogRow } from '../store';
import {
  closedError,
  documentState,
  foldLog,
  logRow,
  toBuffer,
  type DataRow,
} from '../store-rules';
import { failure, type PgDb } from './db';
import { CHANNEL, INLINE_MAX } from './notify';

/**
 * The PostgreSQL store's envelope log: `updates`, a `BIGSERIAL` id per row. Appends are
 * group-committed, each group one statement that inserts the rows and calls `pg_notify` for each
 * (delivered after the commit, small rows with their bytes); reads by id (the ids other
 * instances were told of) or from an id on; a fold under a per-document advisory lock deletes
 * exactly the rows it folded.
 */
export function pgLog(db: PgDb, instance: string) {
  const appends: Array<{
    doc: string;
    data: Buffer;
    resolve: (id: number) => void;
    reject: (e: unknown) => void;
  }> = [];
  let appending = false;

  const kickAppends = (): void => {
    if (appending || appends.length === 0) return;
    appending = true;
    setImmediate(() => void flushAppends());
  };

  const flushAppends = async (): Promise<void> => {
    const batch = appends.splice(0, 1000);
    try {
      const r = await db.pool.query<{ id: number; doc: string }>(
        `WITH row AS (
           INSERT INTO updates (doc, data)
           SELECT * FROM unnest($1::text[], $2::bytea[])
           RETURNING id, doc,
             CASE WHEN octet_length(data) <= ${INLINE_MAX} THEN encode(data, 'hex') END AS hex)
         SELECT id, doc, pg_notify($3,
           CASE WHEN hex IS NULL THEN 'u|' || $4 || '|' || id || '|' || $5 || '|' || doc
                ELSE 'd|' || $4 || '|' || id || '|' || $5 || '|' || hex || '|' || doc END)
         FROM row ORDER BY id`,
        [batch.map((a) => a.doc), batch.map((a) => a.data), CHANNEL, instance, String(Date.now())],
      );
      // The rows of one document were inserted in the order given (ids from one sequence, in
      // one statement): the k-th id of a document answers its k-th append.
      const ids = new Map<string, number[]>();
      for (const row of r.rows) {
        const list = ids.get(row.doc);
        if (list) list.push(row.id);
        else ids.set(row.doc, [row.id]);
      }
      for (const a of batch) a.resolve(ids.get(a.doc)!.shift()!);
    } catch (e) {
      for (const a of batch) a.reject(failure('Storing updates failed', e));
    } finally {
      appending = false;
      kickAppends();
    }
  };

  const rows = async (doc: string, c: pg.ClientBase | pg.Pool = db.pool): Promise<LogRow[]> => {
    if (db.closed) throw closedError();
    const r = await c.query<DataRow>('SELECT id, data FROM updates WHERE doc = $1 ORDER BY id', [
      doc,
    ]);
    return r.rows.map(logRow);
  };

  return {
    /**
     * Appends are committed in groups: every append that arrives while a group is being written
     * waits for the next one, which is one multi-row INSERT (one commit, one WAL flush) whose
     * `pg_notify` calls are delivered after that commit. Each promise resolves after its commit.
     */
    append(doc: string, update: Uint8Array): Promise<number> {
      if (db.closed) return Promise.reject(closedError());
      return new Promise((resolve, reject) => {
        appends.push({ doc, data: toBuffer(update), resolve, reject });
        kickAppends();
      });
    },

    async loadAt(doc: string): Promise<{ state: Uint8Array; lastId: number } | null> {
      return documentState(await rows(doc));
    },

    async byIds(doc: string, ids: readonly number[]): Promise<LogRow[]> {
      const r = await db.q<DataRow>(
        'SELECT id, data FROM updates WHERE doc = $1 AND id = ANY($2::bigint[]) ORDER BY id',
        [doc, [...new Set(ids)]],
      );
      return r.rows.map(logRow);
    },

    async after(doc: string, after: number): Promise<LogRow[]> {
      const r = await db.q<DataRow>(
        'SELECT id, data FROM updates WHERE doc = $1 AND id > $2 ORDER BY id',
        [doc, after],
      );
      return r.rows.map(logRow);
    },

    async count(doc: string): Promise<number> {
      const r = await db.q<{ n: number }>('SELECT count(*)::int AS n FROM updates WHERE doc = $1', [
        doc,
      ]);
      return r.rows[0]!.n;
    },

    compact(doc: string): Promise<CompactionResult | null> {
      return db.tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [doc]);
        const all = await rows(doc, c);
        const folded = foldLog(all);
        if (!folded) return null;
        await c.query('DELETE FROM updates WHERE doc = $1 AND id = ANY($2::bigint[])', [
          doc,
          all.map((r) => r.id),
        ]);
        await c.query('INSERT INTO updates (doc, data) VALUES ($1, $2)', [
          doc,
          toBuffer(folded.state),
        ]);
        return folded.result;
      });
    },

    async totals(): Promise<{ updates: number; docs: number; bytes: number }> {
      const r = await db.q<{ n: number; docs: number; bytes: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT doc)::int AS docs,
              COALESCE(sum(length(data)), 0)::bigint AS bytes FROM updates`,
      );
      const x = r.rows[0]!;
      return { updates: x.n, docs: x.docs, bytes: x.bytes };
    },
  };
}
