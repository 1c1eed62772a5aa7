import type { IncomingMessage } from 'node:http';
import { Hocuspocus, type Connection, type Document } from '@hocuspocus/server';
import * as decoding from 'lib0/decoding';
import type WebSocket from 'ws';
import * as Y from 'yjs';
import {
  manifestNotice,
  bytesEqual,
  isProtocolError,
  parseDocumentName,
  toHex,
} from '../../src/lib/core/sync/protocol';
import { AuthError, type Authorizer, type Grant } from './auth';
import { MessageType, SocketGate, type GateLimits } from './gate';
import type { Logger } from './log';
import type { Metrics } from './metrics';
import { checkUpdate, isRefusal } from './policy';
import type { Store } from './store';

/**
 * The Hocuspocus relay: it stores and forwards outer documents (envelopes, ciphertext only) and
 * enforces what it can without reading them. See `gate.ts` (every frame), `policy.ts` (every
 * update) and `auth.ts` (every connection).
 *
 * ## Durability: an acknowledged update is on disk
 *
 * The provider counts its unacknowledged changes (`unsyncedChanges`) and decrements the count
 * when the relay answers a sync message with SyncStatus(applied = true). In Hocuspocus 3.4
 * (`Connection.handleMessage`, `MessageReceiver.readSyncMessage`) one incoming message goes:
 *
 * 1. `beforeHandleMessage` hook (awaited; a throw closes the document connection, nothing is
 *    applied or acknowledged). We refuse updates that break the policy here.
 * 2. `readSyncStep2` / `readUpdate` → `Y.applyUpdate(document, update, connection)`. Inside that
 *    call, synchronously, Yjs ends the transaction and emits the document's events in order:
 *    `afterTransaction`, then `update`. The `update` listeners run in registration order:
 *    Hocuspocus' own (`Document` constructor) broadcasts the update to the other connections,
 *    then ours (registered in `afterLoadDocument`, before any connection exists) appends it to
 *    SQLite with better-sqlite3, synchronously, `synchronous = FULL`: the WAL is fsynced before
 *    `appendUpdate` returns.
 * 3. Only after `Y.applyUpdate` returns does `readSyncMessage` send SyncStatus(true).
 *
 * So the acknowledgement is written to the socket after the row is durable. If the append fails,
 * a throw would not help: y-protocols' `readSyncStep2` catches exceptions of update listeners,
 * logs them, and Hocuspocus then acknowledges. Instead the listener closes the writer's WebSocket
 * (the transaction origin is its Hocuspocus `Connection`): `ws.close()` sets `readyState` to
 * CLOSING synchronously, and `Connection.send` sends nothing on a closing socket, so no
 * acknowledgement leaves. The document then refuses every message and is closed, so that it is
 * reloaded from disk (its memory held a change the disk does not: acknowledging a repeat of that
 * change to anyone would be wrong). Content that Yjs cannot integrate yet (missing dependencies) emits no `update`; it
 * sits in `doc.store.pendingStructs` / `pendingDs`, which our `afterTransaction` listener
 * persists in the same synchronous window. An update the document already contains emits
 * nothing and is acknowledged: it is already on disk, since everything the document holds came
 * from disk or through these listeners. Read-only connections are never applied (Hocuspocus
 * acknowledges them with `false`, or `true` only when the document already contains the update).
 *
 * Persisting after the broadcast keeps the fsync out of the path to the other clients; the
 * acknowledgement to the writer waits for it.
 */

export type RelayLimits = GateLimits;

export interface RelayDeps {
  readonly store: Store;
  readonly authorizer: Authorizer;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly limits: RelayLimits;
  readonly now?: () => number;
  /** Fold a document's log when it has more rows than this (on Hocuspocus' debounced store). */
  readonly compactAfterRows?: number;
}

interface SocketContext {
  readonly gate: SocketGate;
  grant?: Grant;
}

/** A refusal Hocuspocus passes on: `reason` goes to the client. No message, so it logs nothing. */
class Refusal extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super('');
    this.stack = `Refusal ${code}: ${reason}`;
  }
}

const SYNC_STEP_2 = 1;
const SYNC_UPDATE = 2;

const shortKey = (key: Uint8Array) => toHex(key).slice(0, 8);

