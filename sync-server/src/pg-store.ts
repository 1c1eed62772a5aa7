import { randomBytes } from 'node:crypto';
import pg from 'pg';
import * as Y from 'yjs';
import type { Logger } from './log';
import { MIGRATIONS } from './pg-migrations';
import { fromPushRow, pushRow, type PushRow } from './push-rules';
import { foldRows } from './store-rules';
import {
  MANIFEST_HISTORY,
  SHL_ACCESS_LOG_MAX,
  StoreError,
  type CompactionResult,
  type DocumentBlob,
  type LogRow,
  type PushSchedule,
  type PushSubscriptionRecord,
  type RelayStore,
  type ShlAccess,
  type ShlBlob,
  type ShlInput,
  type StoreEvents,
  type StoredBytes,
} from './store';

/**
 * The PostgreSQL store, for several relay instances on one database.
 *
 * - Outer documents are an append-only log (`updates`, a `BIGSERIAL` id per row). An append is
 *   one statement that inserts the row and calls `pg_notify` with (instance, doc, id): PostgreSQL
 *   delivers the notification only after the commit, so no instance hears of a row that is not
 *   durable, and the writer's acknowledgement waits for the same commit.
 * - Each instance holds one dedicated `LISTEN` session. A notification names rows by id: the
 *   instances load exactly those rows (ids commit out of order, so "every id above the last one
 *   seen" could skip a row that committed late). When the session is lost, the store reconnects
 *   and reports `resync`, and the relay reloads its documents (notifications are not durable).
 * - A manifest replacement is a compare-and-set on the stored version inside one transaction
 *   (`SELECT … FOR UPDATE`), and notifies the other instances after its commit.
 * - Folding a log takes a per-document advisory lock and deletes exactly the rows it folded.
 * - The schema is versioned ({@link MIGRATIONS}), applied on start under an advisory lock.
 *
 * The connection URL holds a password: it is never logged and never part of an error message.
 */

const CHANNEL = 'backpack_relay';
/**
 * Rows up to this many bytes travel inside their notification (as hex, within PostgreSQL's
 * 8000-byte payload limit): an edit's envelope is a few hundred bytes, so the other instance
 * applies it without a query. Instances of one database must run the same version: an older one
 * ignores `d` notifications (its clients then see those rows at their next load).
 */
const INLINE_MAX = 3800;
const HEX = /^(?:[0-9a-f]{2})+$/;
/** Key of the advisory lock held while migrating (any constant that no other code uses). */
const MIGRATION_LOCK = 0x6261636b; // "back"

/** BIGINT as a JavaScript number (ids and Unix ms stay far below 2^53). */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

const toBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const toBytes = (buffer: Buffer): Uint8Array =>
  new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

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
function failure(what: string, e: unknown): StoreError {
  const code = (e as { code?: unknown }).code;
  return new StoreError(`${what} (${typeof code === 'string' ? code : 'no code'})`);
}

export interface PgStoreOptions {
  readonly log?: Logger;
  /** Pool size (default 16). */
  readonly max?: number;
  /** Listen for other instances (default true). */
  readonly listen?: boolean;
}

interface ShlRow {
  record: string;
  kind: 'manifest' | 'file';
  data: Buffer | null;
  expires: number | null;
  passcode_hash: Buffer | null;
  attempts_left: number | null;
  revoked: boolean;
  at: number;
}

export class PgStore implements RelayStore {
  readonly kind = 'postgres' as const;
  /** This instance, in notifications (its own are ignored). */
  readonly instance = randomBytes(6).toString('hex');
  private closed = false;
  private readonly watchers = new Set<StoreEvents>();
  private listener: pg.Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Notified ids per document, applied together on the next turn of the event loop. */
  private batch = new Map<
    string,
    { ids: number[]; sentAt: number; data: Map<number, Uint8Array> }
  >();
  private batchScheduled = false;

