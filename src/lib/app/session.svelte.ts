import { DeviceStore } from '$lib/platform/vault-db';
import { MESSAGE, type Entry, type EntryDataMap, type EntryType } from '$lib/core/record/index';
import { foldVersions, type RecordVersions } from '$lib/core/record/versions';
import { inviteCodeFrom, type LinkRequest } from '$lib/core/sharing/index';
import { recordFingerprint } from '$lib/core/crypto/index';
import {
  completeLink,
  RecordSession,
  startLink,
  type PendingLink,
  type SyncState,
} from './record-session';
import { Workspace } from './workspace';
import { nameThisDevice } from './device-naming';
import { createDemoRecord, DEMO_FLAG, type DemoStep } from './demo/index';

/** Where the Messages page keeps its read marker (device-local, encrypted). */
export const READ_MESSAGES = 'read:messages';
import type { Profile } from '$lib/core/sharing/index';

/**
 * The app's state in runes: whether a record exists on this device, whether it is unlocked, and
 * the open session's entries and sync status. Pages read it through `getSession()`.
 */
export type Phase = 'loading' | 'welcome' | 'locked' | 'open' | 'workspace-locked' | 'workspace';

/** The relay this app was served from (the one-process server), unless configured otherwise. */
export function defaultRelayUrl(): string {
  return globalThis.location ? globalThis.location.origin : 'http://127.0.0.1:8787';
}

class AppSession {
  phase = $state<Phase>('loading');
  session = $state.raw<RecordSession | null>(null);
  entries = $state.raw<Entry[]>([]);
  /** Every version of the record (clinical entries and warning signs), with corrections and withdrawals (the timeline). */
  versions = $state.raw<RecordVersions>(foldVersions([]));
  sync = $state.raw<SyncState>({ state: 'local' });
  /** A professional's or relative's workspace, when this device holds one. */
  workspace = $state.raw<Workspace | null>(null);
  /** Bumped whenever the workspace or one of its records changes, for views to re-read. */
  workspaceVersion = $state(0);
  /** Bumped on every change of the open record (views re-read sharing state). */
  version = $state(0);
  /** Shown once after a record is created; cleared when the patient confirms it is saved. */
  recoveryCode = $state<string | null>(null);
  /** Set when a record was just created: the profile is asked next (skippable). */
  askProfile = $state(false);
  /** An invite code that arrived in the URL fragment (`#invite=…`), until a workspace takes it. */
  pendingInvite = $state<string | null>(null);
  /** Set right after a restore: the app offers to remove the lost device (issue 14 item 3). */
  offerRemoveLost = $state(false);
  /** The open record is the demo record (a flag in the record's encrypted device store). */
  demo = $state(false);
  private unsubscribe: (() => void) | null = null;

  async init(): Promise<void> {
    if (this.phase !== 'loading') return;
    this.takeInviteFromUrl();
    // An invite link opened in a tab where the app already runs changes only the fragment: the
    // open workspace takes it as it would on a fresh load (issue 14 item 7).
    globalThis.window?.addEventListener('hashchange', () => this.takeInviteFromUrl());
    const store = new DeviceStore();
    const row = await store.readVault();
    store.close();
    if (row) this.phase = 'locked';
    else this.phase = (await Workspace.exists()) ? 'workspace-locked' : 'welcome';
  }

  /** Moves an invite out of the address bar (and history) into memory. */
  private takeInviteFromUrl(): void {
    const hash = globalThis.location?.hash ?? '';
    if (!hash.startsWith('#invite=')) return;
    this.pendingInvite = inviteCodeFrom(hash);
    history.replaceState(history.state, '', location.pathname + location.search);
  }

  private adoptWorkspace(ws: Workspace): void {
    this.unsubscribe?.();
    this.workspace = ws;
    this.unsubscribe = ws.subscribe(() => this.workspaceVersion++);
    if (globalThis.window) {
      window.addEventListener('online', this.onWsOnline);
      window.addEventListener('offline', this.onWsOffline);
    }
    this.phase = 'workspace';
  }

  private readonly onWsOnline = () => this.eachShared((s) => s.setOnline(true));
  private readonly onWsOffline = () => this.eachShared((s) => s.setOnline(false));
  private eachShared(fn: (s: RecordSession) => void): void {
    for (const r of this.workspace?.records() ?? []) if (r.session) fn(r.session);
  }

  async createWorkspace(profile: Profile, passphrase: string): Promise<void> {
    this.adoptWorkspace(await Workspace.create(profile, passphrase));
  }

  /** `false` when the passphrase is wrong. */
  async unlockWorkspace(passphrase: string): Promise<boolean> {
    const ws = await Workspace.unlock(passphrase);
    if (!ws) return false;
    this.adoptWorkspace(ws);
    return true;
  }

  async lockWorkspace(): Promise<void> {
    if (globalThis.window) {
      window.removeEventListener('online', this.onWsOnline);
      window.removeEventListener('offline', this.onWsOffline);
    }
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.workspace?.close();
    this.workspace = null;
    this.phase = 'workspace-locked';
  }

  private readonly onOnline = () => this.session?.setOnline(true);
  private readonly onOffline = () => this.session?.setOnline(false);

  /** The Messages page's read marker: the newest message id shown on this device ('' = none). */
  messagesSeen = $state<string | null>(null);

