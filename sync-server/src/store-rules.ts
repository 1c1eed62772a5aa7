import * as Y from 'yjs';
import {
  MANIFEST_HISTORY,
  StoreError,
  type CompactionResult,
  type DocumentBlob,
  type LogRow,
  type ShlBlob,
  type ShlInput,
  type StoredBytes,
} from './store';

/**
 * What both stores (`sqlite-store.ts`, `pg-store.ts`) decide alike, apart from SQL and
 * sync/async: converting bytes, shaping the rows they read into the values of {@link RelayStore}
 * (`store.ts`), folding a log, and the rules of manifests, recovery locators and SMART Health
 * Links that each store applies inside its own transaction. Pure functions; no database here.
 * The Web Push subscription rows are in `push-rules.ts`.
 */

// --- bytes and times ---------------------------------------------------------------------------

/** The same bytes as a `Buffer` (no copy), as the database drivers take them. */
export const toBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** The same bytes as a plain `Uint8Array` view (no copy), as the store returns them. */
export const toBytes = (buffer: Buffer): Uint8Array =>
  new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

/** A time as stored (whole Unix ms: the columns are integers). */
export const storedTime = (at: number): number => Math.round(at);

/** What every call on a closed store fails with. */
export const closedError = (): StoreError => new StoreError('The store is closed.');

// --- the envelope log --------------------------------------------------------------------------

/** A log row as the drivers read it. */
export interface DataRow {
  id: number;
  data: Buffer;
}

export const logRow = (r: DataRow): LogRow => ({ id: r.id, data: toBytes(r.data) });

/** A document's rows (by id) merged into one update, with the newest id; `null` when none. */
export function documentState(
  rows: readonly LogRow[],
): { state: Uint8Array; lastId: number } | null {
  if (rows.length === 0) return null;
  const lastId = rows[rows.length - 1]!.id;
  if (rows.length === 1) return { state: rows[0]!.data, lastId };
  return { state: Y.mergeUpdates(rows.map((r) => r.data)), lastId };
}

/** A log's rows folded into one update, in a garbage-collecting `Y.Doc`. */
export function foldRows(rows: readonly LogRow[]): Uint8Array {
  const ydoc = new Y.Doc({ gc: true });
  try {
    Y.applyUpdate(ydoc, Y.mergeUpdates(rows.map((r) => r.data)));
    return Y.encodeStateAsUpdate(ydoc);
  } finally {
    ydoc.destroy();
  }
}

/**
 * The fold of a document's log (the one row that replaces `rows`) and what it saved; `null` when
 * there is nothing to fold (fewer than two rows).
 */
export function foldLog(
  rows: readonly LogRow[],
): { state: Uint8Array; result: CompactionResult } | null {
  if (rows.length < 2) return null;
  const state = foldRows(rows);
  return {
    state,
    result: {
      rowsBefore: rows.length,
      bytesBefore: rows.reduce((n, r) => n + r.data.length, 0),
      bytesAfter: state.length,
    },
  };
}

// --- manifests ---------------------------------------------------------------------------------

export const storedBytes = (r: { version: number; data: Buffer }): StoredBytes => ({
  version: r.version,
  data: toBytes(r.data),
});

/**
 * Whether a manifest of `version` replaces the stored one (`stored`: its version, `null` when
 * none): it must be newer and, with `previous` given, the stored version must still be
 * `previous` (see {@link RelayStore.putManifest}).
 */
export function manifestReplaces(
  stored: number | null,
  version: number,
  previous: number | null | undefined,
): boolean {
  if (previous !== undefined && stored !== previous) return false;
  return stored === null || version > stored;
}

/** Kept manifests of this version or older go when `version` is stored. */
export const manifestHistoryFloor = (version: number): number => version - MANIFEST_HISTORY;

// --- recovery blobs ----------------------------------------------------------------------------

/** Whether `record` may store its blob under a locator held by `holder` (`undefined`: nobody). */
export const locatorFree = (holder: string | undefined, record: string): boolean =>
  holder === undefined || holder === record;

// --- document blobs ----------------------------------------------------------------------------

export const documentBlob = (r: {
  compartment: string;
  data: Buffer;
  at: number;
}): DocumentBlob => ({
  compartment: r.compartment,
  data: toBytes(r.data),
  at: r.at,
});

// --- SMART Health Links ------------------------------------------------------------------------

/** An `shl` row (`revoked` is 0/1 in SQLite, a boolean in PostgreSQL). */
export interface ShlRow {
  record: string;
  kind: 'manifest' | 'file';
  data: Buffer | null;
  expires: number | null;
  passcode_hash: Buffer | null;
  attempts_left: number | null;
  revoked: number | boolean;
  at: number;
}

/** The columns a link's blob sets, as the drivers take them. */
export function shlColumns(shl: ShlInput) {
  return {
    kind: shl.kind,
    data: toBuffer(shl.data),
    expires: shl.expires,
    passcodeHash: shl.passcodeHash ? toBuffer(shl.passcodeHash) : null,
    attemptsLeft: shl.attemptsLeft ?? null,
  };
}

/** Whether a stored link may be replaced by `record`'s new blob (not revoked, same record). */
export const shlReplaceable = (row: ShlRow, record: string): boolean =>
  !row.revoked && row.record === record;

/** The link's blob, or `null` when unknown, revoked, expired or out of passcode attempts. */
export function liveShl(r: ShlRow | undefined, now: number): ShlBlob | null {
  if (!r || r.revoked || r.data === null) return null;
  if (r.expires !== null && r.expires <= now) return null;
  if (r.attempts_left !== null && r.attempts_left <= 0) return null;
  return {
    record: r.record,
    kind: r.kind,
    data: toBytes(r.data),
    expires: r.expires,
    passcodeHash: r.passcode_hash ? toBytes(r.passcode_hash) : null,
    attemptsLeft: r.attempts_left,
    at: r.at,
  };
}

/**
 * The attempts left of a link whose decrement changed nothing (none left, revoked, no passcode or
 * unknown): `null` unless it has a passcode and is not revoked.
 */
export const attemptsLeftOf = (r: ShlRow | undefined): number | null =>
  r && !r.revoked && r.attempts_left !== null ? r.attempts_left : null;

// --- last seen ---------------------------------------------------------------------------------

export const seenDevice = (r: {
  device_key: Buffer;
  at: number;
}): { deviceKey: Uint8Array; at: number } => ({ deviceKey: toBytes(r.device_key), at: r.at });
