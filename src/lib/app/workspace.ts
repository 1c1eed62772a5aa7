import {
  decrypt,
  deriveKey,
  deviceKeysFromSeed,
  encrypt,
  deviceFingerprint,
  newSeed,
  recordFingerprint,
  randomBytes,
  unwrapAndUpgrade,
  wrapWithPassphrase,
  type DeviceKeys,
} from '$lib/core/crypto/index';
import {
  acceptManifest,
  encodeContactCode,
  inviteMailbox,
  newMailboxId,
  openShareNotice,
  parseInviteCode,
  profileProblem,
  sealInviteAnswer,
  signContactCard,
  type CodeError,
  type ContactCard,
  type Invite,
  type Profile,
} from '$lib/core/sharing/index';
import {
  bytesEqual,
  decodeManifest,
  encodeManifest,
  hasValidCertificate,
  isProtocolError,
  type SignedManifest,
} from '$lib/core/sync/index';
import { getManifest, putMailbox, takeMailbox } from '$lib/platform/relay-http';
import { SharedSocket } from '$lib/platform/relay-socket';
import { WorkspaceStore, type SharedRecordRow } from '$lib/platform/workspace-db';
import { RecordSession, roleIn, type SessionOptions } from './record-session';
import {
  INDEX_KEY_LABEL,
  indexOf,
  openIndex,
  sameIndex,
  sealIndex,
  type PatientIndex,
} from './workspace-index';

/**
 * The workspace of a professional or a relative: a device identity with a profile, and the
 * records patients shared with it, all synced over one multiplexed WebSocket per relay.
 *
 * Joining works both ways (DESIGN §3): answer a patient's invite code, or show a contact code the
 * patient scans. Either way the record appears as "waiting" until the patient confirms; then its
 * manifest lists this device and the record opens, read-only or with notes and messages by role.
 */

export interface WorkspaceRecord {
  readonly recordId: string;
  readonly relayUrl: string;
  /** What to compare with the patient's screen. */
  readonly recordFingerprint: string;
  readonly waiting: boolean;
  /** The grant ended (revoked or expired): what was seen stays, nothing new arrives. */
  readonly ended: boolean;
  readonly session: RecordSession | null;
  /** The patient's name, date of birth and last activity, when the record has shown them. */
  readonly patient: PatientIndex | null;
}

export class WorkspaceError extends Error {
  override name = 'WorkspaceError';
  constructor(
    readonly code: CodeError | 'own-record' | 'profile' | 'relay' | 'issuer',
    message: string,
  ) {
    super(message);
  }
}

interface PendingContact {
  readonly card: ContactCard;
}

export class Workspace {
  private readonly sessions = new Map<string, RecordSession>();
  private readonly sockets = new Map<string, SharedSocket>();
  private rows: SharedRecordRow[] = [];
  private contacts: PendingContact[] = [];
  private listeners = new Set<() => void>();
  /** Per record: the patient index, opened from the encrypted cache or read from the record. */
  private readonly index = new Map<string, PatientIndex>();
  private readonly indexKey: Uint8Array;

  private constructor(
    readonly device: DeviceKeys,
    private readonly deviceSeed: Uint8Array,
    readonly profile: Profile,
    private readonly store: WorkspaceStore,
    private readonly opts: SessionOptions,
  ) {
    this.indexKey = deriveKey(deviceSeed, INDEX_KEY_LABEL);
  }

  static async exists(opts: SessionOptions = {}): Promise<boolean> {
    const store = new WorkspaceStore(opts.namespace ?? '');
    const row = await store.readIdentity();
    store.close();
    return row !== null;
  }

  static async create(
    profile: Profile,
    passphrase: string,
    opts: SessionOptions = {},
  ): Promise<Workspace> {
    const problem = profileProblem(profile);
    if (problem) throw new WorkspaceError('profile', `The profile is not complete (${problem}).`);
    const seed = newSeed();
    const store = new WorkspaceStore(opts.namespace ?? '');
    const { nonce, ciphertext } = encrypt(
      deriveKey(seed, 'workspace-profile'),
      new TextEncoder().encode(JSON.stringify(profile)),
    );
    await store.writeIdentity({
      id: 'me',
      keychain: await wrapWithPassphrase(passphrase, seed, opts.kdf),
      profileNonce: nonce,
      profileCiphertext: ciphertext,
      createdAt: Date.now(),
    });
    const ws = new Workspace(deviceKeysFromSeed(seed), seed, profile, store, opts);
    await ws.load();
    return ws;
  }

