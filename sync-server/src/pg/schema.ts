import type pg from 'pg';
import type { Logger } from '../log';
import { MIGRATIONS } from '../pg-migrations';
import { StoreError } from '../store';
import { describeUrl, failure, type PgDb } from './db';

/**
 * The PostgreSQL store's schema: the numbered {@link MIGRATIONS} (`pg-migrations.ts`) missing
 * from `backpack_schema`, applied on start under an advisory lock (instances starting together
 * apply each once), each in its own transaction. A database a newer relay migrated is refused.
 */

/** Key of the advisory lock held while migrating (any constant that no other code uses). */
const MIGRATION_LOCK = 0x6261636b; // "back"

export async function migrate(pool: pg.Pool, url: string, log: Logger | undefined): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS backpack_schema (
           version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
    const r = await client.query<{ v: number | null }>(
      'SELECT max(version) AS v FROM backpack_schema',
    );
    const current = r.rows[0]?.v ?? 0;
    if (current > MIGRATIONS.length) {
      throw new StoreError(
        `The database at ${describeUrl(url)} was migrated by a newer relay (schema ${current}); upgrade this relay.`,
      );
    }
    for (let v = current + 1; v <= MIGRATIONS.length; v++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[v - 1]!);
        await client.query('INSERT INTO backpack_schema (version) VALUES ($1)', [v]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw failure(`Migration ${v} failed`, e);
      }
      log?.info('store migrated', { event: 'migrated', version: v });
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}

/** The schema version of the database (the newest migration applied). */
export async function schemaVersion(db: PgDb): Promise<number> {
  const r = await db.q<{ v: number | null }>('SELECT max(version) AS v FROM backpack_schema');
  return r.rows[0]?.v ?? 0;
}
