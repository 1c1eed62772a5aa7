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
  unwrapAndUpgrade,
  verifyEnvelopeSignatureAsync,
  wrapWithPassphrase,
  type DeviceKeys,
  type KdfSettings,
  type RootKeys,
} from '$lib/core/crypto/index';
import {
  acceptManifest,
  acceptManifestChain,
  addOwnerDevice,
  createRecordManifest,
  decodeKeychain,
  encodeKeychain,
  linkContext,
  ManifestKeyring,
  newMailboxId,
  openLockboxes,
  grantAccess,
  revokeAccess,
  inviteMailbox,
  encodeInviteCode,
  openInviteAnswer,
  sealShareNotice,
  signInvite,
  signLinkRequest,
  assertLinkRequestSigned,
  assertPersonSigned,
  type ContactCard,
  type EpochKeys,
  type Invite,
  type InviteAnswer,
  type LinkRequest,
  type ManifestSigner,
} from '$lib/core/sharing/index';
import {
  CLOCK_SKEW_MS,
  EncryptedDocBinding,
  decodeManifest,
  encodeManifest,
  bytesEqual,
  granteeFor,
  hasValidCertificate,
  isProtocolError,
  toHex,
  type BindingStats,
  type ManifestGrantee,
  type SignedManifest,
} from '$lib/core/sync/index';
import {
  ACCESS_EVENT,
  CARE_EVENT,
  isCareEvent,
  isMedication,
  isMotionTest,
  isPsfsResponse,
  newQuestionnaireResponse,
  isRedFlags,
  MEDICATION,
  MESSAGE,
  MOTION_TEST,
  PSFS,
  QUESTIONNAIRE,
  RED_FLAGS,
  type CareEvent,
  type Medication,
  type MotionTest,
  type PsfsResponse,
  type QuestionnaireResponse,
  type StoredQuestionnaireResponse,
  type RedFlags,
  NOTE,
  listEntries,
  migrate,
  newEntryId,
  PAIN_CHECKIN,
  putEntry,
  validateRecordUpdate,
  type AccessEvent,
  type Compartment,
  type Entry,
  type Message,
  type Note,
  type PainCheckIn,
} from '$lib/core/record/index';
import { persistOuter } from '$lib/platform/outer-store';
import {
  getLastSeen,
  getManifest,
  getManifestsAfter,
  relayClockSkew,
  getRecoveryBlob,
  getRecoveryBlobByLocator,
  putMailbox,
  putManifest,
  putRecoveryBlob,
  takeMailbox,
  RelayError,
} from '$lib/platform/relay-http';
import {
  RelayConnection,
  type SharedSocket,
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
  | { state: 'problem'; problem: SyncProblem; count?: number; detail?: string };

/**
 * Why a record does not sync, as a code the UI words in the user's language (`detail`, when
 * present, is the relay's own English message, for support).
 */
export type SyncProblem =
  'access-ended' | 'denied' | 'clock' | 'publish' | 'rejected' | 'gaps' | 'awaiting-manifest';

export interface OpenCompartment {
  readonly name: string;
  readonly docId: string;
  readonly inner: Y.Doc;
  readonly outer: Y.Doc;
  readonly binding: EncryptedDocBinding;
  readonly persistence: IndexeddbPersistence | null;
}

export interface SessionOptions {
  /** Passphrase KDF settings for new wrappings (and upgrades); tests pass cheaper ones. */
  readonly kdf?: KdfSettings;
  /** For Node tests. */
  readonly WebSocketPolyfill?: unknown;
  /** Persist outer docs in IndexedDB (off in some tests). */
  readonly persist?: boolean;
  readonly batchMs?: number;
  /** Separates simulated devices in one test process, and a workspace's records. */
  readonly namespace?: string;
  /** Who writes from this device, as entries name them (professionals and relatives). */
  readonly authorInfo?: { readonly name: string; readonly sector: string };
  /** One WebSocket shared by many records (a professional's workspace). */
  readonly socket?: SharedSocket;
  /** Told of every newer manifest accepted (a workspace stores it with its list of records). */
  readonly onManifest?: (m: SignedManifest) => void | Promise<void>;
}

/** What the patient chooses when sharing. */
export interface GrantScope {
  readonly role: 'delegate' | 'professional' | 'viewer';
  readonly compartments: readonly Compartment[];
  /** Unix ms, or null for no end. */
  readonly notAfter: number | null;
  /** A delegate who may manage sharing. */
  readonly manage: boolean;
}

/** One line of the access page. */
export interface AccessRow {
  readonly device: string;
  readonly role: ManifestGrantee['role'];
  readonly compartments: readonly string[];
  readonly since: number;
  readonly notAfter: number | null;
  readonly manage: boolean;
  /** From the audit trail; `null` if this device never saw the grant being made. */
  readonly person: AccessEvent['person'] | null;
}

export class SharingError extends Error {
  override name = 'SharingError';
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
      kit,
    );
    const session = await RecordSession.open(relayUrl, deviceSeed, root, manifest, keys, opts);
    return { session, recoveryCode: kit.code };
  }

  /** Unlocks the record stored on this device; `null` when the passphrase is wrong. */
  static async unlock(
    passphrase: string,
    opts: SessionOptions = {},
  ): Promise<RecordSession | null> {
    const store = storeFor(opts);
    const row = await store.readVault();
    if (!row) throw new Error('There is no record on this device.');
    const opened = await unwrapAndUpgrade(passphrase, row.keychain, opts.kdf);
    if (!opened) return null;
    const keychain = decodeKeychain(opened.secret);
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
    // Weaker KDF settings are replaced after the record is open, in one write: the old or the
    // new wrapping, never neither. Should it fail, the old stays and the next unlock tries again.
    if (opened.upgrade) {
      void opened
        .upgrade()
        .then((keychain) => store.updateVault({ keychain }))
        .catch(() => undefined)
        .finally(() => store.close());
    }
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
    const blob =
      parsed.format === 2
        ? await getRecoveryBlobByLocator(relayUrl, parsed.locator)
        : await getRecoveryBlob(relayUrl, parsed.recordId);
    if (!blob) throw new RestoreError('not-found');
    const root = openRecoveryBlob(parsed, blob);
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
        onStaleManifest: () => session.refreshSoon(),
        // WebCrypto where the runtime has it: the envelopes of an open are checked concurrently.
        verifySignature: verifyEnvelopeSignatureAsync,
      });
      await binding.settled();
      if (role === 'owner') migrate(inner, { deviceId: device.deviceId });
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
      ...(this.opts.socket ? { socket: this.opts.socket } : {}),
      onManifestNotice: (version) => {
        if (version > this.manifest.version) this.refreshSoon();
      },
      onChange: (state, docs) => {
        const cameOnline = state === 'online' && this.connState !== 'online';
        if (state === 'denied' && this.connState !== 'denied') {
          // Refused: maybe the record is not on the relay yet, maybe this grant ended.
          void this.refreshManifest();
          void this.retryAfterDenial();
        }
        this.connState = state;
        this.docStates = docs;
        if (cameOnline) void this.publish();
        this.notify();
      },
    });
    this.manifestTimer ??= setInterval(() => void this.tick(), 30_000);
  }

  /** Every 30 s: the newest manifest; and grants past their end are removed with a rotation. */
  private async tick(): Promise<void> {
    await this.refreshManifest();
    const now = Date.now();
    if (
      this.canManageSharing &&
      this.manifest.grantees.some((g) => g.notAfter !== null && g.notAfter <= now)
    ) {
      await this.revoke('expired').catch(() => undefined);
    }
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
        const locator = row.pendingRecoveryLocator ?? null;
        const blob = row.pendingRecoveryBlob;
        await putRecoveryBlob(this.relayUrl, this.recordId, blob, this.device, locator);
        await this.store.updateVault({ pendingRecoveryBlob: null, pendingRecoveryLocator: null });
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
    if (!('error' in m)) {
      if (m.version !== this.manifest.version) await this.adoptManifests([m]);
      return;
    }
    if (m.error === 'not-permitted') {
      // A delegate's change is checked against the manifest it was made on: this device may have
      // missed versions in between. Check every step the relay kept.
      const chain = await getManifestsAfter(
        this.relayUrl,
        this.recordId,
        this.manifest.version,
      ).catch(() => []);
      const steps = acceptManifestChain(chain, this.manifest.rootKey, this.manifest, Date.now());
      if (!('error' in steps) && steps.length > 0) {
        await this.adoptManifests(steps);
        return;
      }
    }
    this.publishError = m.message;
    this.notify();
  }

  /** Moves to the newest of `steps` (each a verified successor of the one before). */
  private async adoptManifests(steps: readonly SignedManifest[]): Promise<void> {
    const before = this.manifest;
    let previous = before;
    for (const step of steps) {
      this.keyring.update(step, this.device);
      if (this.root) openLockboxes(step, this.root, this.epochKeys, previous);
      previous = step;
    }
    const m = previous;
    this.manifest = m;
    for (const c of this.compartments.values()) {
      c.binding.retryDeferred();
      await c.binding.settled();
      // After a rotation an owner device writes a snapshot under the new epoch and deletes the
      // older envelopes (DESIGN §3, steps 3 and 4).
      const was = before.compartments.find((x) => x.docId === c.docId)?.epoch ?? 0;
      const now = m.compartments.find((x) => x.docId === c.docId)?.epoch ?? 0;
      if (now > was && this.role === 'owner') c.binding.compact();
    }
    await this.store.updateVault({ manifest: encodeManifest(m), manifestVersion: m.version });
    await this.opts.onManifest?.(m);
    this.notify();
  }

  // ------------------------------------------------------------------------------------------
  // Sharing (DESIGN §3): invites, grants, revocation and the audit trail

  /** Who signs manifest changes here: the root, or this device as a certified delegate. */
  private manifestSigner(): ManifestSigner | null {
    if (this.root) return this.root;
    const g = this.manifest.grantees.find((x) => bytesEqual(x.deviceKey, this.device.signPublic));
    return g && hasValidCertificate(this.manifest, g) ? this.device : null;
  }

  get canManageSharing(): boolean {
    return this.manifestSigner() !== null;
  }

  /** A fresh invite for someone to join this record; show `code` as QR or text. */
  createInvite(): { invite: Invite; code: string } {
    const invite: Invite = signInvite(
      {
        relayUrl: this.relayUrl,
        rootKey: this.manifest.rootKey,
        secret: randomBytes(16),
        issuer: this.device.signPublic,
      },
      this.device.signSecret,
    );
    return { invite, code: encodeInviteCode(invite) };
  }

  /** The invitee's answer once it arrived (`null` until then). Throws if it does not verify. */
  async takeInviteAnswer(invite: Invite): Promise<InviteAnswer | null> {
    const sealed = await takeMailbox(this.relayUrl, inviteMailbox(invite).mailbox);
    if (!sealed) return null;
    const answer = openInviteAnswer(invite, sealed);
    if (!answer) throw new SharingError('The answer to the invite does not open or verify.');
    return answer;
  }

  private docIds(names: readonly Compartment[]): string[] {
    return this.manifest.compartments
      .filter((c) => names.includes(c.name as Compartment))
      .map((c) => c.docId);
  }

  /**
   * Grants `person` access to the chosen compartments; writes the audit entry; for a contact
   * card, drops the record's address into the person's mailbox. `person` must be exactly what its
   * device signed (an altered code or answer throws `AlteredCodeError` and changes nothing).
   */
  async grant(
    person: InviteAnswer | ContactCard,
    scope: GrantScope,
    contact?: ContactCard,
  ): Promise<void> {
    // Another device (or a delegate) may have changed sharing meanwhile: build on the newest.
    await this.refreshManifest();
    const signer = this.manifestSigner();
    if (!signer)
      throw new SharingError('Only the patient or a delegate who manages sharing can share.');
    // Right before epoch keys are sealed to `person.device.boxPublic`.
    assertPersonSigned(person, this.recordId, contact);
    const now = Date.now();
    const existed = this.manifest.grantees.some((g) =>
      bytesEqual(g.deviceKey, person.device.signPublic),
    );
    const m = grantAccess(
      this.manifest,
      signer,
      {
        device: person.device,
        role: scope.role,
        compartments: this.docIds(scope.compartments),
        notAfter: scope.notAfter,
        manage: scope.manage,
      },
      this.epochKeys,
      now,
    );
    await putManifest(this.relayUrl, m);
    await this.adoptManifests([m]);
    this.audit({
      action: existed ? 'changed' : 'granted',
      device: toHex(person.device.signPublic),
      person: person.profile,
      role: scope.role,
      compartments: [...scope.compartments],
      notAfter: scope.notAfter === null ? null : new Date(scope.notAfter).toISOString(),
      ...(scope.manage ? { manage: true } : {}),
      manifestVersion: m.version,
    });
    if (contact) {
      await putMailbox(
        this.relayUrl,
        contact.mailbox,
        sealShareNotice(contact, this.relayUrl, this.manifest.rootKey),
      );
    }
  }

  /**
   * Ends grants (by device hex, or every expired one): new epochs for what they could read, keys
   * sealed to who remains, a snapshot, and the audit entries. What they saw stays with them.
   */
  async revoke(devices: readonly string[] | 'expired'): Promise<number> {
    await this.refreshManifest();
    const signer = this.manifestSigner();
    if (!signer)
      throw new SharingError('Only the patient or a delegate who manages sharing can do this.');
    const now = Date.now();
    const leaving = this.manifest.grantees.filter((g) =>
      devices === 'expired'
        ? g.notAfter !== null && g.notAfter <= now
        : devices.includes(toHex(g.deviceKey)),
    );
    if (leaving.length === 0) return 0;
    const { manifest } = revokeAccess(
      this.manifest,
      signer,
      leaving.map((g) => g.deviceKey),
      this.epochKeys,
      now,
    );
    await putManifest(this.relayUrl, manifest);
    await this.adoptManifests([manifest]);
    const people = this.accessPeople();
    for (const g of leaving) {
      const hex = toHex(g.deviceKey);
      const person = people.get(hex);
      this.audit({
        action: devices === 'expired' ? 'expired' : 'revoked',
        device: hex,
        person: person ?? {
          kind: 'relative',
          name: '?',
          profession: '',
          organisation: '',
          sector: 'other',
        },
        role: g.role === 'owner' ? 'viewer' : g.role,
        compartments: this.compartmentNames(g.compartments),
        notAfter: g.notAfter === null ? null : new Date(g.notAfter).toISOString(),
        manifestVersion: manifest.version,
      });
    }
    return leaving.length;
  }

  private compartmentNames(docIds: readonly string[]): string[] {
    return this.manifest.compartments.filter((c) => docIds.includes(c.docId)).map((c) => c.name);
  }

  /** The audit entry of a sharing change, where this device holds the clinical compartment. */
  private audit(event: AccessEvent): void {
    if (this.compartments.has('clinical')) this.write('clinical', ACCESS_EVENT, event, new Date());
  }

  /** The audit trail of sharing, oldest first. */
  accessEvents(): Entry<AccessEvent>[] {
    return (this.entries('clinical', ACCESS_EVENT) as Entry<AccessEvent>[]).reverse();
  }

  private accessPeople(): Map<string, AccessEvent['person']> {
    const people = new Map<string, AccessEvent['person']>();
    for (const e of this.accessEvents()) people.set(e.data.device, e.data.person);
    return people;
  }

  /** Everyone but the patient's own devices who holds a grant now. */
  accessList(): AccessRow[] {
    const people = this.accessPeople();
    return this.manifest.grantees
      .filter((g) => g.role !== 'owner')
      .map((g) => ({
        device: toHex(g.deviceKey),
        role: g.role,
        compartments: this.compartmentNames(g.compartments),
        since: g.since,
        notAfter: g.notAfter,
        manage: g.certificate !== null,
        person: people.get(toHex(g.deviceKey)) ?? null,
      }));
  }

  /** When each device last connected to the relay (owner devices only may ask). */
  async lastSeen(): Promise<Map<string, number>> {
    if (this.role !== 'owner') return new Map();
    return getLastSeen(this.relayUrl, this.recordId, this.device);
  }

  // ------------------------------------------------------------------------------------------
  // Linking another device of the patient's

  /**
   * On an owner device: adds the device that showed `request` and hands it the root. The request
   * must be exactly what that device signed, checked before the manifest changes and again right
   * before the root seed is sealed to its box key (`AlteredCodeError` otherwise).
   */
  async approveLink(request: LinkRequest): Promise<void> {
    if (!this.root) throw new Error('Only a device that holds the record root can link devices.');
    assertLinkRequestSigned(request);
    const m = addOwnerDevice(this.manifest, this.root, request, this.epochKeys, Date.now());
    await putManifest(this.relayUrl, m);
    await this.adoptManifests([m]);
    const payload = new Uint8Array(32 + this.recordId.length);
    payload.set(this.root.seed, 0);
    payload.set(new TextEncoder().encode(this.recordId), 32);
    assertLinkRequestSigned(request);
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

  get role(): ManifestGrantee['role'] | undefined {
    return roleIn(this.manifest, this.device.signPublic);
  }

  /** False once the manifest no longer lists this device (revoked or expired). */
  get hasAccess(): boolean {
    return this.role !== undefined;
  }

  /** The manifest as this device last accepted it. */
  get currentManifest(): SignedManifest {
    return this.manifest;
  }

  entries(name: Compartment = 'clinical', type?: string): Entry[] {
    const c = this.compartments.get(name);
    return c ? listEntries(c.inner, type) : [];
  }

  private write<T>(name: Compartment, type: string, data: T, at: Date): Entry<T> {
    const c = this.compartments.get(name);
    const role = this.role;
    if (!c || role === undefined) throw new SharingError(`This device cannot write to ${name}.`);
    if (role === 'viewer') throw new SharingError('A viewer reads only.');
    const entry: Entry<T> = {
      id: newEntryId(this.device.deviceId, at.getTime()),
      type,
      at: at.toISOString(),
      author: { deviceId: this.device.deviceId, role, ...(this.opts.authorInfo ?? {}) },
      data,
      v: 1,
    };
    putEntry(c.inner, entry);
    return entry;
  }

  addPainCheckIn(data: PainCheckIn, at: Date = new Date()): Entry<PainCheckIn> {
    return this.write('clinical', PAIN_CHECKIN, data, at);
  }

  addNote(text: string, at: Date = new Date()): Entry<Note> {
    return this.write('clinical', NOTE, { text }, at);
  }

  addMessage(
    text: string,
    replyTo?: string,
    at: Date = new Date(),
    forVisit = false,
  ): Entry<Message> {
    const data: Message = {
      text,
      ...(replyTo ? { replyTo } : {}),
      ...(forVisit ? { forVisit: true as const } : {}),
    };
    return this.write('messages', MESSAGE, data, at);
  }

  /** Saves a completed questionnaire; refuses answers the instrument cannot score. */
  addQuestionnaire(
    data: QuestionnaireResponse,
    at: Date = new Date(),
  ): Entry<StoredQuestionnaireResponse> {
    const response = newQuestionnaireResponse(data);
    if (!response) throw new RangeError('These answers cannot be scored.');
    return this.write('clinical', QUESTIONNAIRE, response, at);
  }

  addCareEvent(data: CareEvent, at: Date = new Date()): Entry<CareEvent> {
    if (!isCareEvent(data)) throw new RangeError('A care event needs a kind and a short label.');
    return this.write('clinical', CARE_EVENT, data, at);
  }

  addMedication(data: Medication, at: Date = new Date()): Entry<Medication> {
    if (!isMedication(data)) throw new RangeError('A medication needs a name.');
    return this.write('clinical', MEDICATION, data, at);
  }

  addPsfs(data: PsfsResponse, at: Date = new Date()): Entry<PsfsResponse> {
    if (!isPsfsResponse(data)) {
      throw new RangeError('Name one to five activities and rate each from 0 to 10.');
    }
    return this.write('clinical', PSFS, data, at);
  }

  addMotionTest(data: MotionTest, at: Date = new Date()): Entry<MotionTest> {
    if (!isMotionTest(data)) throw new RangeError('These measurements are out of range.');
    return this.write('clinical', MOTION_TEST, data, at);
  }

  addRedFlags(data: RedFlags, at: Date = new Date()): Entry<RedFlags> {
    if (!isRedFlags(data)) throw new RangeError('Every warning-sign question needs an answer.');
    return this.write('clinical', RED_FLAGS, data, at);
  }

  // ------------------------------------------------------------------------------------------
  // Device-local state: drafts and read markers, encrypted like the checkpoints and never synced.

  private localAad(key: string): Uint8Array {
    return new TextEncoder().encode(`local:${this.recordId}:${key}`);
  }

  /** Stores bytes on this device only, encrypted (e.g. a raw sensor recording). */
  async saveLocalBytes(key: string, bytes: Uint8Array): Promise<void> {
    const { nonce, ciphertext } = encrypt(this.localKey, bytes, this.localAad(key));
    await this.store.writeCheckpoint({ docId: `local:${key}`, nonce, ciphertext });
  }

  /** Reads bytes stored with {@link saveLocalBytes}; undefined when absent or unreadable. */
  async loadLocalBytes(key: string): Promise<Uint8Array | undefined> {
    const row = await this.store.readCheckpoint(`local:${key}`);
    if (!row) return undefined;
    return decrypt(this.localKey, row.nonce, row.ciphertext, this.localAad(key)) ?? undefined;
  }

  /** Stores a JSON value on this device only, encrypted. */
  async saveLocal(key: string, value: unknown): Promise<void> {
    await this.saveLocalBytes(key, new TextEncoder().encode(JSON.stringify(value)));
  }

  /** Reads a value stored with {@link saveLocal}; undefined when absent or unreadable. */
  async loadLocal(key: string): Promise<unknown> {
    const bytes = await this.loadLocalBytes(key);
    if (!bytes) return undefined;
    try {
      return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    } catch {
      return undefined;
    }
  }

  async clearLocal(key: string): Promise<void> {
    await this.store.deleteCheckpoint(`local:${key}`);
  }

  /** Seals pending changes now instead of at the end of the batch window. */
  flush(): void {
    for (const c of this.compartments.values()) c.binding.flush();
  }

  syncState(): SyncState {
    const rejected = [...this.stats.values()].reduce((n, s) => n + s.rejected.length, 0);
    const gaps = [...this.stats.values()].reduce((n, s) => n + s.gaps.size, 0);
    if (!this.hasAccess) return { state: 'problem', problem: 'access-ended' };
    if (this.connState === 'denied') {
      // Tokens carry times: a device clock off by more than the relay tolerates is refused.
      const skew = relayClockSkew();
      return {
        state: 'problem',
        problem: skew !== null && Math.abs(skew) > CLOCK_SKEW_MS ? 'clock' : 'denied',
      };
    }
    if (this.publishError) {
      return { state: 'problem', problem: 'publish', detail: this.publishError };
    }
    if (rejected > 0) return { state: 'problem', problem: 'rejected', count: rejected };
    if (gaps > 0) return { state: 'problem', problem: 'gaps' };
    // Keys were changed on another device and the relay has not given this one the new sharing
    // list yet: changes wait here, never "synced", until it has.
    if (
      [...this.stats.values()].some((s) => s.awaitingEpoch !== null || s.awaitingManifest !== null)
    ) {
      const unsealed = [...this.stats.values()].reduce((n, s) => n + s.unsealed, 0);
      return { state: 'problem', problem: 'awaiting-manifest', count: unsealed };
    }
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

/** The role a device holds in any compartment now, if it is listed. */
export function roleIn(
  m: SignedManifest,
  deviceKey: Uint8Array,
): ManifestGrantee['role'] | undefined {
  const now = Date.now();
  for (const c of m.compartments) {
    const g = granteeFor(m, deviceKey, c.docId, now);
    if (g) return g.role;
  }
  return undefined;
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
  kit: { readonly blob: Uint8Array; readonly locator: string } | null,
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
    pendingRecoveryBlob: kit?.blob ?? null,
    pendingRecoveryLocator: kit?.locator ?? null,
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
    request: signLinkRequest(
      {
        mailbox: newMailboxId(randomBytes(16)),
        signPublic: device.signPublic,
        boxPublic: device.boxPublic,
        relayUrl,
      },
      device.signSecret,
    ),
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