  /** Messages by others since this device last showed the dialogue: the Messages tab's count. */
  get unreadMessages(): number {
    void this.version;
    const session = this.session;
    const seen = this.messagesSeen;
    if (!session || seen === null || !session.compartment('messages')) return 0;
    return session
      .entries('messages', MESSAGE)
      .filter((m) => m.author.deviceId !== session.device.deviceId && m.id > seen).length;
  }

  private adopt(session: RecordSession): void {
    this.unsubscribe?.();
    this.session = session;
    this.messagesSeen = null;
    void session.loadLocal(READ_MESSAGES).then((v) => {
      if (this.session === session) this.messagesSeen = typeof v === 'string' ? v : '';
    });
    if (globalThis.window) {
      window.addEventListener('online', this.onOnline);
      window.addEventListener('offline', this.onOffline);
      if (globalThis.navigator?.onLine === false) session.setOnline(false);
    }
    const refresh = () => {
      const record = session.record();
      this.entries = record.current;
      this.versions = record;
      this.sync = session.syncState();
      this.version++;
    };
    this.unsubscribe = session.subscribe(refresh);
    refresh();
    this.phase = 'open';
    void session.loadLocal(DEMO_FLAG).then((flag) => {
      if (this.session === session) this.demo = flag === true;
    });
  }

  /** Builds the demo record on this device (issue 12 item 10) and opens it. */
  async createDemo(onStep: (step: DemoStep) => void): Promise<void> {
    const session = await createDemoRecord(defaultRelayUrl(), {}, onStep);
    markDemoDevice(true);
    this.adopt(session);
    this.demo = true;
  }

  /**
   * Removes the record from this device after the patient removed this device on another one
   * (its access ended): the local copy is erased and the relay is not asked again.
   */
  async forgetRemovedDevice(): Promise<void> {
    const session = this.session;
    if (!session || session.hasAccess) return;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.session = null;
    await session.forgetDevice();
    this.entries = [];
    this.sync = { state: 'local' };
    this.phase = (await Workspace.exists()) ? 'workspace-locked' : 'welcome';
  }

  /** Removes the demo record from this device and goes back to the welcome screen. */
  async removeDemo(): Promise<void> {
    if (!this.demo || !this.session) return;
    const session = this.session;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.session = null;
    await session.forgetDevice();
    markDemoDevice(false);
    this.demo = false;
    this.entries = [];
    this.versions = foldVersions([]);
    this.sync = { state: 'local' };
    this.phase = 'welcome';
  }

  async create(passphrase: string): Promise<void> {
    const { session, recoveryCode } = await RecordSession.create(passphrase, defaultRelayUrl());
    this.recoveryCode = recoveryCode;
    this.askProfile = true;
    this.adopt(session);
  }

  /** `false` when the passphrase is wrong. */
  async unlock(passphrase: string): Promise<boolean> {
    const session = await RecordSession.unlock(passphrase);
    if (!session) return false;
    this.adopt(session);
    return true;
  }

  async restore(code: string, passphrase: string, relayUrl = defaultRelayUrl()): Promise<void> {
    const session = await RecordSession.restore(code, passphrase, relayUrl);
    this.adopt(session);
    nameThisDevice(session);
    this.offerRemoveLost = true;
  }

  beginLink(relayUrl = defaultRelayUrl()): PendingLink {
    return startLink(relayUrl);
  }

  /** Polls until the owner device answered; resolves when this device has joined. */
  async waitForLink(pending: PendingLink, passphrase: string, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const session = await completeLink(pending, passphrase);
      if (session) {
        this.adopt(session);
        nameThisDevice(session);
        return;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async approveLink(request: LinkRequest): Promise<void> {
    if (!this.session) throw new Error('Unlock the record first.');
    await this.session.approveLink(request);
  }

  /** Writes an entry of a registered type (see `RecordSession.write`). */
  write<K extends EntryType>(type: K, data: EntryDataMap[K]): void {
    if (!this.session) throw new Error('Unlock the record first.');
    this.session.write(type, data);
  }

  get recordFingerprint(): string | null {
    return this.session ? recordFingerprint(this.session.keyring.manifestBody.rootKey) : null;
  }

  async lock(): Promise<void> {
    if (globalThis.window) {
      window.removeEventListener('online', this.onOnline);
      window.removeEventListener('offline', this.onOffline);
    }
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.session?.close();
    this.session = null;
    this.entries = [];
    this.versions = foldVersions([]);
    this.sync = { state: 'local' };
    this.recoveryCode = null;
    this.demo = false;
    this.askProfile = false;
    this.offerRemoveLost = false;
    this.phase = 'locked';
  }
}

export const app = new AppSession();

const DEMO_HINT = 'backpack-demo-device';

/**
 * Whether this device holds the demo record, kept outside the vault so the unlock screen can
 * show the demo's passphrase. It says only "demo", never anything about a real record.
 */
export function isDemoDevice(): boolean {
  return globalThis.localStorage?.getItem(DEMO_HINT) === '1';
}

function markDemoDevice(on: boolean): void {
  if (on) globalThis.localStorage?.setItem(DEMO_HINT, '1');
  else globalThis.localStorage?.removeItem(DEMO_HINT);
}
