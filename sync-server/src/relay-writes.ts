import type { Connection, Document } from '@hocuspocus/server';
import type { Authorizer } from './auth';
import type { Logger } from './log';
import type { Metrics } from './metrics';
import { newContent } from './new-content';
import { Refusal, type SocketContext } from './relay-context';
import { inspectMessage, isSyncStatus } from './relay-inspect';
import type { RelayStore } from './store';

/** What a relay's writes need of it. */
export interface WritesHost {
  readonly store: RelayStore;
  readonly authorizer: Authorizer;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Fold a document's log when it has more rows than this. */
  readonly compactAfterRows: number;
  /** The documents Hocuspocus holds, by name. */
  documents(): ReadonlyMap<string, Document>;
  /** Called once an update that brought new envelopes is durable. Must not throw. */
  readonly onEnvelopesStored?: (recordId: string, docId: string, author: Uint8Array) => void;
}

/**
 * The incoming updates of this instance's documents (see "Durability" in `relay.ts`): checked
 * one at a time per document, stored as they come, acknowledged only once durable, the document
 * discarded from memory when a write failed, and its log folded on Hocuspocus' debounced store.
 */
export class DocumentWrites {
  /** Per document: the tail of its queue of messages being checked and stored. */
  private readonly queues = new Map<string, Promise<void>>();
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

  constructor(private readonly host: WritesHost) {}

  /**
   * Runs `task` after the document's earlier messages were checked, stored and applied: the
   * queue moves on only after a macrotask, when Hocuspocus has applied the previous message
   * (it does so in a microtask after this hook resolves).
   */
  queued(doc: string, task: () => Promise<void>): Promise<void> {
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
  async accept(
    connection: Connection,
    document: Document,
    documentName: string,
    data: Uint8Array,
  ): Promise<void> {
    const { log, metrics, store } = this.host;
    const inspected = inspectMessage(this.host.authorizer, connection, document, data);
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
    // A single edit is all new: it is stored as it came, without diffing it against the document.
    const fresh = inspected.allNew ? inspected.update : newContent(inspected.update, document);
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
          this.host.onEnvelopesStored?.(grant.recordId, grant.docId, grant.deviceKey);
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
    const document = this.host.documents().get(documentName);
    if (!document) {
      this.discarding.get(documentName)!.done();
      return;
    }
    for (const connection of document.getConnections()) this.refuseAck(connection);
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

  /** Waits while the document is being discarded after a failed write (at most 10 s). */
  async untilDiscarded(documentName: string): Promise<void> {
    const d = this.discarding.get(documentName);
    if (!d) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([d.unloaded, new Promise<void>((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    if (this.discarding.has(documentName)) throw new Refusal(4503, 'relay-storage-failed');
  }

  /** Hocuspocus has let go of the document (no longer in its documents). */
  unloaded(documentName: string): void {
    this.appended.delete(documentName);
    this.discarding.get(documentName)?.done();
  }

  /** Folds the document's log when due (Hocuspocus' debounced `onStoreDocument`). */
  async fold(documentName: string, document: Document): Promise<void> {
    const { store, log, metrics, compactAfterRows } = this.host;
    if (store.isClosed) return;
    try {
      // The store is asked only when a fold may be due: rows appended here since the last
      // fold (counted in memory), or the document went idle. A count query per debounced
      // store would cost one database round trip per written document.
      const idle = document.getConnectionsCount() === 0;
      if ((this.appended.get(documentName) ?? 0) <= compactAfterRows && !idle) return;
      const rows = await store.updateCount(documentName);
      if (rows > compactAfterRows || (idle && rows > 1)) {
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
  }
}
