import * as Y from 'yjs';
import type { IndexeddbPersistence } from 'y-indexeddb';
import {
  decrypt,
  deriveKey,
  deviceKeysFromSeed,
  encrypt,
  makeRecoveryKit,
  newSeed,
  openRecoveryBlob,
  openSealed,
  parseRecoveryCode,
  randomBytes,
  rootKeysFromSeed,
  seal,
  unwrapWithPassphrase,
  wrapWithPassphrase,
  type DeviceKeys,
  type KdfParams,
  type RootKeys,
} from '$lib/core/crypto/index';
import {
  acceptManifest,
  addOwnerDevice,
  createRecordManifest,
  decodeKeychain,
  encodeKeychain,
  linkContext,
  ManifestKeyring,
  newMailboxId,
  openLockboxes,
  type EpochKeys,
  type LinkRequest,
} from '$lib/core/sharing/index';
import {
  EncryptedDocBinding,
  decodeManifest,
  encodeManifest,
  granteeFor,
  isProtocolError,
  type BindingStats,
  type SignedManifest,
} from '$lib/core/sync/index';
import {
  listEntries,
  migrate,
  newEntryId,
  PAIN_CHECKIN,
  putEntry,
  validateRecordUpdate,
  type Compartment,
  type Entry,
  type PainCheckIn,
} from '$lib/core/record/index';
import { persistOuter } from '$lib/platform/outer-store';
import {
  getManifest,
  getRecoveryBlob,
  putMailbox,
  putManifest,
  putRecoveryBlob,
  takeMailbox,
  RelayError,
} from '$lib/platform/relay-http';
import {
  RelayConnection,
  type ConnectionState,
  type DocSyncState,
} from '$lib/platform/relay-socket';
import { DeviceStore, type VaultRow } from '$lib/platform/vault-db';

/**
 * The patient's record, opened on this device: the wiring of keys, the encrypted compartments,
 * local storage and the relay. Plain TypeScript so it runs in tests; `session.svelte.ts` wraps it
 * in runes for the UI.
 */

export type SyncState =
  | { state: 'local' }
  | { state: 'offline'; pending: number }
  | { state: 'pending'; pending: number }
  | { state: 'synced' }
  | { state: 'problem'; detail: string };

export interface OpenCompartment {
  readonly name: string;
  readonly docId: string;
  readonly inner: Y.Doc;
  readonly outer: Y.Doc;
  readonly binding: EncryptedDocBinding;
  readonly persistence: IndexeddbPersistence | null;
}

export interface SessionOptions {
  /** scrypt settings; tests pass cheaper ones. */
  readonly kdf?: Omit<KdfParams, 'salt'>;
  /** For Node tests. */
  readonly WebSocketPolyfill?: unknown;
  /** Persist outer docs in IndexedDB (off in some tests). */
  readonly persist?: boolean;
  readonly batchMs?: number;
  /** Separates simulated devices in one test process. */
  readonly namespace?: string;
}

function storeFor(opts: SessionOptions): DeviceStore {
  return new DeviceStore(opts.namespace ?? '');
}

export class RecordSession {
  private connection: RelayConnection | null = null;
  private listeners = new Set<() => void>();
  private connState: ConnectionState = 'connecting';
  private docStates: DocSyncState[] = [];
  private stats = new Map<string, BindingStats>();
  private manifestTimer: ReturnType<typeof setInterval> | null = null;
  private publishError: string | null = null;

  private constructor(
    readonly recordId: string,
    readonly relayUrl: string,
    readonly device: DeviceKeys,
    readonly root: RootKeys | null,
    private manifest: SignedManifest,
    readonly keyring: ManifestKeyring,
    private readonly epochKeys: EpochKeys,
    readonly compartments: Map<string, OpenCompartment>,
    private readonly opts: SessionOptions,
    private readonly localKey: Uint8Array,
    private readonly store: DeviceStore,
  ) {}

  // ------------------------------------------------------------------------------------------
  // Starting points