/** At most one "last seen" write per (record, device) in this window: a reconnect storm or a
 * socket with many documents costs one fsync, and owners see the time to within a minute. */
const SEEN_WRITE_INTERVAL_MS = 60_000;

export class Relay {
  readonly hocuspocus: Hocuspocus;
  private readonly sockets = new Set<WebSocket>();
  private readonly now: () => number;
  private readonly compactAfterRows: number;
  private expiryTimer: NodeJS.Timeout | null = null;
  private expiryAt = Infinity;
  private closing = false;
  /** Documents whose memory holds a change the disk does not (a failed append). */
  private readonly poisoned = new WeakSet<Document>();
  /** `${recordId}:${deviceHex}` → when its "last seen" was last written, oldest first. */
  private readonly seenWrites = new Map<string, number>();

  constructor(private readonly deps: RelayDeps) {
    this.now = deps.now ?? Date.now;
    this.compactAfterRows = deps.compactAfterRows ?? 64;
    const { store, log, metrics, authorizer } = deps;

    this.hocuspocus = new Hocuspocus({
      quiet: true,
      // onStoreDocument only folds the log (every update is already on disk, see above).
      debounce: 2000,
      maxDebounce: 10000,
      // Pings every 30 s; a socket that does not answer is closed.
      timeout: 30000,

      onAuthenticate: async ({ token, documentName, connectionConfig, context }) => {
        const ctx = context as SocketContext;
        let grant: Grant;
        try {
          grant = await authorizer.authenticate(token, documentName);
        } catch (e) {
          const code = e instanceof AuthError ? e.code : 'auth-failed';
          ctx.gate.denied(documentName);
          metrics.authRefused++;
          // The name comes from the client: log it only when it is a well-formed id pair.
          const doc = isProtocolError(parseDocumentName(documentName)) ? 'invalid' : documentName;
          log.warn('authentication refused', { event: 'auth-refused', code, doc });
          throw new Refusal(4401, code);
        }
        connectionConfig.readOnly = grant.readOnly;
        ctx.gate.authenticated(documentName);
        metrics.authAccepted++;
        this.scheduleExpiry(grant.notAfter);
        this.markSeen(grant);
        log.info('connection authorised', {
          event: 'auth',
          doc: documentName,
          device: shortKey(grant.deviceKey),
          role: grant.role,
        });
        return { grant };
      },

      beforeHandleMessage: async ({ connection, update, document, documentName }) => {
        const refusal = this.inspect(connection, document, update);
        if (refusal) {
          metrics.messagesRefused++;
          log.warn('update refused', {
            event: 'refused',
            reason: refusal.reason,
            doc: documentName,
            bytes: update.length,
          });
          throw refusal;
        }
      },

      onLoadDocument: async ({ documentName, document }) => {
        const state = store.loadDocument(documentName);
        if (state) Y.applyUpdate(document, state);
        return document;
      },

      afterLoadDocument: async ({ documentName, document }) => {
        this.persistChanges(documentName, document);
      },

      onStoreDocument: async ({ documentName, document }) => {
        if (store.isClosed) return;
        try {
          const rows = store.updateCount(documentName);
          const idle = document.getConnectionsCount() === 0;
          if (rows > this.compactAfterRows || (idle && rows > 1)) {
            const r = store.compactDocument(documentName);
            if (r) {
              metrics.compactions++;
              log.info('document log folded', {
                event: 'compacted',
                doc: documentName,
                count: r.rowsBefore,
                bytes: r.bytesAfter,
              });
            }
          }
        } catch {
          log.error('folding a document log failed', {
            event: 'compact-failed',
            doc: documentName,
          });
        }
      },

      onDisconnect: async ({ context, documentName }) => {
        const ctx = context as Partial<SocketContext>;
        ctx.gate?.closed(documentName);
        if (ctx.grant) this.markSeen(ctx.grant);
      },
    });
  }

