import { mayWrite } from '$lib/core/record/registry';
import {
  deriveKey,
  deviceKeysFromSeed,
  type DeviceKeys,
  type RootKeys,
} from '$lib/core/crypto/index';
import { ManifestKeyring, openLockboxes, type EpochKeys } from '$lib/core/sharing/index';
import {
  granteeFor,
  type BindingStats,
  type ManifestCompartment,
  type ManifestGrantee,
  type Role,
  type SignedManifest,
} from '$lib/core/sync/index';
import {
  type Compartment,
  type Entry,
  type EntryDataMap,
  type EntryStoredMap,
  type EntryType,
} from '$lib/core/record/index';
import type { DeviceStore } from '$lib/platform/vault-db';
import { LocalStore } from './local-store';
import {
  openCompartment,
  upgradeCompartments,
  type CompartmentOpening,
} from './record-compartments';
import { adoptManifests, type ManifestAdoption } from './record-manifest';
import { RecordRelay, type RelayHost } from './record-relay';
import { completeLink as completeLinkWith, type PendingLink } from './device-link';
import { createRecord, restoreRecord, unlockRecord } from './record-open';
import {
  correctEntry,
  readEntries,
  readVersions,
  readVersionsOf,
  RECORD_VIEW,
  withdrawEntry,
  writeEntry,
  type EntryContext,
} from './record-entries';
import type { RecordVersions } from '$lib/core/record/versions';
import { syncStateOf } from './sync-state';
import { RecordSharing } from './record-sharing';
import { SessionFacade } from './session-facade';
import {
  roleIn,
  storeFor,
  type OpenCompartment,
  type SessionOptions,
  type SyncState,
} from './session-types';

export * from './session-types';
export { startLink, type PendingLink } from './device-link';

/**
 * How long the page may wait to hear of a change while a local change's signature is being
 * made (it takes well under a millisecond; this is only a bound).
 */
const NOTIFY_HOLD_MS = 50;

/**
 * The patient's record, opened on this device: the wiring of keys, the encrypted compartments,
 * the relay connection, the manifest and the sync state. Plain TypeScript so it runs in tests;
 * `session.svelte.ts` wraps it in runes for the UI. Its parts, one concept each: where sessions
 * start (`record-open.ts`; a linked device's, `device-link.ts`), the relay connection
 * (`record-relay.ts`), moving to newer manifests (`record-manifest.ts`), sharing
 * (`record-sharing.ts`), the device-local encrypted store (`local-store.ts`), the API that
 * passes on to those two (`session-facade.ts`) and entry writing and reading
 * (`record-entries.ts`, over the entry-type registry `core/record/registry.ts`).
 */
export class RecordSession extends SessionFacade {
  private listeners = new Set<() => void>();
  /** A change not told to the listeners yet ({@link notify}), and the timer that tells it. */
  private notifyPending = false;
  private notifyTimer: ReturnType<typeof setTimeout> | null = null;
  private stats = new Map<string, BindingStats>();
  private released = false;
  /** Adding missing compartments is done for this session (the tick no longer tries). */
  private upgraded = false;

  private constructor(
    readonly recordId: string,
    readonly relayUrl: string,
    readonly device: DeviceKeys,
    readonly root: RootKeys | null,
    private manifest: SignedManifest,
    readonly keyring: ManifestKeyring,
    /** @internal For the sharing part. */
    readonly epochKeys: EpochKeys,
    readonly compartments: Map<string, OpenCompartment>,
    private readonly opts: SessionOptions,
    localKey: Uint8Array,
    private readonly store: DeviceStore,
  ) {
    super();
    this.local = new LocalStore(recordId, localKey, store, opts.persist !== false);
    this.sharing = new RecordSharing(this);
    this.parts = {
      ...{ recordId, relayUrl, device, root, keyring, epochKeys, compartments, opts, store },
      local: this.local,
      manifest: () => this.manifest,
      setManifest: (m) => (this.manifest = m),
      role: () => this.role,
      hasAccess: () => this.hasAccess,
      released: () => this.released,
      openCompartment: (c, role) => this.openCompartment(c, role),
      adoptManifests: (steps) => this.adoptManifests(steps),
      followManifest: (opened) => this.relay.followManifest(opened),
      tick: () => this.tick(),
      onStats: (docId, st) => {
        this.stats.set(docId, st);
        this.notify();
      },
      onStaleManifest: () => this.refreshSoon(),
      onUpdate: () => this.notify(),
      notify: () => this.notify(),
      background: (work) => this.background(work),
    };
    this.relay = new RecordRelay(this.parts);
  }

  /** The device-local encrypted store: checkpoints, drafts, read markers. */
  override readonly local: LocalStore;
  /** Invites, grants, revocation, the access list and device linking. */
  override readonly sharing: RecordSharing;
  /** The relay connection, manifest refreshes and uploads (`record-relay.ts`). */
  private readonly relay: RecordRelay;
  /** What the session's parts (`record-relay.ts`, `record-manifest.ts`, …) use of it. */
  private readonly parts: RelayHost & ManifestAdoption & CompartmentOpening;