  /** Creates a new record on this device. Returns the session and the recovery kit code. */
  static async create(
    passphrase: string,
    relayUrl: string,
    opts: SessionOptions = {},
  ): Promise<{ session: RecordSession; recoveryCode: string }> {
    const root = rootKeysFromSeed(newSeed());
    const deviceSeed = newSeed();
    const device = deviceKeysFromSeed(deviceSeed);
    const { manifest, keys } = createRecordManifest(root, device, Date.now());
    const kit = makeRecoveryKit(root);
    await saveVault(
      storeFor(opts),
      passphrase,
      relayUrl,
      root,
      deviceSeed,
      keys,
      manifest,
      opts,
      kit.blob,
    );
    const session = await RecordSession.open(relayUrl, deviceSeed, root, manifest, keys, opts);
    return { session, recoveryCode: kit.code };
  }

  /** Unlocks the record stored on this device; `null` when the passphrase is wrong. */
  static async unlock(
    passphrase: string,
    opts: SessionOptions = {},
  ): Promise<RecordSession | null> {
    const row = await storeFor(opts).readVault();
    if (!row) throw new Error('There is no record on this device.');
    const secret = await unwrapWithPassphrase(passphrase, row.keychain);
    if (!secret) return null;
    const keychain = decodeKeychain(secret);
    if (!keychain) throw new Error('The stored keys are damaged.');
    const manifest = decodeManifest(row.manifest);
    if (isProtocolError(manifest)) throw new Error('The stored manifest is damaged.');
    const root = keychain.rootSeed ? rootKeysFromSeed(keychain.rootSeed) : null;
    const session = await RecordSession.open(
      row.relayUrl,
      keychain.deviceSeed,
      root,
      manifest,
      keychain.epochKeys,
      opts,
    );
    return session;
  }

  /** Restores the record on a new device from the recovery code and the relay's copy. */
  static async restore(
    code: string,
    passphrase: string,
    relayUrl: string,
    opts: SessionOptions = {},
  ): Promise<RecordSession> {
    const parsed = parseRecoveryCode(code);
    if ('error' in parsed) throw new RestoreError(parsed.error);
    const blob = await getRecoveryBlob(relayUrl, parsed.recordId);
    if (!blob) throw new RestoreError('not-found');
    const root = openRecoveryBlob(parsed.recordId, parsed.kitSecret, blob);
    if (!root) throw new RestoreError('does-not-open');
    const bytes = await getManifest(relayUrl, root.recordId);
    if (!bytes) throw new RestoreError('not-found');
    const current = acceptManifest(bytes, root.signPublic, null, Date.now());
    if ('error' in current) throw new RestoreError('manifest', current.message);
    const keys = openLockboxes(current, root);
    const deviceSeed = newSeed();
    const device = deviceKeysFromSeed(deviceSeed);
    const manifest = addOwnerDevice(current, root, device, keys, Date.now());
    await putManifest(relayUrl, manifest);
    const store = storeFor(opts);
    await saveVault(store, passphrase, relayUrl, root, deviceSeed, keys, manifest, opts, null);
    await store.updateVault({ published: true });
    return RecordSession.open(relayUrl, deviceSeed, root, manifest, keys, opts);
  }

  private static async open(
    relayUrl: string,
    deviceSeed: Uint8Array,
    root: RootKeys | null,
    manifest: SignedManifest,
    keys: EpochKeys,
    opts: SessionOptions,
  ): Promise<RecordSession> {
    const device = deviceKeysFromSeed(deviceSeed);
    const localKey = deriveKey(deviceSeed, 'checkpoint');
    openLockboxes(manifest, device, keys);
    const keyring = new ManifestKeyring(manifest, keys);
    const grant = granteeFor(
      manifest,
      device.signPublic,
      manifest.compartments[0]!.docId,
      Date.now(),
    );
    const role = grant?.role ?? 'viewer';
    const compartments = new Map<string, OpenCompartment>();
    const session = new RecordSession(
      manifest.recordId,
      relayUrl,
      device,
      root,
      manifest,
      keyring,
      keys,
      compartments,
      opts,
      localKey,
      storeFor(opts),
    );
    for (const c of manifest.compartments) {
      if (!granteeFor(manifest, device.signPublic, c.docId, Date.now())) continue;
      const outer = new Y.Doc();
      const persistence =
        opts.persist === false
          ? null
          : await persistOuter(session.store.outerDbName(manifest.recordId, c.docId), outer);
      const inner = new Y.Doc();
      const checkpoint = await session.loadCheckpoint(c.docId);
      const binding = new EncryptedDocBinding({
        ...(checkpoint ? { checkpoint } : {}),
        docId: c.docId,
        inner,
        outer,
        keyring,
        author: { signPublic: device.signPublic, signSecret: device.signSecret, role },
        validate: validateRecordUpdate,
        batchMs: opts.batchMs ?? 50,
        onChange: (s) => {
          session.stats.set(c.docId, s);
          session.notify();
        },
        onUnknownAuthor: () => session.refreshSoon(),
      });
      if (role === 'owner') migrate(inner);
      inner.on('update', () => session.notify());
      compartments.set(c.name, {
        name: c.name,
        docId: c.docId,
        inner,
        outer,
        binding,
        persistence,
      });
    }
    await session.publish();
    session.connect();
    return session;
  }

