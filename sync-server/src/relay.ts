import { Hocuspocus, type Connection } from '@hocuspocus/server';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import {
  bytesEqual,
  decodeAuthToken,
  decodeEnvelope,
  decodeManifest,
  granteeFor,
  isProtocolError,
  parseDocumentName,
  roleMayWrite,
  toHex,
  verifyAuthToken,
  verifyEnvelopeSignature,
  type Role,
  type SignedManifest,
} from '../../src/lib/core/sync/protocol';
import type { Logger } from './log';
import type { Store } from './store';

/**
 * The Hocuspocus relay. It stores and forwards outer documents, and enforces what it can without
 * reading them:
 *
 * - **Who connects**: a token signed by the device key, for a document the record's manifest
 *   grants that device (not expired). Viewers get read-only connections.
 * - **What they send**: Yjs sync messages only (no awareness or stateless messages: presence
 *   would leak who is online). Every inserted item must be an envelope; envelopes in the
 *   connection's own name are accepted as authenticated by the token, anyone else's must carry a
 *   valid signature by a writer of that compartment. Only owners may delete (compaction).
 * - **Durability**: the update is appended to SQLite (synchronous = FULL) inside
 *   `beforeHandleMessage`, which Hocuspocus awaits before it applies the message and sends the
 *   SyncStatus acknowledgement. So an update the client saw acknowledged is on disk.
 */

export interface ConnectionContext {
  readonly recordId: string;
  readonly docId: string;
  readonly deviceKey: Uint8Array;
  readonly role: Role;
}

/** Errors carry only a code and a fixed reason: they are logged by Hocuspocus as they are. */
export class RelayRefusal extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const MESSAGE_SYNC = 0;
const MESSAGE_QUERY_AWARENESS = 3;
const MESSAGE_SYNC_REPLY = 4;
const MESSAGE_CLOSE = 7;
const MESSAGE_SYNC_STATUS = 8;
const SYNC_STEP_1 = 0;
const SYNC_STEP_2 = 1;
const SYNC_UPDATE = 2;

export interface RelayOptions {
  readonly store: Store;
  readonly log: Logger;
  readonly now?: () => number;
  readonly maxMessagesPerSecond: number;
}

/** The manifest cache in front of the store. */
export class Manifests {
  private readonly cache = new Map<string, SignedManifest>();
  constructor(private readonly store: Store) {}

  get(recordId: string): SignedManifest | null {
    const cached = this.cache.get(recordId);
    if (cached) return cached;
    const row = this.store.getManifest(recordId);
    if (!row) return null;
    const m = decodeManifest(row.data);
    if (isProtocolError(m)) return null;
    this.cache.set(recordId, m);
    return m;
  }

  set(m: SignedManifest, bytes: Uint8Array): void {
    this.store.putManifest(m.recordId, m.version, bytes);
    this.cache.set(m.recordId, m);
  }
}

