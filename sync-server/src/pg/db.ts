import pg from 'pg';
import { StoreError } from '../store';
import { closedError } from '../store-rules';

/**
 * The PostgreSQL store's connections: the pool (BIGINT read as a number), one statement or one
 * transaction on it, refused once the store is closed, and error messages that name what failed
 * but never the data or the connection URL (which holds a password).
 */

/** BIGINT as a JavaScript number (ids and Unix ms stay far below 2^53). */
export const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Where the database is, without user or password (for messages). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured database';
  }
}

/** A message about a database error that says what failed, never the data or the URL. */
export function failure(what: string, e: unknown): StoreError {
  const code = (e as { code?: unknown }).code;
  return new StoreError(`${what} (${typeof code === 'string' ? code : 'no code'})`);
}

/** The pool, with the store's closed state: what every concept of the store queries through. */
export class PgDb {
  closed = false;

  constructor(readonly pool: pg.Pool) {}

  /** One statement on the pool. */
  q<R extends pg.QueryResultRow>(text: string, values?: unknown[]) {
    if (this.closed) return Promise.reject(closedError());
    return this.pool.query<R>(text, values);
  }

  /** `f` in one transaction on one connection: committed when it returns, rolled back if it throws. */
  async tx<T>(f: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.closed) throw closedError();
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await f(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }
}