  /** Stores when a grantee's device was last connected (throttled, see above). Never throws. */
  private markSeen(grant: Grant): void {
    const { store, log } = this.deps;
    const now = this.now();
    const key = `${grant.recordId}:${toHex(grant.deviceKey)}`;
    const last = this.seenWrites.get(key);
    if (last !== undefined && now - last < SEEN_WRITE_INTERVAL_MS) return;
    // Re-inserted so the map stays ordered by write time: stale entries are dropped from the
    // front, and the map holds only the pairs written within the window.
    this.seenWrites.delete(key);
    this.seenWrites.set(key, now);
    for (const [k, t] of this.seenWrites) {
      if (now - t < SEEN_WRITE_INTERVAL_MS) break;
      this.seenWrites.delete(k);
    }
    if (store.isClosed) return;
    try {
      store.markSeen(grant.recordId, grant.deviceKey, now);
    } catch {
      // Only informative: the connection goes on.
      log.warn('storing last seen failed', { event: 'seen-failed', record: grant.recordId });
    }
  }

  /** Checks one incoming message of an authenticated connection; a refusal, or null to go on. */
  private inspect(connection: Connection, document: Document, data: Uint8Array): Refusal | null {
    const grant = (connection.context as SocketContext).grant;
    if (!grant) return new Refusal(4401, 'not-authenticated');
    if (this.poisoned.has(document)) return new Refusal(4503, 'relay-storage-failed');
    let update: Uint8Array;
    try {
      const d = decoding.createDecoder(data);
      decoding.readVarString(d);
      const type = decoding.readVarUint(d);
      if (type !== MessageType.Sync && type !== MessageType.SyncReply) return null;
      const step = decoding.readVarUint(d);
      if (step !== SYNC_STEP_2 && step !== SYNC_UPDATE) return null;
      update = decoding.readVarUint8Array(d);
    } catch {
      return new Refusal(4400, 'malformed-message');
    }
    // Hocuspocus applies nothing from read-only connections.
    if (connection.readOnly) return null;
    const verdict = checkUpdate(update, {
      docId: grant.docId,
      deviceKey: grant.deviceKey,
      role: grant.role,
      doc: document,
      isWriter: (author) => this.deps.authorizer.isWriter(grant.recordId, grant.docId, author),
    });
    return isRefusal(verdict) ? new Refusal(4403, verdict.reason) : null;
  }

  /** Appends every change of a loaded document to the store before it is acknowledged. */
  private persistChanges(documentName: string, document: Document): void {
    const { store, metrics, log } = this.deps;
    let lastPendingStructs: Uint8Array | null = null;
    let lastPendingDs: Uint8Array | null = null;
    const append = (update: Uint8Array, origin: unknown): void => {
      if (this.poisoned.has(document)) return this.refuseAck(origin);
      try {
        store.appendUpdate(documentName, update);
      } catch {
        log.error('storing an update failed; the document reloads from disk', {
          event: 'store-failed',
          doc: documentName,
          bytes: update.length,
        });
        // The document in memory now holds a change the disk does not. y-protocols catches
        // exceptions of update listeners (and Hocuspocus would then acknowledge), so instead:
        // close the writer's socket now, before the acknowledgement is sent; refuse every
        // further message on this document; close its connections, so Hocuspocus unloads it
        // and the next connection loads it from disk again.
        this.poisoned.add(document);
        this.refuseAck(origin);
        setImmediate(() => this.hocuspocus.closeConnections(documentName));
        return;
      }
      metrics.updatesStored++;
      metrics.updateBytesStored += update.length;
    };
    document.on('afterTransaction', (tr: Y.Transaction) => {
      const structs = document.store.pendingStructs?.update ?? null;
      if (structs && structs !== lastPendingStructs) {
        append(Y.convertUpdateFormatV2ToV1(structs), tr.origin);
        lastPendingStructs = structs;
      }
      const ds = document.store.pendingDs;
      if (ds && !(lastPendingDs && bytesEqual(ds, lastPendingDs))) {
        append(Y.convertUpdateFormatV2ToV1(ds), tr.origin);
        lastPendingDs = ds;
      }
    });
    document.on('update', (update: Uint8Array, origin: unknown) => append(update, origin));
  }

  /**
   * Makes sure the writer of a change that is not on disk gets no acknowledgement: closing its
   * WebSocket sets `readyState` to CLOSING at once, and Hocuspocus' `Connection.send` sends
   * nothing on a closing socket.
   */
  private refuseAck(origin: unknown): void {
    const ws = (origin as Partial<Connection> | null)?.webSocket;
    if (ws && ws.readyState === ws.OPEN) ws.close(4503, 'relay-storage-failed');
  }

