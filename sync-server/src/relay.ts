import type { IncomingMessage } from 'node:http';
import { Hocuspocus, type Connection, type Document } from '@hocuspocus/server';
import * as decoding from 'lib0/decoding';
import type WebSocket from 'ws';
import * as Y from 'yjs';
import {
  manifestNotice,
  isProtocolError,
  parseDocumentName,
  toHex,
} from '../../src/lib/core/sync/protocol';
import { AuthError, type Authorizer, type Grant } from './auth';
import { MessageType, SocketGate, type GateLimits } from './gate';
import type { Logger } from './log';
import type { Metrics } from './metrics';
import { checkUpdate, isRefusal } from './policy';
import { newContent } from './new-content';
import { closeReason } from './notify';
import type { RelayStore } from './store';

/**
 * The Hocuspocus relay: it stores and forwards outer documents (envelopes, ciphertext only) and
 * enforces what it can without reading them. See `gate.ts` (every frame), `policy.ts` (every
 * update) and `auth.ts` (every connection).
 *
 * ## Durability: an acknowledged update is stored; forwarding does not wait for the disk
 *
 * The provider counts its unacknowledged changes (`unsyncedChanges`) and decrements the count
 * when the relay answers a sync message with SyncStatus(applied = true). In Hocuspocus 3.4
 * (`Connection.handleMessage`, `MessageReceiver.readSyncMessage`) one incoming message goes:
 *
 * 1. `beforeHandleMessage` hook (awaited; a throw closes the document connection, nothing is
 *    applied or acknowledged). Here the relay checks the update against the policy and then
 *    _starts_ the append of what it brings that the document lacks (SQLite: group-committed and
 *    fsynced; PostgreSQL: committed, which also notifies the other instances).
 * 2. `readSyncStep2` / `readUpdate` → `Y.applyUpdate(document, update, connection)`, which
 *    forwards the update to this instance's other connections at once.
 * 3. Then `readSyncMessage` sends SyncStatus(true). The relay holds that acknowledgement (and
 *    every other one on the document) until every append the document started before it is
 *    durable ({@link Relay.holdAcks}).
 *
 * So an acknowledgement means "stored", and the disk is off the path to the other devices. A
 * forward promises a client nothing: it only ever treats the relay as a cache of envelopes
 * whose authors keep them until acknowledged. If the relay dies between the forward and the
 * commit, the envelope is lost on the relay only; its author holds it unacknowledged (in its
 * outer document, persisted on the device) and its provider's sync step 2 on reconnect sends it
 * again, as does any receiver that holds it (a valid envelope of a current writer). Other
 * instances hear of a row only after its commit (NOTIFY), so they never forward an unstored
 * one. Tested with `kill -9` between forward and commit (tests/integration/relay.test.ts).
 *
 * If a write fails, nothing is acknowledged and the document is discarded from memory, since
 * memory now holds what the store does not: every connection of the document is closed
 * (`relay-storage-failed`), and until Hocuspocus has unloaded it, new connections to it wait
 * ({@link Relay.storageFailed}). They then load it from the store, and the writer's provider
 * sends the change again. What the update carries is stored as it came (diffed against the
 * document's state vector), pending structs included. An update the document already contains
 * is stored already, or its write is in flight, which its acknowledgement waits for.
 *
 * Messages of one document are checked one at a time (a per-document queue released after
 * Hocuspocus applied the message), so the policy always judges an update against the document
 * with every earlier accepted update in it.
 *
 * ## Several instances
 *
 * With the PostgreSQL store, other instances' commits arrive through {@link RelayStore.watch}:
 * the rows named in a notification are loaded by id and applied to the loaded document without
 * an origin: Hocuspocus broadcasts them to this instance's connections and neither stores nor
 * folds them here (the writing instance does). When the notification channel was lost, every loaded document is
 * reloaded from the store (Yjs ignores what it has).
 */

export type RelayLimits = GateLimits;

