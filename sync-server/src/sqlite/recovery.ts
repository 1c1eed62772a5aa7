import type Database from 'better-sqlite3';
import { locatorFree, toBuffer, toBytes } from '../store-rules';

/**
 * The SQLite store's recovery blobs (format 1 by record in `recovery`, by locator in
 * `recovery_kits`: one current blob per record) and link mailboxes (one sealed box each, taken
 * once, expiring).
 */
export function sqliteRecovery(db: Database.Database) {
  const s = {
    get: db.prepare('SELECT data FROM recovery WHERE record = ?'),
    put: db.prepare(
      `INSERT INTO recovery (record, data, at) VALUES (?, ?, ?)
         ON CONFLICT(record) DO UPDATE SET data = excluded.data, at = excluded.at`,
    ),
    getKit: db.prepare('SELECT data FROM recovery_kits WHERE locator = ?'),
    kitOwner: db.prepare('SELECT record FROM recovery_kits WHERE locator = ?'),
    putKit: db.prepare(
      `INSERT INTO recovery_kits (record, locator, data, at) VALUES (?, ?, ?, ?)
         ON CONFLICT(record) DO UPDATE SET locator = excluded.locator, data = excluded.data,
           at = excluded.at`,
    ),
    dropKit: db.prepare('DELETE FROM recovery_kits WHERE record = ?'),
    drop: db.prepare('DELETE FROM recovery WHERE record = ?'),
  };

  return {
    get(record: string): Uint8Array | null {
      const r = s.get.get(record) as { data: Buffer } | undefined;
      return r ? toBytes(r.data) : null;
    },

    put(record: string, data: Uint8Array, now: number): void {
      db.transaction(() => {
        s.dropKit.run(record);
        s.put.run(record, toBuffer(data), now);
      })();
    },

    getByLocator(locator: string): Uint8Array | null {
      const r = s.getKit.get(locator) as { data: Buffer } | undefined;
      return r ? toBytes(r.data) : null;
    },

    putByLocator(record: string, locator: string, data: Uint8Array, now: number): boolean {
      return db.transaction(() => {
        const holder = s.kitOwner.get(locator) as { record: string } | undefined;
        if (!locatorFree(holder?.record, record)) return false;
        s.drop.run(record);
        s.putKit.run(record, locator, toBuffer(data), now);
        return true;
      })();
    },
  };
}

export function sqliteMailboxes(db: Database.Database) {
  const s = {
    put: db.prepare('INSERT OR IGNORE INTO mailboxes (id, data, expires) VALUES (?, ?, ?)'),
    take: db.prepare('DELETE FROM mailboxes WHERE id = ? AND expires > ? RETURNING data'),
    expire: db.prepare('DELETE FROM mailboxes WHERE expires <= ?'),
    count: db.prepare('SELECT COUNT(*) AS n FROM mailboxes'),
  };

  return {
    put(id: string, data: Uint8Array, expires: number, now: number): boolean {
      s.expire.run(now);
      return s.put.run(id, toBuffer(data), expires).changes === 1;
    },

    take(id: string, now: number): Uint8Array | null {
      s.expire.run(now);
      const r = s.take.get(id, now) as { data: Buffer } | undefined;
      return r ? toBytes(r.data) : null;
    },

    count(): number {
      return (s.count.get() as { n: number }).n;
    },
  };
}
