import type { DeviceKeys, RootKeys } from '$lib/core/crypto/index';
import { acceptManifestChain, acceptManifest } from '$lib/core/sharing/index';
import type { SignedManifest } from '$lib/core/sync/index';
import {
  getManifest,
  getManifestsAfter,
  putManifest,
  putRecoveryBlob,
  RelayError,
} from '$lib/platform/relay-http';
import {
  RelayConnection,
  type ConnectionState,
  type DocSyncState,
} from '$lib/platform/relay-socket';
import type { DeviceStore } from '$lib/platform/vault-db';
import type { OpenCompartment, SessionOptions } from './session-types';

/** What the relay part needs of its session. */
export interface RelayHost {
  readonly recordId: string;
  readonly relayUrl: string;
  readonly device: DeviceKeys;
  readonly root: RootKeys | null;
  readonly store: DeviceStore;
  readonly opts: SessionOptions;
  readonly compartments: ReadonlyMap<string, OpenCompartment>;
  /** The manifest as the session last accepted it. */
  manifest(): SignedManifest;
  hasAccess(): boolean;
  /** The session was closed: nothing reconnects. */
  released(): boolean;
  /** Moves to the newest of verified successor manifests. */
  adoptManifests(steps: readonly SignedManifest[]): Promise<void>;
  /** The session's work every 30 s. */
  tick(): Promise<void>;
  notify(): void;
  /** Runs work nobody awaits. */
  background(work: Promise<unknown>): void;
}

/**
 * A session's relay connection: connecting and reconnecting (after a role change, after the
 * relay refused a record it did not know yet), fetching newer manifests, uploading what was
 * made offline, the 30-second poll and the state the sync indicator reads.
 */
export class RecordRelay {
  private connection: RelayConnection | null = null;
  private state: ConnectionState = 'connecting';
  private docs: DocSyncState[] = [];
  private manifestTimer: ReturnType<typeof setInterval> | null = null;
  private error: string | null = null;

  constructor(private readonly host: RelayHost) {}

  get connState(): ConnectionState {
    return this.state;
  }

  get docStates(): readonly DocSyncState[] {
    return this.docs;
  }

  get publishError(): string | null {
    return this.error;
  }

  get connected(): boolean {
    return this.connection !== null;
  }

  connect(): void {
    if (this.host.released()) return; // a late retry never reopens a closed session's connection
    this.connection?.destroy();
    const { opts } = this.host;
    this.connection = new RelayConnection({
      relayUrl: this.host.relayUrl,
      recordId: this.host.recordId,
      signer: this.host.device,
      docs: [...this.host.compartments.values()].map((c) => ({ docId: c.docId, doc: c.outer })),
      WebSocketPolyfill: opts.WebSocketPolyfill,
      ...(opts.socket ? { socket: opts.socket } : {}),
      onManifestNotice: (version) => {
        if (version > this.host.manifest().version) this.refreshSoon();
      },
      onGrantChanged: () => this.reconnectSoon(),
      onChange: (state, docs) => {
        const cameOnline = state === 'online' && this.state !== 'online';
        if (state === 'denied' && this.state !== 'denied') {
          // Refused: maybe the record is not on the relay yet, maybe this grant ended.
          this.host.background(this.refreshManifest());
          this.host.background(this.retryAfterDenial());
        }
        this.state = state;
        this.docs = docs;
        if (cameOnline) this.host.background(this.publish());
        this.host.notify();
      },
    });
    this.manifestTimer ??= setInterval(() => this.host.background(this.host.tick()), 30_000);
  }

  private denials: number[] = [];

  /**
   * A relay refuses a device whose record it does not know yet (made offline, manifest not yet
   * uploaded). Publish, then reconnect — at most three times a minute.
   */
  private async retryAfterDenial(): Promise<void> {
    const now = Date.now();
    this.denials = this.denials.filter((t) => now - t < 60_000);
    if (this.denials.length >= 3) return;
    this.denials.push(now);
    await this.publish();
    const row = await this.host.store.readVault();
    if (row?.published) this.connect();
  }