export interface RelayDeps {
  readonly store: RelayStore;
  readonly authorizer: Authorizer;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly limits: RelayLimits;
  readonly now?: () => number;
  /** Fold a document's log when it has more rows than this (on Hocuspocus' debounced store). */
  readonly compactAfterRows?: number;
  /**
   * Called once an update that brought new envelopes is durable, with the connection's device
   * (Web Push of "new message", `push/service.ts`). Must not throw.
   */
  readonly onEnvelopesStored?: (recordId: string, docId: string, author: Uint8Array) => void;
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

/** Whether an outgoing Hocuspocus message is a SyncStatus (an acknowledgement). */
function isSyncStatus(message: Uint8Array): boolean {
  try {
    const d = decoding.createDecoder(message);
    decoding.readVarString(d);
    return decoding.readVarUint(d) === MessageType.SyncStatus;
  } catch {
    return false;
  }
}

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
  /** `${recordId}:${deviceHex}` → when its "last seen" was last written, oldest first. */
  private readonly seenWrites = new Map<string, number>();
  /** Documents loaded or loading here, by name (other instances' rows are applied to them). */
  private readonly live = new Map<string, Document>();
  /** Per document: the tail of its queue of messages being checked and stored. */
  private readonly queues = new Map<string, Promise<void>>();
  private readonly stopWatching: () => void;
  /** Rows this instance appended per document since its last fold. */
  private readonly appended = new Map<string, number>();
  /**
   * Per document: settles when every append started on it so far is durable (rejects if one
   * failed). Acknowledgements wait for it; absent when nothing is in flight.
   */
  private readonly durable = new Map<string, Promise<void>>();
  /** Connections whose acknowledgements go through {@link holdAcks}. */
  private readonly holding = new WeakSet<Connection>();
  /** Documents whose write failed, until Hocuspocus has unloaded them (see storageFailed). */
  private readonly discarding = new Map<string, { unloaded: Promise<void>; done: () => void }>();

