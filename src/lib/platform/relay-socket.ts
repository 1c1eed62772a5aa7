import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import type * as Y from 'yjs';
import { documentName, parseManifestNotice } from '$lib/core/sync/protocol';
import { makeToken, socketUrl, type Signer } from './relay-http';

/**
 * The relay connection: one multiplexed WebSocket with one Hocuspocus provider per compartment.
 * Tokens are signed by the device key and made fresh for every (re)connect. The socket retries
 * with exponential backoff and jitter. Awareness is off: presence would leak who is online.
 */

export type ConnectionState = 'connecting' | 'online' | 'offline' | 'denied';

export interface DocSyncState {
  readonly docId: string;
  readonly synced: boolean;
  /** Local changes the relay has not acknowledged yet. */
  readonly unsynced: number;
  readonly denied: string | null;
}

export interface RelayConnectionOptions {
  readonly relayUrl: string;
  readonly recordId: string;
  readonly signer: Signer;
  readonly docs: ReadonlyArray<{ docId: string; doc: Y.Doc }>;
  readonly onChange: (state: ConnectionState, docs: DocSyncState[]) => void;
  /** For Node tests: a WebSocket implementation. */
  readonly WebSocketPolyfill?: unknown;
  /** A socket shared with other records' connections (not destroyed with this one). */
  readonly socket?: SharedSocket;
  /** The relay says the record's manifest changed (a hint: fetch and verify it). */
  readonly onManifestNotice?: (version: number) => void;
  /**
   * The relay closed a document because this device's role changed (`grant-changed`): not a
   * refusal. The session fetches the manifest and reconnects with a token for the new role.
   */
  readonly onGrantChanged?: () => void;
}

function newSocket(relayUrl: string, WebSocketPolyfill?: unknown): HocuspocusProviderWebsocket {
  return new HocuspocusProviderWebsocket({
    url: socketUrl(relayUrl),
    delay: 500,
    factor: 2,
    maxDelay: 30_000,
    jitter: true,
    minDelay: 250,
    messageReconnectTimeout: 60_000,
    ...(WebSocketPolyfill ? { WebSocketPolyfill } : {}),
  });
}

/**
 * One WebSocket to a relay that many records' connections share: a professional with hundreds
 * of shared records opens one socket, not hundreds (Hocuspocus multiplexes documents).
 */
export class SharedSocket {
  readonly socket: HocuspocusProviderWebsocket;
  constructor(relayUrl: string, WebSocketPolyfill?: unknown) {
    this.socket = newSocket(relayUrl, WebSocketPolyfill);
  }
  destroy(): void {
    this.socket.destroy();
  }
}

export class RelayConnection {
  private readonly socket: HocuspocusProviderWebsocket;
  private readonly ownsSocket: boolean;
  private readonly onStatus: (e: { status: string }) => void;
  private readonly providers: HocuspocusProvider[] = [];
  /** Documents the relay closed with `grant-changed`, to authenticate again. */
  private readonly changed = new Set<HocuspocusProvider>();
  private readonly states = new Map<string, DocSyncState>();
  private state: ConnectionState = 'connecting';

  constructor(private readonly opts: RelayConnectionOptions) {
    this.ownsSocket = !opts.socket;
    this.socket = opts.socket?.socket ?? newSocket(opts.relayUrl, opts.WebSocketPolyfill);
    this.onStatus = ({ status }) => {
      this.state =
        status === 'connected' ? 'online' : status === 'connecting' ? 'connecting' : 'offline';
      this.emit();
    };
    this.socket.on('status', this.onStatus);
    if (this.socket.status === 'connected') this.state = 'online';
    for (const { docId, doc } of opts.docs) {
      this.states.set(docId, { docId, synced: false, unsynced: 0, denied: null });
      const provider = new HocuspocusProvider({
        name: documentName(opts.recordId, docId),
        document: doc,
        websocketProvider: this.socket,
        awareness: null,
        // A sync request keeps an idle connection alive without presence messages.
        forceSyncInterval: 20_000,
        token: () => makeToken(opts.signer, opts.relayUrl, opts.recordId, docId),
        onSynced: ({ state }) => this.set(docId, { synced: state }),
        onUnsyncedChanges: ({ number }) => this.set(docId, { unsynced: number }),
        onAuthenticationFailed: ({ reason }) => {
          this.set(docId, { denied: reason || 'denied' });
          this.state = 'denied';
          this.emit();
        },
        onAuthenticated: () => this.set(docId, { denied: null }),
        onStateless: ({ payload }) => {
          const version = parseManifestNotice(payload);
          if (version !== null) opts.onManifestNotice?.(version);
        },
        // The relay closes a document whose grant vanished or expired (reason `grant-ended`).
        onClose: ({ event }) => {
          if (event.reason === 'grant-changed') {
            this.changed.add(provider);
            this.set(docId, { synced: false });
            opts.onGrantChanged?.();
            return;
          }
          if (event.reason !== 'grant-ended') return;
          this.set(docId, { denied: event.reason, synced: false });
          this.state = 'denied';
          this.emit();
        },
      });
      provider.attach();
      this.providers.push(provider);
    }
  }

  private set(docId: string, change: Partial<DocSyncState>): void {
    const prev = this.states.get(docId);
    if (!prev) return;
    this.states.set(docId, { ...prev, ...change });
    this.emit();
  }

  private emit(): void {
    this.opts.onChange(this.state, [...this.states.values()]);
  }

  /** Resolves when every compartment is synced with no unacknowledged changes. */
  async settled(timeoutMs = 10_000): Promise<void> {
    const start = Date.now();
    while (Date.now() - start < timeoutMs) {
      const all = [...this.states.values()];
      if (all.every((s) => s.synced && s.unsynced === 0)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(
      `The relay did not acknowledge the changes in time (${this.state}; ${[...this.states.values()]
        .map((s) => `${s.synced ? 'synced' : 'unsynced'}/${s.unsynced}`)
        .join(', ')}).`,
    );
  }

  /**
   * Authenticates again, with a fresh token, every document the relay closed because this
   * device's role changed (on the same socket; the relay starts a new document connection).
   */
  async reauthenticate(): Promise<void> {
    const providers = [...this.changed];
    this.changed.clear();
    for (const p of providers) {
      await p.sendToken();
      p.startSync();
    }
  }

  /** Drops the connection (the browser says it is offline); changes wait locally. */
  pause(): void {
    this.socket.disconnect();
    this.state = 'offline';
    this.emit();
  }

  /** Reconnects after {@link pause}. */
  resume(): void {
    // A socket that is still closing reports "connected" and would ignore connect(): wait for
    // the close to finish first.
    if (this.socket.status === 'connected') {
      const onStatus = ({ status }: { status: string }) => {
        if (status !== 'disconnected') return;
        this.socket.off('status', onStatus);
        void this.socket.connect();
      };
      this.socket.on('status', onStatus);
    } else {
      void this.socket.connect();
    }
  }

  destroy(): void {
    this.socket.off('status', this.onStatus);
    for (const p of this.providers) p.destroy();
    if (this.ownsSocket) this.socket.destroy();
  }
}