  /** Takes a new WebSocket (already upgraded on `/sync`) and hands it to Hocuspocus. */
  handleSocket(ws: WebSocket, request: IncomingMessage): void {
    const { log, metrics, limits } = this.deps;
    const gate = new SocketGate(limits, this.now());
    const passed = new WeakSet<object>();
    this.sockets.add(ws);
    metrics.socketsOpened++;
    ws.once('close', () => this.sockets.delete(ws));
    ws.on('error', () => {
      log.warn('socket error', { event: 'socket-error' });
      ws.terminate();
    });
    // Every frame passes the gate before Hocuspocus' listener sees it. Hocuspocus re-emits the
    // messages it queued during authentication: those passed already.
    const emit = ws.emit.bind(ws);
    ws.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
      if (event === 'message') {
        const [data, isBinary] = args;
        if (!(typeof data === 'object' && data !== null && passed.has(data))) {
          const verdict = gate.inspect(data, isBinary === true, this.now());
          if (verdict.action === 'drop') {
            metrics.messagesDropped++;
            return false;
          }
          if (verdict.action === 'close') {
            log.warn('socket closed', {
              event: 'socket-closed',
              code: verdict.code,
              reason: verdict.reason,
            });
            ws.close(verdict.code, verdict.reason);
            return false;
          }
          passed.add(data as object);
        }
      }
      return emit(event, ...args);
    }) as typeof ws.emit;
    const context: SocketContext = { gate };
    this.hocuspocus.handleConnection(ws, request, context);
  }

  get socketCount(): number {
    return this.sockets.size;
  }

  /**
   * Closes every document connection whose grant vanished, expired or changed role (of one
   * record, or all), and re-arms the `notAfter` timer. With `version`, the record's other
   * connections are told of the new manifest. Returns how many it closed.
   */
  enforceGrants(recordId?: string, version?: number): number {
    const { log, metrics, authorizer } = this.deps;
    let closed = 0;
    let next = Infinity;
    for (const document of this.hocuspocus.documents.values()) {
      for (const connection of document.getConnections()) {
        const ctx = connection.context as Partial<SocketContext>;
        const grant = ctx.grant;
        if (!grant) continue;
        const current =
          !recordId || grant.recordId === recordId ? authorizer.recheck(grant) : grant;
        if (!current) {
          connection.close({ code: 4403, reason: 'grant-ended' });
          closed++;
          metrics.connectionsClosedByGrant++;
          log.info('connection closed: grant ended', {
            event: 'grant-ended',
            doc: document.name,
            device: shortKey(grant.deviceKey),
          });
          continue;
        }
        ctx.grant = current;
        if (current.notAfter !== null) next = Math.min(next, current.notAfter);
        // Tell the devices that stay that the manifest changed, so they fetch it at once
        // instead of on their next poll (and stop writing under a key that just rotated).
        if (version !== undefined && grant.recordId === recordId) {
          connection.sendStateless(manifestNotice(version));
        }
      }
    }
    this.expiryAt = Infinity;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    this.scheduleExpiry(next === Infinity ? null : next);
    return closed;
  }

  private scheduleExpiry(at: number | null): void {
    if (at === null || at >= this.expiryAt || this.closing) return;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryAt = at;
    const delay = Math.min(Math.max(0, at - this.now()) + 10, 2 ** 31 - 1);
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = null;
      this.expiryAt = Infinity;
      this.enforceGrants();
    }, delay);
    this.expiryTimer.unref();
  }

  /**
   * Closes every socket (1001, "relay-shutting-down"), waits for Hocuspocus to let go of its
   * documents, and folds their logs. Every acknowledged update was on disk already.
   */
  async close(graceMs = 2000): Promise<void> {
    this.closing = true;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    for (const ws of this.sockets) ws.close(1001, 'relay-shutting-down');
    const deadline = Date.now() + graceMs;
    while ((this.sockets.size > 0 || this.hocuspocus.documents.size > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const ws of this.sockets) ws.terminate();
    const { store } = this.deps;
    for (const name of this.hocuspocus.documents.keys()) {
      try {
        if (!store.isClosed) store.compactDocument(name);
      } catch {
        // the log stays as it is: still complete
      }
    }
  }
}
