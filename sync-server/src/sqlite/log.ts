import type Database from 'better-sqlite3';
import type { CompactionResult, LogRow } from '../store';
import { documentState, foldLog, logRow, toBuffer, type DataRow } from '../store-rules';

/**
 * The SQLite store's envelope log: each document an append-only list of Yjs updates in
 * `updates` (an autoincrement id per row), read whole or from an id on (catch-up), and folded
 * into one row. Synchronous; the store wraps the calls and group-commits the appends.
 */
export function sqliteLog(db: Database.Database) {
  const s = {
    append: db.prepare('INSERT INTO updates (doc, data) VALUES (?, ?)'),
    load: db.prepare('SELECT id, data FROM updates WHERE doc = ? ORDER BY id'),
    after: db.prepare('SELECT id, data FROM updates WHERE doc = ? AND id > ? ORDER BY id'),
    byId: db.prepare('SELECT id, data FROM updates WHERE doc = ? AND id = ?'),
    count: db.prepare('SELECT COUNT(*) AS n FROM updates WHERE doc = ?'),
    deleteUpTo: db.prepare('DELETE FROM updates WHERE doc = ? AND id <= ?'),
    totals: db.prepare(
      'SELECT COUNT(*) AS n, COUNT(DISTINCT doc) AS docs, COALESCE(SUM(LENGTH(data)), 0) AS bytes FROM updates',
    ),
  };
  const rows = (doc: string): LogRow[] => (s.load.all(doc) as DataRow[]).map(logRow);

  return {
    /** Appends one row (inside the caller's group commit); its id. */
    append(doc: string, data: Buffer): number {
      return Number(s.append.run(doc, data).lastInsertRowid);
    },

    loadAt(doc: string): { state: Uint8Array; lastId: number } | null {
      return documentState(rows(doc));
    },

    byIds(doc: string, ids: readonly number[]): LogRow[] {
      const out: LogRow[] = [];
      for (const id of [...new Set(ids)].sort((a, b) => a - b)) {
        const r = s.byId.get(doc, id) as DataRow | undefined;
        if (r) out.push(logRow(r));
      }
      return out;
    },

    after(doc: string, after: number): LogRow[] {
      return (s.after.all(doc, after) as DataRow[]).map(logRow);
    },

    count(doc: string): number {
      return (s.count.get(doc) as { n: number }).n;
    },

    /** Folds the document's rows into one, in one transaction. */
    compact(doc: string): CompactionResult | null {
      return db.transaction((): CompactionResult | null => {
        const all = rows(doc);
        const folded = foldLog(all);
        if (!folded) return null;
        s.deleteUpTo.run(doc, all[all.length - 1]!.id);
        s.append.run(doc, toBuffer(folded.state));
        return folded.result;
      })();
    },

    totals(): { updates: number; docs: number; bytes: number } {
      const r = s.totals.get() as { n: number; docs: number; bytes: number };
      return { updates: r.n, docs: r.docs, bytes: r.bytes };
    },
  };
}
