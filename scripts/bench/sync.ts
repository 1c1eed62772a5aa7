// Edit-to-other-device latency through the relay on loopback: Backpack's encrypted sync against
// plain, unencrypted Hocuspocus measured in the same run. Prints one JSON object.
import 'fake-indexeddb/auto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hocuspocus } from '@hocuspocus/server';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import * as Y from 'yjs';
import { parseConfig } from '../../sync-server/src/config';
import { createLogger } from '../../sync-server/src/log';
import { startServer } from '../../sync-server/src/server';
import { RecordSession, completeLink, startLink } from '../../src/lib/app/record-session';

const N = Number(process.env.BENCH_EDITS ?? 100);
/**
 * Pause before each single edit, longer than the app's 50 ms batch window, for every variant:
 * this measures single edits (each the first after a quiet window), which the binding seals at
 * once. Bursts are measured separately (`burst`).
 */
const GAP_MS = 60;
const BURST = 20;
const pause = () => new Promise((r) => setTimeout(r, GAP_MS));

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { p50: +q(0.5).toFixed(2), p95: +q(0.95).toFixed(2), n: s.length };
}

async function plainBaseline(): Promise<number[]> {
  const hocuspocus = new Hocuspocus({ quiet: true });
  const server = createServer();
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => hocuspocus.handleConnection(ws, req));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    await pause();
    const t0 = performance.now();
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
    await seen;
    times.push(performance.now() - t0);
  }
  for (const c of [a, b]) {
    c.p.destroy();
    c.ws.destroy();
  }
  await new Promise<void>((r) => server.close(() => r()));
  wss.close();
  return times;
}

const burst = new Map<number, number>();

async function backpack(batchMs: number): Promise<number[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'backpack-bench-'));
  const relay = await startServer(
    parseConfig(['--port', '0', '--data', dataDir, '--quiet'], {}),
    createLogger(() => {}, true),
  );
  const fast = { alg: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;
  const o = (ns: string) => ({
    kdf: fast,
    WebSocketPolyfill: WebSocket,
    namespace: ns,
    persist: false,
    batchMs,
  });
  const { session: a } = await RecordSession.create('bench passphrase', relay.url, o('-a'));
  const pending = startLink(relay.url);
  await a.approveLink(pending.request);
  const b = await completeLink(pending, 'bench passphrase', o('-b'));
  if (!b) throw new Error('link failed');
  await a.settled();
  await new Promise((r) => setTimeout(r, 300));
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    await pause();
    const before = b.entries('clinical').length;
    const t0 = performance.now();
    const seen = new Promise<void>((resolve) => {
      const off = b.subscribe(() => {
        if (b.entries('clinical').length > before) {
          off();
          resolve();
        }
      });
    });
    a.write('pain-checkin', { scores: { back: i % 11 } });
    await seen;
    times.push(performance.now() - t0);
  }
  // A burst of typing: BURST check-ins at once give the first envelope plus one for the rest.
  await pause();
  const envelopes = () => a.compartment('clinical')!.outer.getArray('envelopes').length;
  const before = envelopes();
  for (let i = 0; i < BURST; i++) a.write('pain-checkin', { scores: { back: i % 11 } });
  await new Promise((r) => setTimeout(r, batchMs + 30));
  burst.set(batchMs, envelopes() - before);
  await a.close();
  await b.close();
  await relay.close();
  return times;
}

const baseline = await plainBaseline();
const ours = await backpack(50);
const unbatched = await backpack(0);
const b = stats(baseline);
const o = stats(ours);
const u = stats(unbatched);
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
  }),
);
process.exit(0);