  // ------------------------------------------------------------------------------------------
  // Local checkpoints: the inner state, encrypted under a key only this device derives, so that
  // opening the record verifies only what arrived since (DESIGN §7: open ≤ 300 ms).

  private checkpointAad(docId: string): Uint8Array {
    return new TextEncoder().encode(`checkpoint:${this.recordId}:${docId}`);
  }

  private async loadCheckpoint(docId: string): Promise<Uint8Array | null> {
    if (this.opts.persist === false) return null;
    const row = await this.store.readCheckpoint(docId);
    if (!row) return null;
    return decrypt(this.localKey, row.nonce, row.ciphertext, this.checkpointAad(docId));
  }

  /** Saves an encrypted checkpoint of every compartment. */
  async saveCheckpoints(): Promise<void> {
    if (this.opts.persist === false) return;
    for (const c of this.compartments.values()) {
      const { nonce, ciphertext } = encrypt(
        this.localKey,
        c.binding.checkpoint(),
        this.checkpointAad(c.docId),
      );
      await this.store.writeCheckpoint({ docId: c.docId, nonce, ciphertext });
    }
  }

  // ------------------------------------------------------------------------------------------
  // Relay

  private connect(): void {
    this.connection?.destroy();
    this.connection = new RelayConnection({
      relayUrl: this.relayUrl,
      recordId: this.recordId,
      signer: this.device,
      docs: [...this.compartments.values()].map((c) => ({ docId: c.docId, doc: c.outer })),
      WebSocketPolyfill: this.opts.WebSocketPolyfill,
      onChange: (state, docs) => {
        const cameOnline = state === 'online' && this.connState !== 'online';
        if (state === 'denied' && this.connState !== 'denied') void this.retryAfterDenial();
        this.connState = state;
        this.docStates = docs;
        if (cameOnline) void this.publish();
        this.notify();
      },
    });
    this.manifestTimer ??= setInterval(() => void this.refreshManifest(), 30_000);
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
    const row = await this.store.readVault();
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
    const row = await this.store.readVault();
    if (!row) return;
    try {
      if (!row.published) {
        await putManifest(this.relayUrl, this.manifest);
        await this.store.updateVault({ published: true });
      }
      if (row.pendingRecoveryBlob && this.root) {
        await putRecoveryBlob(this.relayUrl, this.recordId, row.pendingRecoveryBlob, this.device);
        await this.store.updateVault({ pendingRecoveryBlob: null });
      }
      this.publishError = null;
    } catch (e) {
      this.publishError = e instanceof RelayError && e.code !== 'offline' ? e.message : null;
    }
    this.notify();
  }

  private refreshTimer: ReturnType<typeof setTimeout> | null = null;