  // ------------------------------------------------------------------------------------------
  // Starting points

  /** Creates a new record on this device. Returns the session and the recovery kit code. */
  static create(
    passphrase: string,
    relayUrl: string,
    opts: SessionOptions = {},
  ): Promise<{ session: RecordSession; recoveryCode: string }> {
    return createRecord(passphrase, relayUrl, opts, RecordSession.open);
  }

  /** Unlocks the record stored on this device; `null` when the passphrase is wrong. */
  static unlock(passphrase: string, opts: SessionOptions = {}): Promise<RecordSession | null> {
    return unlockRecord(passphrase, opts, RecordSession.open);
  }

  /** Restores the record on a new device from the recovery code and the relay's copy. */
  static restore(
    code: string,
    passphrase: string,
    relayUrl: string,
    opts: SessionOptions = {},
  ): Promise<RecordSession> {
    return restoreRecord(code, passphrase, relayUrl, opts, RecordSession.open);
  }

  /** Opens a record shared with this device (a professional's or relative's workspace). */
  static async openShared(
    relayUrl: string,
    deviceSeed: Uint8Array,
    manifest: SignedManifest,
    opts: SessionOptions,
  ): Promise<RecordSession> {
    return RecordSession.open(relayUrl, deviceSeed, null, manifest, new Map(), opts);
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
    const role = roleIn(manifest, device.signPublic) ?? 'viewer';
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
      await session.openCompartment(c, role);
    }
    await session.publish();
    session.relay.connect();
    session.background(session.upgradeCompartments());
    return session;
  }

  /** Opens one compartment (at open, or when a new manifest grants it). */
  private async openCompartment(c: ManifestCompartment, role: Role): Promise<void> {
    this.compartments.set(c.name, await openCompartment(this.parts, c, role));
  }

  /** Adds what a record made by an older app lacks (`record-compartments.ts`). */
  private async upgradeCompartments(): Promise<void> {
    if (this.upgraded || this.released || this.role !== 'owner' || !this.root) return;
    if (this.opts.asOlderApp) return;
    this.upgraded = await upgradeCompartments({
      device: this.device,
      manifest: this.manifest,
      compartments: this.compartments,
      addMissing: () => this.sharing.addMissingCompartments(),
    });
  }

  // ------------------------------------------------------------------------------------------
  // Relay (record-relay.ts) and newer manifests (record-manifest.ts)

  /** Every 30 s: the newest manifest; and grants past their end are removed with a rotation. */
  private async tick(): Promise<void> {
    await this.refreshManifest();
    await this.upgradeCompartments();
    const now = Date.now();
    if (
      this.canManageSharing &&
      this.manifest.grantees.some((g) => g.notAfter !== null && g.notAfter <= now)
    ) {
      await this.revoke('expired').catch(() => undefined);
    }
  }

  /** The device lost its network: stop trying until it is back. */
  setOnline(online: boolean): void {
    this.relay.setOnline(online);
  }

  /** Uploads what was made while offline: the first manifest and the recovery blob. */
  publish(): Promise<void> {
    return this.relay.publish();
  }

  /** Coalesces manifest refreshes asked for by envelopes from devices not yet known. */
  refreshSoon(): void {
    this.relay.refreshSoon();
  }

  /** Fetches the newest manifest, verifies it and applies new grants and keys. */
  refreshManifest(): Promise<void> {
    return this.relay.refreshManifest();
  }

  /** Moves to the newest of `steps` (each a verified successor of the one before). */
  /** @internal For the sharing part. */
  adoptManifests(steps: readonly SignedManifest[]): Promise<void> {
    return adoptManifests(this.parts, steps);
  }

  // ------------------------------------------------------------------------------------------
  // Device-local storage (local-store.ts); the rest of its API and of sharing's passes on in
  // session-facade.ts.

  /** Saves an encrypted checkpoint of every compartment. */
  saveCheckpoints(): Promise<void> {
    return this.local.saveCheckpoints(
      [...this.compartments.values()].map((c) => ({
        docId: c.docId,
        checkpoint: () => c.binding.checkpoint(),
      })),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Reading and writing

  compartment(name: Compartment): OpenCompartment | undefined {
    return this.compartments.get(name);
  }

  get role(): ManifestGrantee['role'] | undefined {
    return roleIn(this.manifest, this.device.signPublic);
  }

  /** False once the manifest no longer lists this device (revoked or expired). */
  get hasAccess(): boolean {
    return this.role !== undefined;
  }

  /** Whether this device, in its current role, may write entries of `type` (registry rules). */
  canWrite(type: string): boolean {
    const role = this.role;
    return role !== undefined && mayWrite(role, type);
  }

  /** The manifest as this device last accepted it. */
  get currentManifest(): SignedManifest {
    return this.manifest;
  }

  /**
   * Live entries of a compartment, newest first: registered types whose data passes their guard
   * (`isValidEntry`); malformed entries from other devices are skipped.
   */
  entries(name: Compartment = 'clinical', type?: string): Entry[] {
    return readEntries(this.compartments, name, type);
  }

  /**
   * Writes an entry of a registered type (`core/record/registry.ts`) into its compartment, after
   * its guard and this device's write rule; throws and writes nothing otherwise.
   */
  write<K extends EntryType>(
    type: K,
    data: EntryDataMap[K],
    at: Date = new Date(),
  ): Entry<EntryStoredMap[K]> {
    return writeEntry(this.entryContext(), type, data, at);
  }

  /** Every version of a compartment's entries with who corrected or withdrew what (timeline). */
  versions(name: Compartment = 'clinical'): RecordVersions {
    return readVersions(this.compartments, name);
  }

  /**
   * Every version of what the record's pages show as one: the clinical entries and the warning
   * signs (`RECORD_VIEW`), as far as this device holds them.
   */
  record(): RecordVersions {
    return readVersionsOf(this.compartments, RECORD_VIEW);
  }

  /** The current entries of {@link record}, newest first (optionally of one type). */
  recordEntries(type?: string): Entry[] {
    const current = this.record().current;
    return type === undefined ? current : current.filter((e) => e.type === type);
  }

  /** Corrects `target` with a new version (`record-entries.ts`); throws and writes nothing if not allowed. */
  correct<K extends EntryType>(target: Entry, type: K, data: EntryDataMap[K]): Entry {
    return correctEntry(this.entryContext(), target, type, data);
  }

  /** Withdraws `target` with a reason; throws and writes nothing if not allowed. */
  withdraw(target: Entry, reason: string): Entry {
    return withdrawEntry(this.entryContext(), target, reason);
  }

  private entryContext(): EntryContext {
    return {
      compartments: this.compartments,
      role: this.role,
      deviceId: this.device.deviceId,
      recordHas: (name) => this.manifest.compartments.some((c) => c.name === name),
      authorInfo: this.opts.authorInfo,
    };
  }

  /** Seals pending changes now instead of at the end of the batch window. */
  flush(): void {
    for (const c of this.compartments.values()) c.binding.flush();
  }

  syncState(): SyncState {
    return syncStateOf({
      hasAccess: this.hasAccess,
      connState: this.relay.connState,
      publishError: this.relay.publishError,
      stats: [...this.stats.values()],
      docStates: this.relay.docStates,
    });
  }

  /** Resolves once the relay has acknowledged everything written so far. */
  async settled(timeoutMs = 10_000): Promise<void> {
    this.flush();
    await this.relay.settled(timeoutMs);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Tells the listeners (the page) that something changed. While a local change's signature is
   * being made (WebCrypto, off the main thread), they are told only once its envelope is in the
   * outer document and so on its way to the relay: a page that re-reads the record and renders
   * (several ms) would otherwise run first and hold the envelope back. At most
   * {@link NOTIFY_HOLD_MS} later; one call then stands for everything changed meanwhile.
   */
  private notify(): void {
    this.notifyPending = true;
    if (this.sealedUnsent()) {
      this.notifyTimer ??= setTimeout(() => this.deliver(), NOTIFY_HOLD_MS);
      return;
    }
    this.deliver();
  }

  private deliver(): void {
    if (this.notifyTimer !== null) clearTimeout(this.notifyTimer);
    this.notifyTimer = null;
    if (!this.notifyPending) return;
    this.notifyPending = false;
    for (const l of this.listeners) l();
  }

  private sealedUnsent(): boolean {
    for (const c of this.compartments.values()) if (c.binding.sealedUnsent > 0) return true;
    return false;
  }

  /** Drops every plaintext in memory; the ciphertext stays in IndexedDB and on the relay. */
  /**
   * Runs work nobody awaits (a manifest refresh, a publish after reconnecting). Once the session
   * is closed its stores are closed too, so a late failure of such work is expected and dropped;
   * before that, it surfaces as it would have unawaited.
   */
  private background(work: Promise<unknown>): void {
    work.catch((e: unknown) => {
      if (this.released) return;
      queueMicrotask(() => {
        throw e;
      });
    });
  }

  async close(): Promise<void> {
    await this.release();
    this.store.close();
  }

  /** Everything `close` does but closing this device's store. */
  private async release(): Promise<void> {
    this.released = true;
    this.flush();
    await this.saveCheckpoints();
    this.relay.stop();
    for (const c of this.compartments.values()) {
      c.binding.destroy();
      await c.persistence?.destroy();
      c.inner.destroy();
      c.outer.destroy();
    }
    this.compartments.clear();
    this.listeners.clear();
    if (this.notifyTimer !== null) clearTimeout(this.notifyTimer);
    this.notifyTimer = null;
  }

  /** Removes the record from this device only. */
  async forgetDevice(): Promise<void> {
    const names = [...this.compartments.values()].map((c) =>
      this.store.outerDbName(this.recordId, c.docId),
    );
    await this.release();
    await this.store.erase(names);
    this.store.close();
  }
}

/** Polls the mailbox once; resolves to a session when the link completed, `null` if not yet. */
export function completeLink(
  pending: PendingLink,
  passphrase: string,
  opts: SessionOptions = {},
): Promise<RecordSession | null> {
  return completeLinkWith(pending, passphrase, opts, RecordSession.unlock);
}
