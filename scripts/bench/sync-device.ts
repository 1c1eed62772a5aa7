// One "device" of the edit-to-other-device benches: a plain Hocuspocus client and Backpack
// sessions, driven by the bench from outside (a headless Chromium page: `browser-sync.entry.ts`;
// a Node process: `sync-node-device.ts`). Each device runs alone in its process, as two devices
// do, so the work one does after sending never holds up the other's receiving.
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import * as Y from 'yjs';
import {
  RecordSession,
  completeLink,
  startLink,
  type PendingLink,
} from '../../src/lib/app/record-session';
import { encodeLinkCode, parseLinkCode } from '../../src/lib/core/sharing/link';

/** What a device measures: plain Hocuspocus, or Backpack with its batch window or without one. */
export type SyncVariant = 'plain' | 'backpack' | 'unbatched';
type Encrypted = Exclude<SyncVariant, 'plain'>;

const fast = { alg: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;
const BATCH_MS: Record<Encrypted, number> = { backpack: 50, unbatched: 0 };
/** Longer than the 50 ms batch window: each measured edit is a single edit, sealed at once. */
export const GAP_MS = 60;
/** Longer than any edit takes to arrive: the device is left alone until then. */
const SETTLE_MS = 40;

export interface DeviceEnv {
  /** Time in ms with sub-ms resolution, comparable between the bench's devices. */
  readonly now: () => number;
  /**
   * The WebSocket class every client of the device uses (the runtime's own, or `ws` in Node 20),
   * extended to report each frame to {@link wireTap}.
   */
  readonly WebSocketPolyfill: unknown;
}

/**
 * When the steps of the last edit happened on one device (bench clock): the sender sees `edit`,
 * `inner` (the entry's transaction on the record document done), `outer` (the envelope appended
 * to the document the relay syncs) and `sent` (the frame handed to the socket); the receiver
 * `received` (the frame that carried the edit), `outer`, `inner` and `seen`. Plain Hocuspocus has
 * only `edit`, `sent`, `received` and `seen`.
 */
export interface StepTimes {
  edit?: number;
  inner?: number;
  outer?: number;
  sent?: number;
  received?: number;
  seen?: number;
}

/** What a device's WebSocket class reports: each frame sent, each frame received. */
export interface WireTap {
  sent(): void;
  received(): void;
}

/** The tap of this process' device (one device per process or page). */
let tap: WireTap = { sent() {}, received() {} };
export const wireTap: WireTap = {
  sent: () => tap.sent(),
  received: () => tap.received(),
};

export function deviceApi(env: DeviceEnv) {
  const { now, WebSocketPolyfill } = env;
  const ws = { WebSocketPolyfill };
  let steps: StepTimes = {};
  tap = {
    sent: () => void (steps.sent ??= now()),
    // The last frame before the envelope reached the outer document (plain: before the entry
    // was seen): the one that carried it, not a frame that happened to arrive after `arm`.
    received: () => {
      if (steps.outer === undefined && steps.seen === undefined) steps.received = now();
    },
  };
  /** Marks when a session's record and outer documents finish a transaction. */
  const watch = (s: RecordSession) => {
    const c = s.compartment('clinical')!;
    // Fired at the end of a transaction, before its update event (where the binding seals a
    // local change, and the provider sends an outer one).
    c.inner.on('afterTransactionCleanup', () => void (steps.inner ??= now()));
    c.outer.on('afterTransactionCleanup', () => void (steps.outer ??= now()));
  };
  const opts = (v: Encrypted) => ({
    ...ws,
    kdf: fast,
    namespace: `-bench-sync-${v}`,
    persist: false,
    batchMs: BATCH_MS[v],
  });
  let plainDoc: Y.Doc | null = null;
  const sessions = new Map<Encrypted, RecordSession>();
  const pending = new Map<Encrypted, PendingLink>();
  let armed: Promise<number> | null = null;
  const session = (v: Encrypted) => {
    const s = sessions.get(v);
    if (!s) throw new Error(`no ${v} session on this device`);
    return s;
  };

  return {
    async plain(url: string): Promise<void> {
      const doc = new Y.Doc();
      const websocketProvider = new HocuspocusProviderWebsocket({ url, ...ws });
      const p = new HocuspocusProvider({ name: 'bench-sync', document: doc, websocketProvider });
      p.attach();
      await new Promise<void>((resolve) => {
        if (p.isSynced) resolve();
        else p.on('synced', () => resolve());
      });
      plainDoc = doc;
    },
    async create(v: Encrypted, relayUrl: string): Promise<void> {
      const { session } = await RecordSession.create('bench passphrase', relayUrl, opts(v));
      sessions.set(v, session);
      watch(session);
    },
    startLink(v: Encrypted, relayUrl: string): string {
      const p = startLink(relayUrl);
      pending.set(v, p);
      return encodeLinkCode(p.request);
    },
    async approve(v: Encrypted, code: string): Promise<void> {
      const request = parseLinkCode(code);
      if ('error' in request) throw new Error(request.error);
      await session(v).approveLink(request);
    },
    async completeLink(v: Encrypted): Promise<void> {
      const s = await completeLink(pending.get(v)!, 'bench passphrase', opts(v));
      if (!s) throw new Error('link failed');
      sessions.set(v, s);
      watch(s);
    },
    async settled(v: Encrypted): Promise<void> {
      await session(v).settled();
    },
    /** Starts watching for the next edit; {@link seen} resolves with the time it showed. */
    arm(v: SyncVariant, i: number): void {
      steps = {};
      if (v === 'plain') {
        const map = plainDoc!.getMap('entries');
        armed = new Promise((resolve) => {
          const h = () => {
            if (!map.has(`e${i}`)) return;
            map.unobserve(h);
            resolve((steps.seen = now()));
          };
          map.observe(h);
        });
        return;
      }
      const s = session(v);
      const before = s.entries('clinical').length;
      armed = new Promise((resolve) => {
        const off = s.subscribe(() => {
          if (s.entries('clinical').length <= before) return;
          off();
          resolve((steps.seen = now()));
        });
      });
    },
    seen(): Promise<number> {
      return armed!;
    },
    /**
     * After a quiet gap, one edit; resolves with the time it was made, once the edit has had time
     * to arrive (so that answering the bench does not hold up this device meanwhile).
     */
    async edit(v: SyncVariant, i: number): Promise<number> {
      await new Promise((r) => setTimeout(r, GAP_MS));
      const t = now();
      steps = { edit: t };
      if (v === 'plain') {
        plainDoc!.getMap('entries').set(`e${i}`, { scores: { back: i % 11 }, at: Date.now() });
      } else {
        session(v).write('pain-checkin', { scores: { back: i % 11 } });
      }
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      return t;
    },
    /** A burst of typing: `count` check-ins at once; how many envelopes they went out in. */
    async burst(v: Encrypted, count: number): Promise<number> {
      const s = session(v);
      await new Promise((r) => setTimeout(r, GAP_MS));
      const envelopes = () => s.compartment('clinical')!.outer.getArray('envelopes').length;
      const before = envelopes();
      for (let i = 0; i < count; i++) s.write('pain-checkin', { scores: { back: i % 11 } });
      await new Promise((r) => setTimeout(r, BATCH_MS[v] + 30));
      return envelopes() - before;
    },
    async close(): Promise<void> {
      for (const s of sessions.values()) await s.close();
    },
    /** When the steps of the last edit (or the last one armed for) happened here. */
    steps(): StepTimes {
      return steps;
    },
    /** This device's clock, to see the offset between devices. */
    now,
  };
}

/** What a bench calls on a device. */
export type DeviceApi = ReturnType<typeof deviceApi>;