  /** Coalesces manifest refreshes asked for by envelopes from devices not yet known. */
  refreshSoon(): void {
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = null;
      void this.refreshManifest();
    }, 50);
  }

  /** Fetches the newest manifest, verifies it and applies new grants and keys. */
  async refreshManifest(): Promise<void> {
    let bytes: Uint8Array | null;
    try {
      bytes = await getManifest(this.relayUrl, this.recordId);
    } catch {
      return;
    }
    if (!bytes) return;
    const m = acceptManifest(bytes, this.manifest.rootKey, this.manifest, Date.now());
    if ('error' in m) {
      this.publishError = m.message;
      this.notify();
      return;
    }
    if (m.version === this.manifest.version) return;
    await this.adoptManifest(m);
  }

  private async adoptManifest(m: SignedManifest): Promise<void> {
    this.manifest = m;
    this.keyring.update(m, this.device);
    if (this.root) openLockboxes(m, this.root, this.epochKeys);
    for (const c of this.compartments.values()) c.binding.retryDeferred();
    await this.store.updateVault({ manifest: encodeManifest(m), manifestVersion: m.version });
    this.notify();
  }

  // ------------------------------------------------------------------------------------------
  // Linking another device of the patient's

  /** On an owner device: adds the device that showed `request` and hands it the root. */
  async approveLink(request: LinkRequest): Promise<void> {
    if (!this.root) throw new Error('Only a device that holds the record root can link devices.');
    const m = addOwnerDevice(this.manifest, this.root, request, this.epochKeys, Date.now());
    await putManifest(this.relayUrl, m);
    await this.adoptManifest(m);
    const payload = new Uint8Array(32 + this.recordId.length);
    payload.set(this.root.seed, 0);
    payload.set(new TextEncoder().encode(this.recordId), 32);
    await putMailbox(
      this.relayUrl,
      request.mailbox,
      seal(request.boxPublic, payload, linkContext(request.mailbox)),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Reading and writing

  compartment(name: Compartment): OpenCompartment | undefined {
    return this.compartments.get(name);
  }

  get role() {
    return granteeFor(
      this.manifest,
      this.device.signPublic,
      this.manifest.compartments[0]!.docId,
      Date.now(),
    )?.role;
  }

  entries(name: Compartment = 'clinical', type?: string): Entry[] {
    const c = this.compartments.get(name);
    return c ? listEntries(c.inner, type) : [];
  }

  addPainCheckIn(data: PainCheckIn, at: Date = new Date()): Entry<PainCheckIn> {
    const c = this.compartments.get('clinical');
    if (!c) throw new Error('This device cannot write to the clinical compartment.');
    const entry: Entry<PainCheckIn> = {
      id: newEntryId(at.getTime()),
      type: PAIN_CHECKIN,
      at: at.toISOString(),
      author: { deviceId: this.device.deviceId, role: this.role ?? 'owner' },
      data,
      v: 1,
    };
    putEntry(c.inner, entry);
    return entry;
  }

  /** Seals pending changes now instead of at the end of the batch window. */
  flush(): void {
    for (const c of this.compartments.values()) c.binding.flush();
  }

  syncState(): SyncState {
    const rejected = [...this.stats.values()].reduce((n, s) => n + s.rejected.length, 0);
    const gaps = [...this.stats.values()].reduce((n, s) => n + s.gaps.size, 0);
    if (this.connState === 'denied') {
      return { state: 'problem', detail: 'The relay refused this device.' };
    }
    if (this.publishError) return { state: 'problem', detail: this.publishError };
    if (rejected > 0) {
      return {
        state: 'problem',
        detail: `${rejected} change(s) failed verification and were ignored.`,
      };
    }
    if (gaps > 0)
      return { state: 'problem', detail: 'Some changes seem to be missing on the relay.' };
    const unsealed = [...this.stats.values()].reduce((n, s) => n + s.unsealed, 0);
    const pending = this.docStates.reduce((n, d) => n + d.unsynced, 0) + (unsealed > 0 ? 1 : 0);
    if (this.connState !== 'online') return { state: 'offline', pending };
    if (pending > 0 || this.docStates.some((d) => !d.synced)) return { state: 'pending', pending };
    return { state: 'synced' };
  }

  /** Resolves once the relay has acknowledged everything written so far. */
  async settled(timeoutMs = 10_000): Promise<void> {
    this.flush();
    await this.connection?.settled(timeoutMs);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  /** Drops every plaintext in memory; the ciphertext stays in IndexedDB and on the relay. */
  async close(): Promise<void> {
    this.flush();
    await this.saveCheckpoints();
    if (this.manifestTimer) clearInterval(this.manifestTimer);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.connection?.destroy();
    for (const c of this.compartments.values()) {
      c.binding.destroy();
      await c.persistence?.destroy();
      c.inner.destroy();
      c.outer.destroy();
    }
    this.compartments.clear();
    this.listeners.clear();
    this.store.close();
  }

  /** Removes the record from this device only. */
  async forgetDevice(): Promise<void> {
    const names = [...this.compartments.values()].map((c) =>
      this.store.outerDbName(this.recordId, c.docId),
    );
    await this.close();
    await this.store.erase(names);
  }
}

export type RestoreFailure =
  'empty' | 'characters' | 'length' | 'checksum' | 'not-found' | 'does-not-open' | 'manifest';

export class RestoreError extends Error {
  constructor(
    readonly code: RestoreFailure,
    detail?: string,
  ) {
    super(detail ?? code);
    this.name = 'RestoreError';
  }
}

async function saveVault(
  store: DeviceStore,
  passphrase: string,
  relayUrl: string,
  root: RootKeys,
  deviceSeed: Uint8Array,
  keys: EpochKeys,
  manifest: SignedManifest,
  opts: SessionOptions,
  recoveryBlob: Uint8Array | null,
): Promise<void> {
  const secret = encodeKeychain({ deviceSeed, rootSeed: root.seed, epochKeys: keys });
  const row: VaultRow = {
    id: 'device',
    recordId: root.recordId,
    rootKey: root.signPublic,
    relayUrl,
    keychain: await wrapWithPassphrase(passphrase, secret, opts.kdf),
    manifest: encodeManifest(manifest),
    manifestVersion: manifest.version,
    createdAt: Date.now(),
    published: false,
    pendingRecoveryBlob: recoveryBlob,
  };
  await store.writeVault(row);
}

/**
 * The new device's side of linking: shows `code`, waits for the owner device to drop the sealed
 * root into the mailbox, then joins the record under a passphrase of its own.
 */
export interface PendingLink {
  readonly request: LinkRequest;
  readonly deviceSeed: Uint8Array;
  readonly boxSecret: Uint8Array;
}

export function startLink(relayUrl: string): PendingLink {
  const deviceSeed = newSeed();
  const device = deviceKeysFromSeed(deviceSeed);
  return {
    request: {
      mailbox: newMailboxId(randomBytes(16)),
      signPublic: device.signPublic,
      boxPublic: device.boxPublic,
      relayUrl,
    },
    deviceSeed,
    boxSecret: device.boxSecret,
  };
}

/** Polls the mailbox once; resolves to a session when the link completed, `null` if not yet. */
export async function completeLink(
  pending: PendingLink,
  passphrase: string,
  opts: SessionOptions = {},
): Promise<RecordSession | null> {
  const { relayUrl, mailbox } = pending.request;
  const sealed = await takeMailbox(relayUrl, mailbox);
  if (!sealed) return null;
  const payload = openSealed(pending.boxSecret, sealed, linkContext(mailbox));
  if (!payload || payload.length < 33) throw new Error('The link answer does not open.');
  const root = rootKeysFromSeed(payload.slice(0, 32));
  if (new TextDecoder().decode(payload.slice(32)) !== root.recordId) {
    throw new Error('The link answer is inconsistent.');
  }
  const bytes = await getManifest(relayUrl, root.recordId);
  if (!bytes) throw new Error('The record is not on the relay.');
  const manifest = acceptManifest(bytes, root.signPublic, null, Date.now());
  if ('error' in manifest) throw new Error(manifest.message);
  const device = deviceKeysFromSeed(pending.deviceSeed);
  if (!granteeFor(manifest, device.signPublic, manifest.compartments[0]!.docId, Date.now())) {
    throw new Error('The record does not list this device yet.');
  }
  const keys = openLockboxes(manifest, device);
  const store = storeFor(opts);
  await saveVault(
    store,
    passphrase,
    relayUrl,
    root,
    pending.deviceSeed,
    keys,
    manifest,
    opts,
    null,
  );
  await store.updateVault({ published: true });
  store.close();
  const session = await RecordSession.unlock(passphrase, opts);
  if (!session) throw new Error('The new vault does not open.');
  return session;
}
