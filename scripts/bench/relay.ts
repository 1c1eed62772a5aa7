// The relay's own cost: an envelope pushed by client A, seen by client B, through the Backpack
// relay (token auth, per-update policy, fsynced SQLite before the ack) against plain Hocuspocus
// with no auth and no persistence. Each server runs in its own process, both in the same run,
// measured in alternating blocks; the clients and the payloads are the same. Prints one JSON line.
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import * as Y from 'yjs';
import {
  envelope,
  keyPair,
  newRecord,
  signedManifest,
  token,
  type KeyPair,
} from '../../sync-server/src/testing';
import { startBackpackRelay, startPlainHocuspocus } from './servers';
import { stats } from './stats';

const N = Number(process.env.BENCH_RELAY_ROUNDS ?? 500);
const BLOCK = 50;
const WARMUP = 30;

interface Client {
  doc: Y.Doc;
  arr: Y.Array<Uint8Array>;
  provider: HocuspocusProvider;
  socket: HocuspocusProviderWebsocket;
}

function client(url: string, name: string, tokenFn: () => string): Client {
  const doc = new Y.Doc();
  const socket = new HocuspocusProviderWebsocket({
    url: url.replace(/^http/, 'ws') + '/sync',
    WebSocketPolyfill: WebSocket,
  });
  const provider = new HocuspocusProvider({
    name,
    document: doc,
    websocketProvider: socket,
    awareness: null,
    token: tokenFn,
  });
  provider.attach();
  return { doc, arr: doc.getArray<Uint8Array>('envelopes'), provider, socket };
}

async function until(check: () => boolean, timeoutMs = 10_000) {
  const t = Date.now();
  while (!check()) {
    if (Date.now() - t > timeoutMs) throw new Error('bench timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Pair {
  a: Client;
  b: Client;
  author: KeyPair;
  docId: string;
  seq: number;
}

/** One round: A pushes an envelope; the time until B has it, and until A has the ack. */
async function round(p: Pair): Promise<{ seen: number; ack: number }> {
  const env = envelope(p.author, p.docId, ++p.seq);
  const before = p.b.arr.length;
  let seenAt = 0;
  let ackAt = 0;
  const acked = new Promise<void>((resolve) => {
    const h = ({ number }: { number: number }) => {
      if (number === 0) {
        ackAt = performance.now();
        p.a.provider.off('unsyncedChanges', h);
        resolve();
      }
    };
    p.a.provider.on('unsyncedChanges', h);
  });
  const seen = new Promise<void>((resolve) => {
    const h = () => {
      if (p.b.arr.length > before) {
        seenAt = performance.now();
        p.b.arr.unobserve(h);
        resolve();
      }
    };
    p.b.arr.observe(h);
  });
  const t0 = performance.now();
  p.a.arr.push([env]);
  await Promise.all([seen, acked]);
  return { seen: seenAt - t0, ack: ackAt - t0 };
}

const relay = await startBackpackRelay();
const plain = await startPlainHocuspocus();

try {
  const rec = newRecord();
  const devA = keyPair();
  const devB = keyPair();
  const docId = 'clinical';
  const manifest = signedManifest(rec, 1, [
    { key: devA, role: 'owner', docs: [docId] },
    { key: devB, role: 'owner', docs: [docId] },
  ]).bytes;
  const put = await fetch(`${relay.url}/api/records/${rec.recordId}/manifest`, {
    method: 'PUT',
    body: Buffer.from(manifest),
    headers: { 'content-type': 'application/octet-stream' },
  });
  if (put.status !== 200) throw new Error(`manifest refused: ${await put.text()}`);

  const name = `${rec.recordId}:${docId}`;
  const ours: Pair = {
    a: client(relay.url, name, () => token(devA, rec.recordId, docId, { origin: relay.url })),
    b: client(relay.url, name, () => token(devB, rec.recordId, docId, { origin: relay.url })),
    author: devA,
    docId,
    seq: 0,
  };
  const base: Pair = {
    a: client(plain.url, 'bench', () => 'none'),
    b: client(plain.url, 'bench', () => 'none'),
    author: devA,
    docId,
    seq: 0,
  };
  const pairs = [ours, base];
  await until(() =>
    pairs.every(
      (p) => p.a.provider.isSynced && p.b.provider.isSynced && p.a.provider.unsyncedChanges === 0,
    ),
  );
  for (const p of pairs) for (let i = 0; i < WARMUP; i++) await round(p);

  const results = {
    ours: { seen: [] as number[], ack: [] as number[] },
    base: { seen: [] as number[], ack: [] as number[] },
  };
  for (let done = 0; done < N; done += BLOCK) {
    for (const [key, p] of [
      ['ours', ours],
      ['base', base],
    ] as const) {
      for (let i = 0; i < BLOCK && done + i < N; i++) {
        const r = await round(p);
        results[key].seen.push(r.seen);
        results[key].ack.push(r.ack);
      }
    }
  }
  const metrics = await (await fetch(`${relay.url}/metrics`)).text();
  const metric = (m: string) => Number(new RegExp(`^${m} (\\d+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  for (const p of pairs)
    for (const c of [p.a, p.b]) {
      c.provider.destroy();
      c.socket.destroy();
    }
  const rt = stats(results.ours.seen, 3);
  const bl = stats(results.base.seen, 3);
  const ack = stats(results.ours.ack, 3);
  const blAck = stats(results.base.ack, 3);
  console.log(
    JSON.stringify({
      roundTripMs: rt,
      baseline: { name: 'plain Hocuspocus: no auth, no policy, no persistence', ...bl },
      ratio: { p50: +(rt.p50 / bl.p50).toFixed(2), p95: +(rt.p95 / bl.p95).toFixed(2) },
      ackMs: ack,
      baselineAckMs: blAck,
      envelopeBytes: envelope(devA, docId, 1).length,
      relay: {
        updatesStored: metric('backpack_updates_stored_total'),
        rssBytes: metric('process_resident_memory_bytes'),
      },
    }),
  );
} finally {
  relay.child.kill('SIGTERM');
  plain.child.kill('SIGTERM');
}
process.exit(0);
