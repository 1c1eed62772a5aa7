// Edit-to-other-device latency through the relay on loopback: Backpack's encrypted sync against
// plain, unencrypted Hocuspocus measured in the same run. Each server runs in its own process
// (as on a network: the relay's event loop and disk are not the devices'); the two devices of
// each variant run here. The variants are measured in alternating blocks, so a change in the
// machine's load affects them alike. `browser-sync.ts` measures the same with the devices in
// headless Chromium, where the app runs. Prints one JSON object.
import 'fake-indexeddb/auto';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { loadavg } from 'node:os';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { RecordSession, completeLink, startLink } from '../../src/lib/app/record-session';
import { startBackpackRelay, startPlainHocuspocus, type ChildServer } from './servers';
import { stats } from './stats';

/** Edits per variant: at 200 the p95 is the tenth-slowest edit, not one outlier of five. */
const N = Number(process.env.BENCH_EDITS ?? 200);
const BLOCK = 10;
/**
 * Pause before each single edit, longer than the app's 50 ms batch window, for every variant:
 * this measures single edits (each the first after a quiet window), which the binding seals at
 * once. Bursts are measured separately (`burst`).
 */
const GAP_MS = 60;
const BURST = 20;
const pause = () => new Promise((r) => setTimeout(r, GAP_MS));

interface Variant {
  /** One edit on the first device; resolves when the second device shows it. */
  edit(i: number): Promise<void>;
  close(): Promise<void>;
}

async function plain(server: ChildServer): Promise<Variant> {
  const url = server.url.replace(/^http/, 'ws');
  const mk = () => {
    const doc = new Y.Doc();
    const ws = new HocuspocusProviderWebsocket({ url, WebSocketPolyfill: WebSocket });
    const p = new HocuspocusProvider({ name: 'bench', document: doc, websocketProvider: ws });
    p.attach();
    return { doc, p, ws };
  };
  const a = mk();
  const b = mk();
  await new Promise((r) => setTimeout(r, 300));
  return {
    edit: (i) => {
      const seen = new Promise<void>((resolve) => {
        const map = b.doc.getMap('entries');
        const h = () => {
          if (map.has(`e${i}`)) {
            map.unobserve(h);
            resolve();
          }
        };
        map.observe(h);
      });
      a.doc.getMap('entries').set(`e${i}`, { scores: { back: i % 11 }, at: Date.now() });
      return seen;
    },
    close: async () => {
      for (const c of [a, b]) {
        c.p.destroy();
        c.ws.destroy();
      }
    },
  };
}

const burst = new Map<number, number>();

async function backpack(server: ChildServer, batchMs: number): Promise<Variant> {
  const fast = { alg: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;
  const o = (ns: string) => ({
    kdf: fast,
    WebSocketPolyfill: WebSocket,
    namespace: ns,
    persist: false,
    batchMs,
  });
  const { session: a } = await RecordSession.create(
    'bench passphrase',
    server.url,
    o(`-a${batchMs}`),
  );
  const pending = startLink(server.url);
  await a.approveLink(pending.request);
  const b = await completeLink(pending, 'bench passphrase', o(`-b${batchMs}`));
  if (!b) throw new Error('link failed');
  await a.settled();
  await new Promise((r) => setTimeout(r, 300));
  return {
    edit: () => {
      const before = b.entries('clinical').length;
      const seen = new Promise<void>((resolve) => {
        const off = b.subscribe(() => {
          if (b.entries('clinical').length > before) {
            off();
            resolve();
          }
        });
      });
      a.write('pain-checkin', { scores: { back: 5 } });
      return seen;
    },
    close: async () => {
      // A burst of typing: BURST check-ins at once give the first envelope plus one for the rest.
      await pause();
      const envelopes = () => a.compartment('clinical')!.outer.getArray('envelopes').length;
      const before = envelopes();
      for (let i = 0; i < BURST; i++) a.write('pain-checkin', { scores: { back: i % 11 } });
      await new Promise((r) => setTimeout(r, batchMs + 30));
      burst.set(batchMs, envelopes() - before);
      await a.close();
      await b.close();
    },
  };
}

const load = { before: loadavg().map((x) => +x.toFixed(2)), after: [] as number[] };
const plainServer = await startPlainHocuspocus();
const relay = await startBackpackRelay();
try {
  const variants = {
    baseline: await plain(plainServer),
    batched: await backpack(relay, 50),
    unbatched: await backpack(relay, 0),
  };
  const times: Record<keyof typeof variants, number[]> = {
    baseline: [],
    batched: [],
    unbatched: [],
  };
  for (let done = 0; done < N; done += BLOCK) {
    for (const key of Object.keys(variants) as Array<keyof typeof variants>) {
      for (let i = done; i < Math.min(N, done + BLOCK); i++) {
        await pause();
        const t0 = performance.now();
        await variants[key].edit(i);
        times[key].push(performance.now() - t0);
      }
    }
  }
  for (const v of Object.values(variants)) await v.close();
  load.after = loadavg().map((x) => +x.toFixed(2));
  const b = stats(times.baseline);
  const o = stats(times.batched);
  const u = stats(times.unbatched);
  console.log(
    JSON.stringify({
      baseline: { name: 'plain Hocuspocus, unencrypted', ...b },
      backpack: { name: 'Backpack encrypted sync, 50 ms batch window (app default)', ...o },
      backpackUnbatched: { name: 'Backpack encrypted sync, no batch window', ...u },
      ratio: { p50: +(o.p50 / b.p50).toFixed(2), p95: +(o.p95 / b.p95).toFixed(2) },
      ratioUnbatched: { p50: +(u.p50 / b.p50).toFixed(2), p95: +(u.p95 / b.p95).toFixed(2) },
      singleEditsAfterMs: GAP_MS,
      overPlainP95Ms: +(o.p95 - b.p95).toFixed(2),
      burst: { checkIns: BURST, envelopes: burst.get(50), budgetEnvelopes: 2 },
      budget: { p95Ms: 100, ratio: 1.3, overPlainP95Ms: 2 },
      loadAverage: load,
    }),
  );
} finally {
  relay.child.kill('SIGTERM');
  plainServer.child.kill('SIGTERM');
}
process.exit(0);