  /** `null` when the passphrase is wrong. */
  static async unlock(passphrase: string, opts: SessionOptions = {}): Promise<Workspace | null> {
    const store = new WorkspaceStore(opts.namespace ?? '');
    const row = await store.readIdentity();
    if (!row) throw new Error('There is no workspace on this device.');
    const opened = await unwrapAndUpgrade(passphrase, row.keychain, opts.kdf);
    if (!opened) {
      store.close();
      return null;
    }
    const seed = opened.secret;
    const plain = decrypt(
      deriveKey(seed, 'workspace-profile'),
      row.profileNonce,
      row.profileCiphertext,
    );
    const profile: unknown = plain ? JSON.parse(new TextDecoder().decode(plain)) : null;
    if (profileProblem(profile) !== null) throw new Error('The stored profile is damaged.');
    const ws = new Workspace(deviceKeysFromSeed(seed), seed, profile as Profile, store, opts);
    await ws.load();
    // Weaker KDF settings: once open, the identity is replaced in one write (old or new
    // wrapping, both open with the passphrase); a failure leaves the old one for next time.
    if (opened.upgrade) {
      const identity = new WorkspaceStore(opts.namespace ?? '');
      void opened
        .upgrade()
        .then((keychain) => identity.updateIdentity({ keychain }))
        .catch(() => undefined)
        .finally(() => identity.close());
    }
    return ws;
  }

  get deviceFingerprint(): string {
    return deviceFingerprint(this.device);
  }

  private async load(): Promise<void> {
    this.rows = await this.store.listRecords();
    for (const row of this.rows) {
      if (!row.indexNonce || !row.indexCiphertext) continue;
      const cached = openIndex(this.indexKey, row.recordId, row.indexNonce, row.indexCiphertext);
      if (cached) this.index.set(row.recordId, cached);
    }
    for (const row of this.rows) {
      if (row.manifest) await this.openRecord(row).catch(() => undefined);
    }
    this.notify();
  }

  private socketFor(relayUrl: string): SharedSocket {
    let s = this.sockets.get(relayUrl);
    if (!s) {
      s = new SharedSocket(relayUrl, this.opts.WebSocketPolyfill);
      this.sockets.set(relayUrl, s);
    }
    return s;
  }

  private async openRecord(row: SharedRecordRow): Promise<RecordSession | null> {
    if (this.sessions.has(row.recordId) || !row.manifest) return null;
    const m = decodeManifest(row.manifest);
    if (isProtocolError(m)) return null;
    const session = await RecordSession.openShared(row.relayUrl, this.deviceSeed, m, {
      ...this.opts,
      namespace: `${this.opts.namespace ?? ''}-ws-${row.recordId}`,
      authorInfo: {
        name: this.profile.name,
        sector: this.profile.sector,
        profession: this.profile.profession,
        organisation: this.profile.organisation,
      },
      socket: this.socketFor(row.relayUrl),
      onManifest: (next) =>
        this.store.updateRecord(row.recordId, { manifest: encodeManifest(next) }),
    });
    this.sessions.set(row.recordId, session);
    this.refreshIndex(row.recordId, session);
    session.subscribe(() => {
      this.refreshIndex(row.recordId, session);
      this.notify();
    });
    return session;
  }

  /**
   * Reads the patient's name, date of birth and last activity from the open record and, when
   * they changed, stores them sealed (`workspace-index.ts`). A record whose profile has not
   * arrived (or was never written) keeps the name cached before.
   */
  private refreshIndex(recordId: string, session: RecordSession): void {
    const prev = this.index.get(recordId);
    const next = {
      ...prev,
      ...indexOf([...session.recordEntries(), ...session.entries('messages')]),
    };
    if (sameIndex(prev, next)) return;
    this.index.set(recordId, next);
    const { nonce, ciphertext } = sealIndex(this.indexKey, recordId, next);
    void this.store
      .updateRecord(recordId, { indexNonce: nonce, indexCiphertext: ciphertext })
      .catch(() => undefined);
  }

  records(): WorkspaceRecord[] {
    return this.rows.map((row) => {
      const session = this.sessions.get(row.recordId) ?? null;
      return {
        recordId: row.recordId,
        relayUrl: row.relayUrl,
        recordFingerprint: recordFingerprint(row.rootKey),
        waiting: row.manifest === null,
        ended: session !== null && !session.hasAccess,
        session,
        patient: this.index.get(row.recordId) ?? null,
      };
    });
  }

  session(recordId: string): RecordSession | null {
    return this.sessions.get(recordId) ?? null;
  }