  /** The device lost its network: stop trying until it is back. */
  setOnline(online: boolean): void {
    if (online === this.networkUp) return;
    this.networkUp = online;
    if (online) this.connection?.resume();
    else this.connection?.pause();
  }

  private networkUp = true;

  /** Uploads what was made while offline: the first manifest and the recovery blob. */
  async publish(): Promise<void> {
    const { store, relayUrl } = this.host;
    const row = await store.readVault();
    if (!row) return;
    try {
      if (!row.published) {
        await putManifest(relayUrl, this.host.manifest());
        await store.updateVault({ published: true });
      }
      if (row.pendingRecoveryBlob && this.host.root) {
        const locator = row.pendingRecoveryLocator ?? null;
        const blob = row.pendingRecoveryBlob;
        await putRecoveryBlob(relayUrl, this.host.recordId, blob, this.host.device, locator);
        await store.updateVault({ pendingRecoveryBlob: null, pendingRecoveryLocator: null });
      }
      this.error = null;
    } catch (e) {
      this.error = e instanceof RelayError && e.code !== 'offline' ? e.message : null;
    }
    this.host.notify();
  }

  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * This device's role changed (the relay closed its documents with `grant-changed`): fetch the
   * manifest that changed it, then reconnect with tokens for the new role. Coalesced over the
   * compartments the relay closed at once.
   */
  private reconnectSoon(): void {
    this.reconnectTimer ??= setTimeout(() => {
      this.reconnectTimer = null;
      this.host.background(
        this.refreshManifest().then(async () => {
          if (this.host.hasAccess()) await this.connection?.reauthenticate();
        }),
      );
    }, 20);
  }

  /** Coalesces manifest refreshes asked for by envelopes from devices not yet known. */
  refreshSoon(): void {
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = null;
      this.host.background(this.refreshManifest());
    }, 50);
  }

  /** Fetches the newest manifest, verifies it and applies new grants and keys. */
  async refreshManifest(): Promise<void> {
    const { relayUrl, recordId } = this.host;
    let bytes: Uint8Array | null;
    try {
      bytes = await getManifest(relayUrl, recordId);
    } catch {
      return;
    }
    if (!bytes) return;
    const current = this.host.manifest();
    const m = acceptManifest(bytes, current.rootKey, current, Date.now());
    if (!('error' in m)) {
      if (m.version !== current.version) await this.host.adoptManifests([m]);
      return;
    }
    if (m.error === 'not-permitted') {
      // A delegate's change is checked against the manifest it was made on: this device may have
      // missed versions in between. Check every step the relay kept.
      const chain = await getManifestsAfter(relayUrl, recordId, current.version).catch(() => []);
      const now = this.host.manifest(); // as it is after the wait
      const steps = acceptManifestChain(chain, now.rootKey, now, Date.now());
      if (!('error' in steps) && steps.length > 0) {
        await this.host.adoptManifests(steps);
        return;
      }
    }
    this.error = m.message;
    this.host.notify();
  }

  /**
   * After a new manifest: reconnect when it opened compartments; when access ended (revoked,
   * removed), stop talking to the relay for this record (the manifest poll stays, so being
   * shared with again reconnects).
   */
  followManifest(opened: boolean): void {
    if (opened && this.connection && !this.host.released()) this.connect();
    if (!this.host.hasAccess() && this.connection) {
      this.connection.destroy();
      this.connection = null;
    } else if (this.host.hasAccess() && !this.connection && !this.host.released()) this.connect();
  }

  /** Resolves once the relay has acknowledged everything sent so far. */
  async settled(timeoutMs: number): Promise<void> {
    await this.connection?.settled(timeoutMs);
  }

  /** Stops the poll and the coalescing timers and drops the connection. */
  stop(): void {
    if (this.manifestTimer) clearInterval(this.manifestTimer);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.connection?.destroy();
    this.connection = null;
  }
}