  private constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
    private readonly log: Logger | undefined,
  ) {}

  /** Connects, applies the missing migrations and starts listening. */
  static async open(url: string, opts: PgStoreOptions = {}): Promise<PgStore> {
    const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 16, types });
    // An idle client's error (the server went away) must not crash the process.
    pool.on('error', () => undefined);
    const store = new PgStore(url, pool, opts.log);
    try {
      await store.migrate();
      if (opts.listen !== false) await store.connectListener();
    } catch (e) {
      await pool.end().catch(() => undefined);
      if (e instanceof StoreError) throw e;
      throw failure(`Cannot open the PostgreSQL store at ${describeUrl(url)}`, e);
    }
    return store;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
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
          `The database at ${describeUrl(this.url)} was migrated by a newer relay (schema ${current}); upgrade this relay.`,
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
        this.log?.info('store migrated', { event: 'migrated', version: v });
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      client.release();
    }
  }

  /** The schema version of the database (for tests and operators). */
  async schemaVersion(): Promise<number> {
    const r = await this.q<{ v: number | null }>('SELECT max(version) AS v FROM backpack_schema');
    return r.rows[0]?.v ?? 0;
  }

  // --- notifications -------------------------------------------------------------------------

  private async connectListener(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, types });
    client.on('error', () => this.listenerLost(client));
    client.on('end', () => this.listenerLost(client));
    client.on('notification', (n) => this.onNotification(n.payload ?? ''));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  private listenerLost(client: pg.Client): void {
    if (this.listener !== client) return;
    this.listener = null;
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.log?.warn('lost the notification session; reconnecting', { event: 'listen-lost' });
    const retry = (delay: number) => {
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        if (this.closed) return;
        this.connectListener().then(
          () => {
            this.log?.info('notification session back', { event: 'listen-back' });
            for (const w of this.watchers) w.resync();
          },
          () => retry(Math.min(delay * 2, 5000)),
        );
      }, delay);
      this.reconnectTimer.unref();
    };
    retry(100);
  }

  /**
   * `u|instance|id|sentAt|doc`, `d|instance|id|sentAt|hex|doc` (a small row's bytes inline, so
   * the other instance needs no query for it) or `m|instance|version|record`.
   */
  private onNotification(payload: string): void {
    const [kind, instance, num, ...rest] = payload.split('|');
    if (instance === this.instance || num === undefined) return;
    const inline = kind === 'd';
    if ((kind === 'u' && rest.length >= 2) || (inline && rest.length >= 3)) {
      const [sentAt, ...more] = rest;
      const hex = inline ? more.shift()! : '';
      const doc = more.join('|');
      const id = Number(num);
      if (!Number.isSafeInteger(id)) return;
      // Bytes that do not decode are fetched by id instead.
      const data = inline && HEX.test(hex) ? toBytes(Buffer.from(hex, 'hex')) : undefined;
      const entry = this.batch.get(doc) ?? {
        ids: [] as number[],
        sentAt: Number(sentAt),
        data: new Map<number, Uint8Array>(),
      };
      entry.ids.push(id);
      if (data) entry.data.set(id, data);
      this.batch.set(doc, entry);
      if (!this.batchScheduled) {
        this.batchScheduled = true;
        setImmediate(() => this.flushBatch());
      }
    } else if (kind === 'm' && rest.length >= 1) {
      const version = Number(num);
      if (!Number.isSafeInteger(version)) return;
      const record = rest.join('|');
      for (const w of this.watchers) w.manifest(record, version);
    }
  }

  private flushBatch(): void {
    this.batchScheduled = false;
    const batch = this.batch;
    this.batch = new Map();
    for (const [doc, { ids, sentAt, data }] of batch) {
      for (const w of this.watchers) w.updates(doc, ids, sentAt, data);
    }
  }

  watch(events: StoreEvents): () => void {
    this.watchers.add(events);
    return () => this.watchers.delete(events);
  }

  private q<R extends pg.QueryResultRow>(text: string, values?: unknown[]) {
    if (this.closed) return Promise.reject(new StoreError('The store is closed.'));
    return this.pool.query<R>(text, values);
  }

  private async tx<T>(f: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreError('The store is closed.');
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

  // --- documents ---------------------------------------------------------------------------

  /**
   * Appends are committed in groups: every append that arrives while a group is being written
   * waits for the next one, which is one multi-row INSERT (one commit, one WAL flush) whose
   * `pg_notify` calls are delivered after that commit. Each promise resolves after its commit.
   */
  appendUpdate(doc: string, update: Uint8Array): Promise<number> {
    if (this.closed) return Promise.reject(new StoreError('The store is closed.'));
    return new Promise((resolve, reject) => {
      this.appends.push({ doc, data: toBuffer(update), resolve, reject });
      this.kickAppends();
    });
  }

  private readonly appends: Array<{
    doc: string;
    data: Buffer;
    resolve: (id: number) => void;
    reject: (e: unknown) => void;
  }> = [];
  private appending = false;

  private kickAppends(): void {
    if (this.appending || this.appends.length === 0) return;
    this.appending = true;
    setImmediate(() => void this.flushAppends());
  }

  private async flushAppends(): Promise<void> {
    const batch = this.appends.splice(0, 1000);
    try {
      const r = await this.pool.query<{ id: number; doc: string }>(
        `WITH row AS (
           INSERT INTO updates (doc, data)
           SELECT * FROM unnest($1::text[], $2::bytea[])
           RETURNING id, doc,
             CASE WHEN octet_length(data) <= ${INLINE_MAX} THEN encode(data, 'hex') END AS hex)
         SELECT id, doc, pg_notify($3,
           CASE WHEN hex IS NULL THEN 'u|' || $4 || '|' || id || '|' || $5 || '|' || doc
                ELSE 'd|' || $4 || '|' || id || '|' || $5 || '|' || hex || '|' || doc END)
         FROM row ORDER BY id`,
        [
          batch.map((a) => a.doc),
          batch.map((a) => a.data),
          CHANNEL,
          this.instance,
          String(Date.now()),
        ],
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
      this.appending = false;
      this.kickAppends();
    }
  }

  private async rows(doc: string, c: pg.ClientBase | pg.Pool = this.pool): Promise<LogRow[]> {
    if (this.closed) throw new StoreError('The store is closed.');
    const r = await c.query<{ id: number; data: Buffer }>(
      'SELECT id, data FROM updates WHERE doc = $1 ORDER BY id',
      [doc],
    );
    return r.rows.map((x) => ({ id: x.id, data: toBytes(x.data) }));
  }

  async loadDocument(doc: string): Promise<Uint8Array | null> {
    return (await this.loadDocumentAt(doc))?.state ?? null;
  }

  async loadDocumentAt(doc: string): Promise<{ state: Uint8Array; lastId: number } | null> {
    const rows = await this.rows(doc);
    if (rows.length === 0) return null;
    const lastId = rows[rows.length - 1]!.id;
    if (rows.length === 1) return { state: rows[0]!.data, lastId };
    return { state: Y.mergeUpdates(rows.map((r) => r.data)), lastId };
  }

  async updatesById(doc: string, ids: readonly number[]): Promise<LogRow[]> {
    const r = await this.q<{ id: number; data: Buffer }>(
      'SELECT id, data FROM updates WHERE doc = $1 AND id = ANY($2::bigint[]) ORDER BY id',
      [doc, [...new Set(ids)]],
    );
    return r.rows.map((x) => ({ id: x.id, data: toBytes(x.data) }));
  }

  async updatesAfter(doc: string, after: number): Promise<LogRow[]> {
    const r = await this.q<{ id: number; data: Buffer }>(
      'SELECT id, data FROM updates WHERE doc = $1 AND id > $2 ORDER BY id',
      [doc, after],
    );
    return r.rows.map((x) => ({ id: x.id, data: toBytes(x.data) }));
  }

  async updateCount(doc: string): Promise<number> {
    const r = await this.q<{ n: number }>('SELECT count(*)::int AS n FROM updates WHERE doc = $1', [
      doc,
    ]);
    return r.rows[0]!.n;
  }

  async compactDocument(doc: string): Promise<CompactionResult | null> {
    return this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [doc]);
      const rows = await this.rows(doc, c);
      if (rows.length < 2) return null;
      const state = foldRows(rows);
      await c.query('DELETE FROM updates WHERE doc = $1 AND id = ANY($2::bigint[])', [
        doc,
        rows.map((r) => r.id),
      ]);
      await c.query('INSERT INTO updates (doc, data) VALUES ($1, $2)', [doc, toBuffer(state)]);
      return {
        rowsBefore: rows.length,
        bytesBefore: rows.reduce((n, r) => n + r.data.length, 0),
        bytesAfter: state.length,
      };
    });
  }

  async totals(): Promise<{ updates: number; docs: number; bytes: number }> {
    const r = await this.q<{ n: number; docs: number; bytes: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT doc)::int AS docs,
              COALESCE(sum(length(data)), 0)::bigint AS bytes FROM updates`,
    );
    const x = r.rows[0]!;
    return { updates: x.n, docs: x.docs, bytes: x.bytes };
  }

  // --- manifests -----------------------------------------------------------------------------

  async getManifest(record: string): Promise<StoredBytes | null> {
    const r = await this.q<{ version: number; data: Buffer }>(
      'SELECT version, data FROM manifests WHERE record = $1',
      [record],
    );
    const x = r.rows[0];
    return x ? { version: x.version, data: toBytes(x.data) } : null;
  }

  async putManifest(
    record: string,
    version: number,
    data: Uint8Array,
    now = Date.now(),
    previous?: number | null,
  ): Promise<boolean> {
    return this.tx(async (c) => {
      const cur = await c.query<{ version: number }>(
        'SELECT version FROM manifests WHERE record = $1 FOR UPDATE',
        [record],
      );
      const stored = cur.rows[0]?.version ?? null;
      if (previous !== undefined && stored !== previous) return false;
      if (stored !== null && version <= stored) return false;
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
        version - MANIFEST_HISTORY,
      ]);
      await c.query(`SELECT pg_notify($1, 'm|' || $2 || '|' || $3 || '|' || $4)`, [
        CHANNEL,
        this.instance,
        String(version),
        record,
      ]);
      return true;
    });
  }

  async manifestsAfter(
    record: string,
    version: number,
    limit = MANIFEST_HISTORY,
  ): Promise<Uint8Array[]> {
    const r = await this.q<{ data: Buffer }>(
      `SELECT data FROM manifest_history WHERE record = $1 AND version > $2
       ORDER BY version LIMIT $3`,
      [record, version, limit],
    );
    return r.rows.map((x) => toBytes(x.data));
  }

  // --- recovery blobs ------------------------------------------------------------------------

  async getRecovery(record: string): Promise<Uint8Array | null> {
    const r = await this.q<{ data: Buffer }>('SELECT data FROM recovery WHERE record = $1', [
      record,
    ]);
    return r.rows[0] ? toBytes(r.rows[0].data) : null;
  }

  async putRecovery(record: string, data: Uint8Array, now = Date.now()): Promise<void> {
    await this.tx(async (c) => {
      await c.query('DELETE FROM recovery_kits WHERE record = $1', [record]);
      await c.query(
        `INSERT INTO recovery (record, data, at) VALUES ($1, $2, $3)
         ON CONFLICT (record) DO UPDATE SET data = excluded.data, at = excluded.at`,
        [record, toBuffer(data), now],
      );
    });
  }

  async getRecoveryByLocator(locator: string): Promise<Uint8Array | null> {
    const r = await this.q<{ data: Buffer }>('SELECT data FROM recovery_kits WHERE locator = $1', [
      locator,
    ]);
    return r.rows[0] ? toBytes(r.rows[0].data) : null;
  }

  async putRecoveryByLocator(
    record: string,
    locator: string,
    data: Uint8Array,
    now = Date.now(),
  ): Promise<boolean> {
    try {
      return await this.tx(async (c) => {
        const holder = await c.query<{ record: string }>(
          'SELECT record FROM recovery_kits WHERE locator = $1 FOR UPDATE',
          [locator],
        );
        if (holder.rows[0] && holder.rows[0].record !== record) return false;
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
  }

  // --- link mailboxes ------------------------------------------------------------------------

  async putMailbox(
    id: string,
    data: Uint8Array,
    expires: number,
    now = Date.now(),
  ): Promise<boolean> {
    await this.q('DELETE FROM mailboxes WHERE expires <= $1', [now]);
    const r = await this.q(
      'INSERT INTO mailboxes (id, data, expires) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING',
      [id, toBuffer(data), expires],
    );
    return r.rowCount === 1;
  }

  async takeMailbox(id: string, now = Date.now()): Promise<Uint8Array | null> {
    await this.q('DELETE FROM mailboxes WHERE expires <= $1', [now]);
    const r = await this.q<{ data: Buffer }>(
      'DELETE FROM mailboxes WHERE id = $1 AND expires > $2 RETURNING data',
      [id, now],
    );
    return r.rows[0] ? toBytes(r.rows[0].data) : null;
  }

  async mailboxCount(): Promise<number> {
    const r = await this.q<{ n: number }>('SELECT count(*)::int AS n FROM mailboxes');
    return r.rows[0]!.n;
  }

  // --- document blobs ------------------------------------------------------------------------

  async putBlob(
    record: string,
    blobId: string,
    compartment: string,
    data: Uint8Array,
    now = Date.now(),
  ): Promise<boolean> {
    const r = await this.q(
      `INSERT INTO blobs (record, blob_id, compartment, data, at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (record, blob_id) DO NOTHING`,
      [record, blobId, compartment, toBuffer(data), now],
    );
    return r.rowCount === 1;
  }

  async getBlob(record: string, blobId: string): Promise<DocumentBlob | null> {
    const r = await this.q<{ compartment: string; data: Buffer; at: number }>(
      'SELECT compartment, data, at FROM blobs WHERE record = $1 AND blob_id = $2',
      [record, blobId],
    );
    const x = r.rows[0];
    return x ? { compartment: x.compartment, data: toBytes(x.data), at: x.at } : null;
  }

  async deleteBlob(record: string, blobId: string): Promise<boolean> {
    const r = await this.q('DELETE FROM blobs WHERE record = $1 AND blob_id = $2', [
      record,
      blobId,
    ]);
    return r.rowCount === 1;
  }

  async blobUsage(record: string): Promise<number> {
    const r = await this.q<{ bytes: number }>(
      'SELECT COALESCE(sum(length(data)), 0)::bigint AS bytes FROM blobs WHERE record = $1',
      [record],
    );
    return r.rows[0]!.bytes;
  }

  // --- SMART Health Links --------------------------------------------------------------------

  async putShl(id: string, shl: ShlInput, now = Date.now()): Promise<boolean> {
    const hash = shl.passcodeHash ? toBuffer(shl.passcodeHash) : null;
    return this.tx(async (c) => {
      const ins = await c.query(
        `INSERT INTO shl (id, record, kind, data, expires, passcode_hash, attempts_left, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
        [
          id,
          shl.record,
          shl.kind,
          toBuffer(shl.data),
          shl.expires,
          hash,
          shl.attemptsLeft ?? null,
          now,
        ],
      );
      if (ins.rowCount === 1) return true;
      const upd = await c.query(
        `UPDATE shl SET kind = $3, data = $4, expires = $5, passcode_hash = $6, at = $7
         WHERE id = $1 AND record = $2 AND NOT revoked`,
        [id, shl.record, shl.kind, toBuffer(shl.data), shl.expires, hash, now],
      );
      return upd.rowCount === 1;
    });
  }

  async getShl(id: string, now = Date.now()): Promise<ShlBlob | null> {
    const r = await this.q<ShlRow>('SELECT * FROM shl WHERE id = $1', [id]);
    const x = r.rows[0];
    if (!x || x.revoked || x.data === null) return null;
    if (x.expires !== null && x.expires <= now) return null;
    if (x.attempts_left !== null && x.attempts_left <= 0) return null;
    return {
      record: x.record,
      kind: x.kind,
      data: toBytes(x.data),
      expires: x.expires,
      passcodeHash: x.passcode_hash ? toBytes(x.passcode_hash) : null,
      attemptsLeft: x.attempts_left,
      at: x.at,
    };
  }

  async recordShlAccess(id: string, recipient: string, at: number): Promise<void> {
    await this.tx(async (c) => {
      await c.query('INSERT INTO shl_access (id, recipient, at) VALUES ($1, $2, $3)', [
        id,
        recipient,
        Math.round(at),
      ]);
      await c.query(
        `DELETE FROM shl_access WHERE id = $1 AND n <= (
           SELECT n FROM shl_access WHERE id = $1 ORDER BY n DESC LIMIT 1 OFFSET $2)`,
        [id, SHL_ACCESS_LOG_MAX],
      );
    });
  }

  async shlAccessLog(id: string): Promise<ShlAccess[]> {
    const r = await this.q<ShlAccess>(
      'SELECT recipient, at FROM shl_access WHERE id = $1 ORDER BY n DESC',
      [id],
    );
    return r.rows.map((x) => ({ recipient: x.recipient, at: x.at }));
  }

  async decrementShlAttempts(id: string): Promise<number | null> {
    const r = await this.q<{ attempts_left: number }>(
      `UPDATE shl SET attempts_left = attempts_left - 1
       WHERE id = $1 AND NOT revoked AND attempts_left IS NOT NULL AND attempts_left > 0
       RETURNING attempts_left`,
      [id],
    );
    if (r.rows[0]) return r.rows[0].attempts_left;
    const row = await this.q<ShlRow>('SELECT * FROM shl WHERE id = $1', [id]);
    const x = row.rows[0];
    return x && !x.revoked && x.attempts_left !== null ? x.attempts_left : null;
  }

  async revokeShl(id: string): Promise<boolean> {
    const r = await this.q(
      'UPDATE shl SET revoked = true, data = NULL, passcode_hash = NULL WHERE id = $1',
      [id],
    );
    return r.rowCount === 1;
  }

  // --- Web Push reminders -------------------------------------------------------------------

  async putPushSubscription(sub: PushSubscriptionRecord): Promise<void> {
    await this.q(
      `INSERT INTO push_subscriptions (record, device_key, endpoint, p256dh, auth, kinds,
         check_in_minute, check_in_at, due_at, next_at, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (record, device_key) DO UPDATE SET endpoint = excluded.endpoint,
         p256dh = excluded.p256dh, auth = excluded.auth, kinds = excluded.kinds,
         check_in_minute = excluded.check_in_minute, check_in_at = excluded.check_in_at,
         due_at = excluded.due_at, next_at = excluded.next_at, at = excluded.at`,
      [...pushRow(sub)],
    );
  }

  async getPushSubscription(
    record: string,
    deviceKey: Uint8Array,
  ): Promise<PushSubscriptionRecord | null> {
    const r = await this.q<PushRow>(
      'SELECT * FROM push_subscriptions WHERE record = $1 AND device_key = $2',
      [record, toBuffer(deviceKey)],
    );
    return r.rows[0] ? fromPushRow(r.rows[0]) : null;
  }

  async pushSubscriptions(record: string): Promise<PushSubscriptionRecord[]> {
    const r = await this.q<PushRow>(
      'SELECT * FROM push_subscriptions WHERE record = $1 ORDER BY device_key',
      [record],
    );
    return r.rows.map(fromPushRow);
  }

  async deletePushSubscription(record: string, deviceKey: Uint8Array): Promise<boolean> {
    const r = await this.q('DELETE FROM push_subscriptions WHERE record = $1 AND device_key = $2', [
      record,
      toBuffer(deviceKey),
    ]);
    return r.rowCount === 1;
  }

  async duePushSubscriptions(now: number, limit: number): Promise<PushSubscriptionRecord[]> {
    const r = await this.q<PushRow>(
      `SELECT * FROM push_subscriptions WHERE next_at IS NOT NULL AND next_at <= $1
       ORDER BY next_at LIMIT $2`,
      [now, limit],
    );
    return r.rows.map(fromPushRow);
  }

  async claimPushSchedule(
    record: string,
    deviceKey: Uint8Array,
    expectedNextAt: number,
    next: PushSchedule,
  ): Promise<boolean> {
    const r = await this.q(
      `UPDATE push_subscriptions SET check_in_at = $1, due_at = $2, next_at = $3
       WHERE record = $4 AND device_key = $5 AND next_at = $6`,
      [
        next.checkInAt,
        JSON.stringify(next.dueAt),
        next.nextAt,
        record,
        toBuffer(deviceKey),
        expectedNextAt,
      ],
    );
    return r.rowCount === 1;
  }

  async pushKey(candidate: Uint8Array): Promise<Uint8Array> {
    const r = await this.q<{ data: Buffer }>(
      `WITH ins AS (INSERT INTO push_key (id, data) VALUES (1, $1) ON CONFLICT (id) DO NOTHING
         RETURNING data)
       SELECT data FROM ins UNION ALL SELECT data FROM push_key WHERE id = 1 LIMIT 1`,
      [toBuffer(candidate)],
    );
    return toBytes(r.rows[0]!.data);
  }

  // --- last seen -----------------------------------------------------------------------------

  async markSeen(recordId: string, deviceKey: Uint8Array, at: number): Promise<void> {
    await this.q(
      `INSERT INTO seen (record_id, device_key, at) VALUES ($1, $2, $3)
       ON CONFLICT (record_id, device_key) DO UPDATE SET at = excluded.at
       WHERE excluded.at > seen.at`,
      [recordId, toBuffer(deviceKey), Math.round(at)],
    );
  }

  async lastSeen(recordId: string): Promise<Array<{ deviceKey: Uint8Array; at: number }>> {
    const r = await this.q<{ device_key: Buffer; at: number }>(
      'SELECT device_key, at FROM seen WHERE record_id = $1 ORDER BY at DESC, device_key',
      [recordId],
    );
    return r.rows.map((x) => ({ deviceKey: toBytes(x.device_key), at: x.at }));
  }

  // --- lifecycle -----------------------------------------------------------------------------

  get isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
    await this.pool.end();
  }
}