  constructor(private readonly deps: RelayDeps) {
    this.now = deps.now ?? Date.now;
    this.compactAfterRows = deps.compactAfterRows ?? 64;
    const { store, log, metrics, authorizer } = deps;

    this.hocuspocus = new Hocuspocus({
      quiet: true,
      // onStoreDocument only folds the log (every update is already stored, see above).
      debounce: 2000,
      maxDebounce: 10000,
      // Pings every 30 s; a socket that does not answer is closed.
      timeout: 30000,

      onAuthenticate: async ({ token, documentName, connectionConfig, context }) => {
        const ctx = context as SocketContext;
        await this.untilDiscarded(documentName);
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

      beforeHandleMessage: ({ connection, update, document, documentName }) =>
        this.queued(documentName, () => this.accept(connection, document, documentName, update)),

      onLoadDocument: async ({ documentName, document }) => {
        this.live.set(documentName, document);
        const state = await store.loadDocument(documentName);
        if (state) Y.applyUpdate(document, state);
        return document;
      },

      afterLoadDocument: async ({ document }) => {
        // Hocuspocus sends every applied update to each of the document's connections.
        document.on('update', () => {
          metrics.updatesSent += document.getConnectionsCount();
        });
      },

      afterUnloadDocument: async ({ documentName }) => {
        if (!this.hocuspocus.documents.has(documentName)) {
          this.live.delete(documentName);
          this.appended.delete(documentName);
          this.discarding.get(documentName)?.done();
        }
      },

      onStoreDocument: async ({ documentName, document }) => {
        if (store.isClosed) return;
        try {
          // The store is asked only when a fold may be due: rows appended here since the last
          // fold (counted in memory), or the document went idle. A count query per debounced
          // store would cost one database round trip per written document.
          const idle = document.getConnectionsCount() === 0;
          if ((this.appended.get(documentName) ?? 0) <= this.compactAfterRows && !idle) return;
          const rows = await store.updateCount(documentName);
          if (rows > this.compactAfterRows || (idle && rows > 1)) {
            this.appended.delete(documentName);
            const r = await store.compactDocument(documentName);
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

    this.stopWatching = store.watch({
      updates: (doc, ids, sentAt, data) => this.applyRemote(doc, ids, sentAt, data),
      manifest: () => undefined, // the manifest registry listens for these (auth.ts)
      resync: () => {
        for (const doc of this.live.keys()) this.reloadRemote(doc);
      },
    });
  }

  /**
   * Runs `task` after the document's earlier messages were checked, stored and applied: the
   * queue moves on only after a macrotask, when Hocuspocus has applied the previous message
   * (it does so in a microtask after this hook resolves).
   */
  private queued(doc: string, task: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(doc) ?? Promise.resolve();
    const run = previous.then(task);
    const tail = run.then(
      () => new Promise<void>((r) => setImmediate(r)),
      () => new Promise<void>((r) => setImmediate(r)),
    );
    this.queues.set(doc, tail);
    void tail.then(() => {
      if (this.queues.get(doc) === tail) this.queues.delete(doc);
    });
    return run;
  }

  /** Checks one message and stores what it brings; throws a {@link Refusal} to refuse it. */
  private async accept(
    connection: Connection,
    document: Document,
    documentName: string,
    data: Uint8Array,
  ): Promise<void> {
    const { log, metrics, store } = this.deps;
    const inspected = this.inspect(connection, document, data);
    if (inspected instanceof Refusal) {
      metrics.refused(inspected.reason);
      log.warn('update refused', {
        event: 'refused',
        reason: inspected.reason,
        doc: documentName,
        bytes: data.length,
      });
      throw inspected;
    }
    if (inspected === null) return;
    const fresh = newContent(inspected.update, document);
    this.holdAcks(connection, documentName);
    if (fresh === null) return;
    // Started, not awaited: Hocuspocus applies and forwards the update now, and its
    // acknowledgement waits until the write (and every earlier one on the document) is durable.
    const started = performance.now();
    let write: Promise<number>;
    try {
      write = store.appendUpdate(documentName, fresh);
    } catch (e) {
      write = Promise.reject(e instanceof Error ? e : new Error('store failure'));
    }
    const previous = this.durable.get(documentName) ?? Promise.resolve();
    const stored = write.then(
      () => {
        metrics.storeWrite(performance.now() - started);
        this.appended.set(documentName, (this.appended.get(documentName) ?? 0) + 1);
        metrics.updatesStored++;
        metrics.updateBytesStored += fresh.length;
        const grant = (connection.context as SocketContext).grant;
        if (inspected.inserts > 0 && grant) {
          this.deps.onEnvelopesStored?.(grant.recordId, grant.docId, grant.deviceKey);
        }
      },
      (e: unknown) => {
        log.error('storing an update failed; nothing was acknowledged', {
          event: 'store-failed',
          doc: documentName,
          bytes: fresh.length,
        });
        metrics.refused('relay-storage-failed');
        this.storageFailed(documentName);
        throw e;
      },
    );
    const tail = previous.then(() => stored);
    this.durable.set(documentName, tail);
    tail.then(
      () => {
        if (this.durable.get(documentName) === tail) this.durable.delete(documentName);
      },
      () => {
        if (this.durable.get(documentName) === tail) this.durable.delete(documentName);
      },
    );
  }

  /**
   * Routes the connection's acknowledgements (SyncStatus) through the document's pending
   * writes: each leaves only once every append started on the document before it is durable,
   * and never if one failed. Other messages (forwards, sync replies) go out at once.
   */
  private holdAcks(connection: Connection, documentName: string): void {
    if (this.holding.has(connection)) return;
    this.holding.add(connection);
    const send = connection.send.bind(connection);
    connection.send = (message: Uint8Array) => {
      const pending = this.durable.get(documentName);
      if (pending && isSyncStatus(message)) {
        pending.then(
          () => send(message),
          () => undefined, // the socket is being closed: the provider resends
        );
        return;
      }
      send(message);
    };
  }

  /**
   * A write failed after the update was applied in memory and forwarded: memory holds what the
   * store does not. Closes every connection of the document (their providers reconnect and
   * resend what is unacknowledged) and makes new connections wait until Hocuspocus has unloaded
   * it, so that it is loaded again from the store.
   */
  private storageFailed(documentName: string): void {
    if (this.discarding.has(documentName)) return;
    let done!: () => void;
    const unloaded = new Promise<void>((r) => (done = r));
    this.discarding.set(documentName, {
      unloaded,
      done: () => {
        this.discarding.delete(documentName);
        done();
      },
    });
    const document = this.hocuspocus.documents.get(documentName);
    if (!document) {
      this.discarding.get(documentName)!.done();
      return;
    }
    for (const connection of document.getConnections()) this.refuseAck(connection);
  }

  /** Waits while the document is being discarded after a failed write (at most 10 s). */
  private async untilDiscarded(documentName: string): Promise<void> {
    const d = this.discarding.get(documentName);
    if (!d) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([d.unloaded, new Promise<void>((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    if (this.discarding.has(documentName)) throw new Refusal(4503, 'relay-storage-failed');
  }

  /** Applies rows another instance stored to the loaded document (and so to its clients). */
  private applyRemote(
    doc: string,
    ids: readonly number[],
    sentAt: number,
    inline?: ReadonlyMap<number, Uint8Array>,
  ): void {
    const document = this.live.get(doc);
    if (!document || this.closing) return;
    const { store, metrics, log } = this.deps;
    // Small rows came with the notification: applied at once, without a query.
    const missing = ids.filter((id) => !inline?.has(id));
    if (inline && inline.size > 0) {
      let applied = 0;
      for (const id of ids) {
        const data = inline.get(id);
        if (!data) continue;
        Y.applyUpdate(document, data);
        applied++;
      }
      metrics.remoteApplied(applied, Date.now() - sentAt);
    }
    if (missing.length === 0) return;
    store.updatesById(doc, missing).then(
      (rows) => {
        for (const r of rows) Y.applyUpdate(document, r.data);
        metrics.remoteApplied(rows.length, Date.now() - sentAt);
      },
      () => {
        log.warn('loading another instance’s update failed; reloading', {
          event: 'remote-failed',
          doc,
        });
        this.reloadRemote(doc);
      },
    );
  }

  private reloadRemote(doc: string): void {
    const document = this.live.get(doc);
    if (!document || this.closing || this.deps.store.isClosed) return;
    this.deps.store.loadDocument(doc).then(
      (state) => {
        if (state) Y.applyUpdate(document, state);
      },
      () => this.deps.log.warn('reloading a document failed', { event: 'reload-failed', doc }),
    );
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
    // Only informative: the connection goes on.
    store.markSeen(grant.recordId, grant.deviceKey, now).catch(() => {
      log.warn('storing last seen failed', { event: 'seen-failed', record: grant.recordId });
    });
  }

  /**
   * Checks one incoming message of an authenticated connection: a refusal, the Yjs update it
   * brings (to store) with its count of new envelopes, or null when there is nothing to store.
   */
  private inspect(
    connection: Connection,
    document: Document,
    data: Uint8Array,
  ): Refusal | { update: Uint8Array; inserts: number } | null {
    const grant = (connection.context as SocketContext).grant;
    if (!grant) return new Refusal(4401, 'not-authenticated');
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
    return isRefusal(verdict)
      ? new Refusal(4403, verdict.reason)
      : { update, inserts: verdict.inserts };
  }

  /**
   * Makes sure the writer of a change that is not stored gets no acknowledgement and resends:
   * closing its WebSocket sets `readyState` to CLOSING at once, and Hocuspocus'
   * `Connection.send` sends nothing on a closing socket.
   */
  private refuseAck(connection: Connection): void {
    const ws = connection.webSocket;
    if (ws.readyState === ws.OPEN) ws.close(4503, 'relay-storage-failed');
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
          connection.close({ code: 4403, reason: closeReason(authorizer, grant) });
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
   * documents, and folds their logs. Every acknowledged update was stored already.
   */
  async close(graceMs = 2000): Promise<void> {
    this.closing = true;
    this.stopWatching();
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
        if (!store.isClosed) await store.compactDocument(name);
      } catch {
        // the log stays as it is: still complete
      }
    }
  }
}