export function createRelay(opts: RelayOptions): {
  hocuspocus: Hocuspocus;
  manifests: Manifests;
  enforceGrants: (recordId?: string) => number;
} {
  const { store, log } = opts;
  const now = opts.now ?? Date.now;
  const manifests = new Manifests(store);
  const rates = new WeakMap<Connection, { second: number; count: number }>();

  function checkIncoming(connection: Connection, data: Uint8Array): void {
    const ctx = connection.context as ConnectionContext;
    const second = Math.floor(now() / 1000);
    const rate = rates.get(connection) ?? { second, count: 0 };
    if (rate.second !== second) {
      rate.second = second;
      rate.count = 0;
    }
    if (++rate.count > opts.maxMessagesPerSecond) throw new RelayRefusal(4429, 'rate-limited');
    rates.set(connection, rate);

    const d = decoding.createDecoder(data);
    const name = decoding.readVarString(d);
    const type = decoding.readVarUint(d);
    if (
      type === MESSAGE_QUERY_AWARENESS ||
      type === MESSAGE_SYNC_STATUS ||
      type === MESSAGE_CLOSE
    ) {
      return;
    }
    if (type !== MESSAGE_SYNC && type !== MESSAGE_SYNC_REPLY) {
      throw new RelayRefusal(4400, 'message-type-not-allowed');
    }
    const step = decoding.readVarUint(d);
    if (step === SYNC_STEP_1) return;
    if (step !== SYNC_STEP_2 && step !== SYNC_UPDATE)
      throw new RelayRefusal(4400, 'bad-sync-message');
    const update = decoding.readVarUint8Array(d);
    if (connection.readOnly) return; // Hocuspocus refuses the write itself
    checkUpdate(ctx, update);
    store.appendUpdate(name, update);
  }

  function checkUpdate(ctx: ConnectionContext, update: Uint8Array): void {
    let decoded: ReturnType<typeof Y.decodeUpdate>;
    try {
      decoded = Y.decodeUpdate(update);
    } catch {
      throw new RelayRefusal(4400, 'not-a-yjs-update');
    }
    if (decoded.ds.clients.size > 0 && ctx.role !== 'owner') {
      throw new RelayRefusal(4403, 'only-owners-delete');
    }
    const manifest = manifests.get(ctx.recordId);
    for (const s of decoded.structs) {
      if (!(s instanceof Y.Item)) continue;
      if (s.content instanceof Y.ContentDeleted) continue;
      if (!(s.content instanceof Y.ContentBinary)) throw new RelayRefusal(4400, 'not-an-envelope');
      const env = decodeEnvelope(s.content.content);
      if (isProtocolError(env) || env.docId !== ctx.docId) {
        throw new RelayRefusal(4400, 'not-an-envelope');
      }
      if (bytesEqual(env.author, ctx.deviceKey)) continue;
      // Someone else's envelope (e.g. a device re-sending what the relay lost): it must be signed
      // by a device that may write this compartment.
      const author = manifest && granteeFor(manifest, env.author, ctx.docId, now());
      if (!author || !roleMayWrite(author.role) || !verifyEnvelopeSignature(env)) {
        throw new RelayRefusal(4403, 'envelope-not-from-a-writer');
      }
    }
  }

  const hocuspocus = new Hocuspocus({
    quiet: true,
    // The outer documents are stored as they arrive (above); this debounced hook only folds the
    // log into one merged update.
    debounce: 5000,
    maxDebounce: 30000,
    async onAuthenticate({ token, documentName, connectionConfig }) {
      const name = parseDocumentName(documentName);
      if (isProtocolError(name)) throw new RelayRefusal(4400, 'bad-document-name');
      const t = decodeAuthToken(token);
      if (isProtocolError(t)) throw new RelayRefusal(4401, 'bad-token');
      const problem = verifyAuthToken(t, documentName, now());
      if (problem) throw new RelayRefusal(4401, problem.error);
      const manifest = manifests.get(name.recordId);
      if (!manifest) throw new RelayRefusal(4404, 'no-manifest');
      const grant = granteeFor(manifest, t.deviceKey, name.docId, now());
      if (!grant) throw new RelayRefusal(4403, 'no-grant');
      connectionConfig.readOnly = !roleMayWrite(grant.role);
      log.info('connection authorised', {
        event: 'auth',
        record: name.recordId,
        doc: name.docId,
        device: toHex(t.deviceKey).slice(0, 16),
        role: grant.role,
      });
      const context: ConnectionContext = { ...name, deviceKey: t.deviceKey, role: grant.role };
      return context;
    },
    async beforeHandleMessage({ connection, update }) {
      try {
        checkIncoming(connection, update);
      } catch (e) {
        const refusal = e instanceof RelayRefusal ? e : new RelayRefusal(4400, 'malformed-message');
        const ctx = connection.context as Partial<ConnectionContext>;
        log.warn('message refused', {
          event: 'refused',
          reason: refusal.reason,
          record: ctx.recordId,
          doc: ctx.docId,
        });
        throw refusal;
      }
    },
    async onLoadDocument({ documentName, document }) {
      const state = store.loadDocument(documentName);
      if (state) Y.applyUpdate(document, state);
      return document;
    },
    async onStoreDocument({ documentName }) {
      if (store.updateCount(documentName) > 50) {
        store.compactDocument(documentName);
      }
    },
  });

  /**
   * Closes every connection whose grant vanished or expired (for one record, or all). Returns how
   * many were closed. Runs when a manifest is replaced and on a timer for `notAfter`.
   */
  function enforceGrants(recordId?: string): number {
    let closed = 0;
    for (const document of hocuspocus.documents.values()) {
      for (const connection of document.getConnections()) {
        const ctx = connection.context as ConnectionContext | undefined;
        if (!ctx?.deviceKey || (recordId && ctx.recordId !== recordId)) continue;
        const m = manifests.get(ctx.recordId);
        const grant = m && granteeFor(m, ctx.deviceKey, ctx.docId, now());
        const stillOk = grant && grant.role === ctx.role;
        if (!stillOk) {
          connection.close({ code: 4403, reason: 'grant-ended' });
          closed++;
          log.info('connection closed: grant ended', {
            event: 'grant-ended',
            record: ctx.recordId,
            doc: ctx.docId,
          });
        }
      }
    }
    return closed;
  }

  return { hocuspocus, manifests, enforceGrants };
}
