// Bundled by browser-sync.ts: one of two "devices" in headless Chromium (each its own browser
// context and renderer process). It holds a plain Hocuspocus client and a Backpack session on
// the same page, so any clock offset between the two pages is the same for both variants.
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import * as Y from 'yjs';
import {
  RecordSession,
  completeLink,
  startLink,
  type PendingLink,
} from '../../src/lib/app/record-session';
import { encodeLinkCode, parseLinkCode } from '../../src/lib/core/sharing/link';

const fast = { alg: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;
const opts = { kdf: fast, namespace: '-bench-sync', persist: false, batchMs: 50 };
/** Longer than the 50 ms batch window: each measured edit is a single edit, sealed at once. */
const GAP_MS = 60;
/** Longer than any edit takes to arrive: the page is left alone until then. */
const SETTLE_MS = 40;

/** Wall-clock time in ms with sub-ms resolution, comparable between pages on one machine. */
const now = () => performance.timeOrigin + performance.now();

let plainDoc: Y.Doc | null = null;
let session: RecordSession | null = null;
let pending: PendingLink | null = null;
let armed: Promise<number> | null = null;

const api = {
  async plain(url: string): Promise<void> {
    const doc = new Y.Doc();
    const websocketProvider = new HocuspocusProviderWebsocket({ url });
    const p = new HocuspocusProvider({ name: 'bench-browser', document: doc, websocketProvider });
    p.attach();
    await new Promise<void>((resolve) => {
      if (p.isSynced) resolve();
      else p.on('synced', () => resolve());
    });
    plainDoc = doc;
  },
  async create(relayUrl: string): Promise<void> {
    session = (await RecordSession.create('bench passphrase', relayUrl, opts)).session;
  },
  startLink(relayUrl: string): string {
    pending = startLink(relayUrl);
    return encodeLinkCode(pending.request);
  },
  async approve(code: string): Promise<void> {
    const request = parseLinkCode(code);
    if ('error' in request) throw new Error(request.error);
    await session!.approveLink(request);
  },
  async completeLink(): Promise<void> {
    session = await completeLink(pending!, 'bench passphrase', opts);
    if (!session) throw new Error('link failed');
  },
  async settled(): Promise<void> {
    await session!.settled();
  },
  /** Starts watching for the next edit; {@link seen} resolves with the time it showed. */
  arm(variant: 'plain' | 'backpack', i: number): void {
    if (variant === 'plain') {
      const map = plainDoc!.getMap('entries');
      armed = new Promise((resolve) => {
        const h = () => {
          if (!map.has(`e${i}`)) return;
          map.unobserve(h);
          resolve(now());
        };
        map.observe(h);
      });
      return;
    }
    const s = session!;
    const before = s.entries('clinical').length;
    armed = new Promise((resolve) => {
      const off = s.subscribe(() => {
        if (s.entries('clinical').length <= before) return;
        off();
        resolve(now());
      });
    });
  },
  seen(): Promise<number> {
    return armed!;
  },
  /**
   * After a quiet gap, one edit; resolves with the time it was made, once the edit has had time
   * to arrive (so that answering the bench's call does not hold up this page meanwhile).
   */
  async edit(variant: 'plain' | 'backpack', i: number): Promise<number> {
    await new Promise((r) => setTimeout(r, GAP_MS));
    const t = now();
    if (variant === 'plain') {
      plainDoc!.getMap('entries').set(`e${i}`, { scores: { back: i % 11 }, at: Date.now() });
    } else {
      session!.write('pain-checkin', { scores: { back: i % 11 } });
    }
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    return t;
  },
  /** This page's clock, to see the offset between the pages. */
  now,
};

/** What the bench calls in a page (`browser-sync.ts`). */
export type BenchApi = typeof api;

(globalThis as unknown as { bench: BenchApi }).bench = api;
