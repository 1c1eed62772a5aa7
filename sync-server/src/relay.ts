import type { IncomingMessage } from 'node:http';
import { Hocuspocus, type Document } from '@hocuspocus/server';
import type WebSocket from 'ws';
import * as Y from 'yjs';
import { isProtocolError, parseDocumentName } from '../../src/lib/core/sync/protocol';
import { AuthError, type Authorizer, type Grant } from './auth';
import { SocketGate, type GateLimits } from './gate';
import type { Logger } from './log';
import type { Metrics } from './metrics';
import { Refusal, shortKey, type SocketContext } from './relay-context';
import { forwardWithoutEcho, recipientsOf } from './forward';
import { ConnectionGrants } from './relay-grants';
import { watchOtherInstances } from './relay-remote';
import { DocumentWrites } from './relay-writes';
import type { RelayStore } from './store';

/**
 * The Hocuspocus relay: it stores and forwards outer documents (envelopes, ciphertext only) and
 * enforces what it can without reading them. See `gate.ts` (every frame), `policy.ts` (every
 * update, checked in `relay-inspect.ts`) and `auth.ts` (every connection). Its parts: the
 * writes and acknowledgements below (`relay-writes.ts`), other instances' rows
 * (`relay-remote.ts`) and connections kept to their grants (`relay-grants.ts`).
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
 *    forwards the update to this instance's other connections at once (not back to the one it
 *    came from: `forward.ts`).
 * 3. Then `readSyncMessage` sends SyncStatus(true). The relay holds that acknowledgement (and
 *    every other one on the document) until every append the document started before it is
 *    durable ({@link DocumentWrites.holdAcks}).
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
 * ({@link DocumentWrites.storageFailed}). They then load it from the store, and the writer's provider
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

export class Relay {
  readonly hocuspocus: Hocuspocus;
  private readonly sockets = new Set<WebSocket>();
  private readonly now: () => number;
  private closing = false;
  /** Documents loaded or loading here, by name (other instances' rows are applied to them). */
  private readonly live = new Map<string, Document>();
  private readonly stopWatching: () => void;
  private readonly writes: DocumentWrites;
  private readonly grants: ConnectionGrants;

  constructor(private readonly deps: RelayDeps) {
    this.now = deps.now ?? Date.now;
    const { store, log, metrics, authorizer } = deps;
    const documents = () => this.hocuspocus.documents;
    const closing = () => this.closing;
    this.writes = new DocumentWrites({
      ...{ store, authorizer, log, metrics, documents },
      compactAfterRows: deps.compactAfterRows ?? 64,
      onEnvelopesStored: deps.onEnvelopesStored,
    });
    this.grants = new ConnectionGrants({
      ...{ store, authorizer, log, metrics, closing, now: this.now },
      documents: () => this.hocuspocus.documents.values(),
    });

    forwardWithoutEcho();
    this.hocuspocus = new Hocuspocus({
      quiet: true,
      // onStoreDocument only folds the log (every update is already stored, see above).
      debounce: 2000,
      maxDebounce: 10000,
      // Pings every 30 s; a socket that does not answer is closed.
      timeout: 30000,

      onAuthenticate: async ({ token, documentName, connectionConfig, context }) => {
        const ctx = context as SocketContext;
        await this.writes.untilDiscarded(documentName);
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
        this.grants.scheduleExpiry(grant.notAfter);
        this.grants.markSeen(grant);
        log.info('connection authorised', {
          event: 'auth',
          doc: documentName,
          device: shortKey(grant.deviceKey),
          role: grant.role,
        });
        return { grant };
      },

      beforeHandleMessage: ({ connection, update, document, documentName }) =>
        this.writes.queued(documentName, () =>
          this.writes.accept(connection, document, documentName, update),
        ),

      onLoadDocument: async ({ documentName, document }) => {
        this.live.set(documentName, document);
        const state = await store.loadDocument(documentName);
        if (state) Y.applyUpdate(document, state);
        return document;
      },

      afterLoadDocument: async ({ document }) => {
        // Every applied update goes to each of the document's connections but the one it came
        // from (forward.ts).
        document.on('update', (_update: Uint8Array, origin: unknown) => {
          metrics.updatesSent += recipientsOf(document, origin).length;
        });
      },

      afterUnloadDocument: async ({ documentName }) => {
        if (!this.hocuspocus.documents.has(documentName)) {
          this.live.delete(documentName);
          this.writes.unloaded(documentName);
        }
      },

      // Folds the log (every update is already stored, see above).
      onStoreDocument: ({ documentName, document }) => this.writes.fold(documentName, document),

      onDisconnect: async ({ context, documentName }) => {
        const ctx = context as Partial<SocketContext>;
        ctx.gate?.closed(documentName);
        if (ctx.grant) this.grants.markSeen(ctx.grant);
      },
    });

    this.stopWatching = watchOtherInstances({ store, log, metrics, live: this.live, closing });
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
    return this.grants.enforce(recordId, version);
  }

  /**
   * Closes every socket (1001, "relay-shutting-down"), waits for Hocuspocus to let go of its
   * documents, and folds their logs. Every acknowledged update was stored already.
   */
  async close(graceMs = 2000): Promise<void> {
    this.closing = true;
    this.stopWatching();
    this.grants.stop();
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