  /**
   * Answers a patient's invite: sends this device's keys and profile, sealed to the invite. The
   * record waits until the patient confirms. Returns the record's fingerprint to compare.
   */
  async acceptInvite(code: string): Promise<WorkspaceRecord> {
    const invite = parseInviteCode(code);
    if ('error' in invite) {
      throw new WorkspaceError(
        invite.error,
        {
          'wrong-kind': 'This is not a Backpack invite code.',
          damaged: 'The invite code is damaged or incomplete.',
          altered: 'The invite code has been changed or damaged; ask for a new one.',
          outdated: 'The invite code is from an older version; update the app on the other device.',
        }[invite.error],
      );
    }
    await this.checkIssuer(invite);
    const sealed = sealInviteAnswer(invite, this.device, this.profile);
    try {
      await putMailbox(invite.relayUrl, inviteMailbox(invite).mailbox, sealed);
    } catch (e) {
      throw new WorkspaceError('relay', e instanceof Error ? e.message : 'The relay refused.');
    }
    const row: SharedRecordRow = {
      recordId: invite.recordId,
      relayUrl: invite.relayUrl,
      rootKey: invite.rootKey,
      manifest: this.rows.find((r) => r.recordId === invite.recordId)?.manifest ?? null,
      addedAt: Date.now(),
    };
    await this.addRow(row);
    return this.records().find((r) => r.recordId === invite.recordId)!;
  }

  /**
   * The invite's signature only shows that its `issuer` made it; the issuer must also be one who
   * may share this record: an owner device or a managing delegate in the manifest signed by the
   * pinned root. An attacker who re-signs an edited invite with a key of its own is refused here,
   * before anything is sent.
   */
  private async checkIssuer(invite: Invite): Promise<void> {
    let bytes: Uint8Array | null;
    try {
      bytes = await getManifest(invite.relayUrl, invite.recordId);
    } catch (e) {
      throw new WorkspaceError('relay', e instanceof Error ? e.message : 'The relay refused.');
    }
    const m = bytes ? acceptManifest(bytes, invite.rootKey, null, Date.now()) : null;
    if (!m || 'error' in m || !mayShare(m, invite.issuer)) {
      throw new WorkspaceError(
        'issuer',
        'The invite was not made by a device of this record; ask for a new one.',
      );
    }
  }

  /** A fresh contact code for a patient to scan; the patient's device answers in its mailbox. */
  contactCode(relayUrl: string): { code: string; card: ContactCard } {
    const card = signContactCard(
      {
        relayUrl,
        mailbox: newMailboxId(randomBytes(16)),
        device: { signPublic: this.device.signPublic, boxPublic: this.device.boxPublic },
        profile: this.profile,
      },
      this.device.signSecret,
    );
    this.contacts.push({ card });
    return { code: encodeContactCode(card), card };
  }

  private async addRow(row: SharedRecordRow): Promise<void> {
    await this.store.putRecord(row);
    this.rows = this.rows.filter((r) => r.recordId !== row.recordId).concat(row);
    this.notify();
  }

  /**
   * Checks mailboxes of shown contact codes and the manifests of waiting records; opens the
   * records whose grant arrived. Returns how many opened.
   */
  async poll(): Promise<number> {
    for (const pending of [...this.contacts]) {
      const sealed = await takeMailbox(pending.card.relayUrl, pending.card.mailbox).catch(
        () => null,
      );
      if (!sealed) continue;
      this.contacts = this.contacts.filter((c) => c !== pending);
      const notice = openShareNotice(this.device.boxSecret, pending.card.mailbox, sealed);
      if (!notice) continue;
      if (!this.rows.some((r) => r.recordId === notice.recordId)) {
        await this.addRow({ ...notice, manifest: null, addedAt: Date.now() });
      }
    }
    let opened = 0;
    for (const row of this.rows.filter((r) => r.manifest === null)) {
      const bytes = await getManifest(row.relayUrl, row.recordId).catch(() => null);
      if (!bytes) continue;
      const m = acceptManifest(bytes, row.rootKey, null, Date.now());
      if ('error' in m || !this.listed(m)) continue;
      const next = { ...row, manifest: encodeManifest(m) };
      await this.addRow(next);
      if (await this.openRecord(next)) opened++;
    }
    this.notify();
    return opened;
  }

  private listed(m: SignedManifest): boolean {
    return roleIn(m, this.device.signPublic) !== undefined;
  }

  /** Forgets a record on this device (after its grant ended, or by choice). */
  async forget(recordId: string): Promise<void> {
    const session = this.sessions.get(recordId);
    this.sessions.delete(recordId);
    this.index.delete(recordId);
    await session?.forgetDevice();
    await this.store.removeRecord(recordId);
    this.rows = this.rows.filter((r) => r.recordId !== recordId);
    this.notify();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  async close(): Promise<void> {
    for (const s of this.sessions.values()) await s.close();
    this.sessions.clear();
    for (const s of this.sockets.values()) s.destroy();
    this.sockets.clear();
    this.listeners.clear();
    this.store.close();
  }
}

/** An owner device, or a delegate with a valid root certificate, of the record `m` describes. */
function mayShare(m: SignedManifest, device: Uint8Array): boolean {
  const role = roleIn(m, device);
  if (role === 'owner') return true;
  const g = m.grantees.find((x) => bytesEqual(x.deviceKey, device));
  return role === 'delegate' && g !== undefined && hasValidCertificate(m, g);
}
