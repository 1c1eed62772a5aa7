// The relay under load: N concurrent authenticated sockets, each on its own compartment (its own
// device and grant), on loopback. For each server setup and N it measures the envelopes/s the
// relay holds with delivery p50/p99, the errors, the relay's RSS and memory per connection.
// Setups: plain Hocuspocus (no auth, no storage: the baseline), the Backpack relay on SQLite, on
// PostgreSQL (fsync on), and two relay instances on one PostgreSQL (watchers on the other
// instance: cross-instance delivery). Prints one JSON object. Bounded: at most `--max-n`
// sockets, each rate step `--step-ms` long. Options: --n 1000,5000,10000 --rates 500,1000,2000,4000
// --setups hocuspocus,sqlite,postgres,postgres-2 --step-ms 3000 --budget-s 270 (cells that would
// start after the budget are reported as skipped).
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import {
  authTokenSigningBytes,
  encodeAuthToken,
  encodeEnvelope,
  envelopeSigningBytes,
  relayOrigin,
  type EnvelopeHeader,
} from '../../src/lib/core/sync/protocol';
import { startPostgres, type TestPostgres } from '../../sync-server/src/pg-testing';
import { newRecord, signedManifest, type KeyPair } from '../../sync-server/src/testing';

const ROOT = join(import.meta.dirname, '../..');
const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : fallback;
};
const NS = opt('n', '1000,5000,10000').split(',').map(Number);
const RATES = opt('rates', '500,1000,2000,4000').split(',').map(Number);
const SETUPS = opt('setups', 'hocuspocus,sqlite,postgres,postgres-2').split(',');
const STEP_MS = Number(opt('step-ms', '3000'));
const MAX_N = Number(opt('max-n', '10000'));
const GRANTEES_PER_RECORD = 100;
const WATCHERS = 100;
const PAYLOAD = 256;

// --- keys, tokens and envelopes, signed with node:crypto (fast; the relay verifies as always) ---

interface Device {
  readonly key: KeyPair;
  readonly priv: KeyObject;
}

function device(): Device {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'));
  return { key: { publicKey: raw, secretKey: new Uint8Array(32) }, priv: privateKey };
}

const sig = (bytes: Uint8Array, k: KeyObject) => new Uint8Array(sign(null, bytes, k));

function tokenFor(d: Device, recordId: string, docId: string, origin: string): string {
  const iat = Date.now();
  const claims = {
    audience: relayOrigin(origin)!,
    recordId,
    docId,
    deviceKey: d.key.publicKey,
    iat,
    exp: iat + 4 * 60_000,
    nonce: new Uint8Array(randomBytes(16)),
    request: new Uint8Array(0),
  };
  return encodeAuthToken({ ...claims, signature: sig(authTokenSigningBytes(claims), d.priv) });
}

function envelopeOf(d: Device, docId: string, seq: number): Uint8Array {
  const header: EnvelopeHeader = {
    kind: 'update',
    docId,
    epoch: 0,
    author: d.key.publicKey,
    seq,
    covers: new Map(),
  };
  const nonce = new Uint8Array(randomBytes(24));
  const ciphertext = new Uint8Array(randomBytes(PAYLOAD));
  const signature = sig(envelopeSigningBytes(header, nonce, ciphertext), d.priv);
  return encodeEnvelope({ ...header, nonce, ciphertext, signature });
}

// --- servers ---------------------------------------------------------------------------------

interface Server {
  readonly url: string;
  readonly child: ChildProcess;
}

function startChild(args: string[], pattern: RegExp): Promise<Server> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let text = '';
    const on = (c: Buffer) => {
      text += c.toString();
      if (text.length > 20_000) text = text.slice(-10_000);
      const m = pattern.exec(text);
      if (m) resolve({ url: m[1]!, child });
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${text.slice(-400)}`)));
  });
}

const PLAIN_HOCUSPOCUS = `
import { createServer } from 'node:http';
import { Hocuspocus } from '@hocuspocus/server';
import { WebSocketServer } from 'ws';
const hocuspocus = new Hocuspocus({ quiet: true });
const server = createServer();
const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, socket, head) =>
  wss.handleUpgrade(req, socket, head, (ws) => hocuspocus.handleConnection(ws, req)));
server.listen(0, '127.0.0.1', () => console.log('listening http://127.0.0.1:' + server.address().port));
`;

function startRelay(extra: string[]): Promise<Server> {
  return startChild(
    [
      ...(process.env.LOAD_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.LOAD_PROF}`] : []),
      '--import',
      'tsx',
      join(ROOT, 'sync-server/src/main.ts'),
      '--port',
      '0',
      '--data',
      mkdtempSync(join(tmpdir(), 'backpack-load-')),
      '--quiet',
      '--max-connections-per-ip',
      '1000000',
      '--max-body-bytes',
      String(8 * 1024 * 1024),
      ...extra,
    ],
    /Backpack is running at (http:\/\/\S+)/,
  );
}

const rss = (child: ChildProcess): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
};

// --- clients ---------------------------------------------------------------------------------

const MSG_SYNC = 0;
const MSG_AUTH = 2;
const MSG_STATUS = 8;

class Socket {
  readonly ws: WebSocket;
  authenticated = false;
  failed = false;
  /** Send times of unacknowledged envelopes, oldest first. */
  readonly pending: number[] = [];
  private seq = 0;
  private readonly doc = new Y.Doc();
  private readonly arr = this.doc.getArray<Uint8Array>('envelopes');
  private last: Uint8Array | null = null;

  constructor(
    url: string,
    readonly name: string,
    private readonly dev: Device,
    private readonly docId: string,
    token: string,
    private readonly onAck: (ms: number) => void,
    private readonly onUpdate: ((at: number) => void) | null,
    readonly onError: (what: string) => void,
  ) {
    this.doc.on('update', (u: Uint8Array) => (this.last = u));
    this.ws = new WebSocket(url.replace(/^http/, 'ws') + '/sync', { perMessageDeflate: false });
    this.ws.on('open', () =>
      this.send(MSG_AUTH, (e) => {
        encoding.writeVarUint(e, 0);
        encoding.writeVarString(e, token);
      }),
    );
    this.ws.on('message', (data: Buffer) => this.receive(new Uint8Array(data)));
    this.ws.on('close', () => {
      if (!this.closing) onError('closed');
    });
    this.ws.on('error', () => undefined);
  }

  closing = false;

  private send(type: number, write: (e: encoding.Encoder) => void): void {
    const e = encoding.createEncoder();
    encoding.writeVarString(e, this.name);
    encoding.writeVarUint(e, type);
    write(e);
    this.ws.send(encoding.toUint8Array(e));
  }

  private receive(data: Uint8Array): void {
    const d = decoding.createDecoder(data);
    if (decoding.readVarString(d) !== this.name) return;
    const type = decoding.readVarUint(d);
    if (type === MSG_AUTH) {
      const sub = decoding.readVarUint(d);
      if (sub === 2) this.authenticated = true;
      else {
        this.failed = true;
        this.onError('auth');
      }
    } else if (type === MSG_STATUS) {
      const ok = decoding.readVarInt(d) === 1;
      const sent = this.pending.shift();
      if (!ok) this.onError('nack');
      else if (sent !== undefined) this.onAck(performance.now() - sent);
    } else if (type === MSG_SYNC && this.onUpdate) {
      if (decoding.readVarUint(d) === 2) this.onUpdate(performance.now());
    }
  }

  /** Pushes one envelope; returns its send time. */
  write(): number {
    this.arr.push([envelopeOf(this.dev, this.docId, ++this.seq)]);
    const at = performance.now();
    this.pending.push(at);
    this.send(MSG_SYNC, (e) => {
      encoding.writeVarUint(e, 2);
      encoding.writeVarUint8Array(e, this.last!);
    });
    return at;
  }

  close(): void {
    this.closing = true;
    this.ws.terminate();
  }
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(2);
};

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

// --- one run ---------------------------------------------------------------------------------

interface Cell {
  setup: string;
  n: number;
  instances: number;
  connectSeconds: number;
  rssIdleBytes: number;
  rssConnectedBytes: number;
  memoryPerConnectionBytes: number;
  errors: number;
  errorKinds: Record<string, number>;
  steps: Array<{
    targetPerSecond: number;
    sentPerSecond: number;
    ackedPerSecond: number;
    ackP50Ms: number | null;
    ackP99Ms: number | null;
    deliveryP50Ms: number | null;
    deliveryP95Ms: number | null;
    deliveryP99Ms: number | null;
    sameInstanceDeliveryP95Ms?: number | null;
    crossInstanceDeliveryP95Ms?: number | null;
    rssBytes: number;
  }>;
  sustainedPerSecond: number;
  /** The machine's 1-minute load average when the cell started and ended (2 cores). */
  loadAverage: { start: number; end: number };
}

async function runCell(setup: string, n: number, pg: TestPostgres | null): Promise<Cell> {
  const servers: Server[] = [];
  const loadStart = +loadavg()[0]!.toFixed(2);
  try {
    if (setup === 'hocuspocus') {
      servers.push(
        await startChild(
          ['--input-type=module', '-e', PLAIN_HOCUSPOCUS],
          /listening (http:\/\/\S+)/,
        ),
      );
    } else if (setup === 'sqlite') {
      servers.push(await startRelay([]));
    } else {
      const url = await pg!.createDatabase();
      const count = setup === 'postgres-2' ? 2 : 1;
      // One public origin (the proxy's, in production) that every instance accepts.
      const first = await startRelay(['--store', url]);
      servers.push(first);
      if (count === 2) servers.push(await startRelay(['--store', url, '--origin', first.url]));
    }
    const origin = servers[0]!.url;
    await new Promise((r) => setTimeout(r, 500));
    const rssIdle = servers.reduce((s, x) => s + rss(x.child), 0);

    // Grants: records of up to 100 grantees (a professional practice), each with its own
    // compartment.
    const writers: Array<{ dev: Device; recordId: string; docId: string }> = [];
    const watcherDevs: Device[] = [];
    const records = Math.ceil(n / GRANTEES_PER_RECORD);
    for (let r = 0; r < records; r++) {
      const rec = newRecord();
      const k = Math.min(GRANTEES_PER_RECORD, n - r * GRANTEES_PER_RECORD);
      const grantees = [];
      for (let i = 0; i < k; i++) {
        const dev = device();
        const docId = `c${i}`;
        writers.push({ dev, recordId: rec.recordId, docId });
        grantees.push({ key: dev.key, role: 'professional' as const, docs: [docId] });
      }
      const watched = Math.min(k, Math.ceil(WATCHERS / records));
      for (let i = 0; i < watched; i++) {
        const dev = device();
        watcherDevs.push(dev);
        grantees.push({ key: dev.key, role: 'viewer' as const, docs: [`c${i}`] });
      }
      if (setup !== 'hocuspocus') {
        const { bytes } = signedManifest(rec, 1, grantees);
        const res = await fetch(`${origin}/api/records/${rec.recordId}/manifest`, {
          method: 'PUT',
          body: Buffer.from(bytes),
          headers: { 'content-type': 'application/octet-stream' },
        });
        if (res.status !== 200) throw new Error(`manifest refused: ${await res.text()}`);
      }
    }

    const errorKinds: Record<string, number> = {};
    const onError = (what: string) => (errorKinds[what] = (errorKinds[what] ?? 0) + 1);
    let acks: number[] = [];
    const deliveries: Array<{ ms: number; cross: boolean }> = [];
    /** Per watched document: send times not yet seen by its watcher. */
    const awaiting = new Map<string, number[]>();

    const started = Date.now();
    const sockets: Socket[] = [];
    const CONCURRENCY = 200;
    const urlOf = (i: number) => servers[i % servers.length]!.url;
    for (let i = 0; i < writers.length; i += CONCURRENCY) {
      const batch = writers.slice(i, i + CONCURRENCY).map((w, j) => {
        const name = `${w.recordId}:${w.docId}`;
        const url = urlOf(i + j);
        return new Socket(
          url,
          name,
          w.dev,
          w.docId,
          tokenFor(w.dev, w.recordId, w.docId, origin),
          (ms) => acks.push(ms),
          null,
          onError,
        );
      });
      sockets.push(...batch);
      await until(() => batch.every((s) => s.authenticated || s.failed), 60_000);
    }
    // Watchers: one per watched compartment; with two instances, alternately on the writer's
    // instance and on the other one.
    const watchers: Socket[] = [];
    let wi = 0;
    for (let r = 0; r < records; r++) {
      const watched = Math.min(
        Math.min(GRANTEES_PER_RECORD, n - r * GRANTEES_PER_RECORD),
        Math.ceil(WATCHERS / records),
      );
      for (let i = 0; i < watched; i++) {
        const writerIndex = r * GRANTEES_PER_RECORD + i;
        const w = writers[writerIndex]!;
        const dev = watcherDevs[wi]!;
        const cross = servers.length > 1 && wi % 2 === 0;
        const url = servers.length > 1 ? urlOf(writerIndex + (cross ? 1 : 0)) : urlOf(0);
        const name = `${w.recordId}:${w.docId}`;
        awaiting.set(name, []);
        watchers.push(
          new Socket(
            url,
            name,
            dev,
            w.docId,
            tokenFor(dev, w.recordId, w.docId, origin),
            () => undefined,
            (at) => {
              const sent = awaiting.get(name)!.shift();
              if (sent !== undefined) deliveries.push({ ms: at - sent, cross });
            },
            onError,
          ),
        );
        wi++;
      }
    }
    await until(() => watchers.every((s) => s.authenticated || s.failed), 60_000);
    const connectSeconds = (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 1000));
    const rssConnected = servers.reduce((s, x) => s + rss(x.child), 0);

    const steps: Cell['steps'] = [];
    let next = 0;
    for (const rate of RATES) {
      acks = [];
      deliveries.length = 0;
      let sent = 0;
      const t0 = performance.now();
      const perTick = rate / 100;
      let owed = 0;
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          const elapsed = performance.now() - t0;
          if (elapsed >= STEP_MS) {
            clearInterval(timer);
            resolve();
            return;
          }
          // Catch up by wall time, so a late tick does not lower the offered rate.
          owed = (rate * elapsed) / 1000 - sent;
          for (let k = 0; k < Math.min(owed, perTick * 5); k++) {
            const s = sockets[next++ % sockets.length]!;
            if (!s.authenticated) continue;
            const at = s.write();
            awaiting.get(s.name)?.push(at);
            sent++;
          }
        }, 10);
      });
      const sentElapsed = (performance.now() - t0) / 1000;
      await until(() => sockets.every((s) => s.pending.length === 0), 5000);
      const lost = sockets.reduce((n2, s) => n2 + s.pending.length, 0);
      if (lost) errorKinds.unacknowledged = (errorKinds.unacknowledged ?? 0) + lost;
      await new Promise((r) => setTimeout(r, 200));
      let undelivered = 0;
      for (const list of awaiting.values()) {
        undelivered += list.length;
        list.length = 0;
      }
      if (undelivered) errorKinds.undelivered = (errorKinds.undelivered ?? 0) + undelivered;
      for (const s of sockets) s.pending.length = 0;
      const dms = deliveries.map((d) => d.ms);
      steps.push({
        targetPerSecond: rate,
        sentPerSecond: Math.round(sent / sentElapsed),
        ackedPerSecond: Math.round(acks.length / sentElapsed),
        ackP50Ms: pct(acks, 0.5),
        ackP99Ms: pct(acks, 0.99),
        deliveryP50Ms: pct(dms, 0.5),
        deliveryP95Ms: pct(dms, 0.95),
        deliveryP99Ms: pct(dms, 0.99),
        ...(servers.length > 1
          ? {
              sameInstanceDeliveryP95Ms: pct(
                deliveries.filter((d) => !d.cross).map((d) => d.ms),
                0.95,
              ),
              crossInstanceDeliveryP95Ms: pct(
                deliveries.filter((d) => d.cross).map((d) => d.ms),
                0.95,
              ),
            }
          : {}),
        rssBytes: servers.reduce((s, x) => s + rss(x.child), 0),
      });
      const last = steps[steps.length - 1]!;
      // Stop climbing once the relay no longer keeps up.
      if (last.ackedPerSecond < rate * 0.9 || (last.deliveryP99Ms ?? 0) > 1000) break;
    }
    for (const s of [...sockets, ...watchers]) s.close();
    const errors = Object.values(errorKinds).reduce((a, b) => a + b, 0);
    const held = steps.filter(
      (s) => s.ackedPerSecond >= s.targetPerSecond * 0.95 && (s.deliveryP99Ms ?? Infinity) < 100,
    );
    return {
      setup,
      n,
      instances: servers.length,
      connectSeconds: +connectSeconds.toFixed(1),
      rssIdleBytes: rssIdle,
      rssConnectedBytes: rssConnected,
      memoryPerConnectionBytes: Math.round((rssConnected - rssIdle) / (n + watchers.length)),
      errors,
      errorKinds,
      steps,
      sustainedPerSecond: held.length ? Math.max(...held.map((s) => s.ackedPerSecond)) : 0,
      loadAverage: { start: loadStart, end: +loadavg()[0]!.toFixed(2) },
    };
  } finally {
    for (const s of servers) s.child.kill(process.env.LOAD_PROF ? 'SIGINT' : 'SIGKILL');
    if (process.env.LOAD_PROF) await new Promise((r) => setTimeout(r, 3000));
  }
}

const began = Date.now();
const deadline = began + Number(opt('budget-s', '270')) * 1000;
const pg = SETUPS.some((s) => s.startsWith('postgres'))
  ? await startPostgres({ fsync: true, maxConnections: 300 })
  : null;
const cells: Array<Cell | { setup: string; n: number; skipped?: string; error?: string }> = [];
try {
  for (const n of NS.filter((x) => x <= MAX_N)) {
    for (const setup of SETUPS) {
      if (Date.now() > deadline) {
        cells.push({ setup, n, skipped: 'time budget spent' });
        continue;
      }
      process.stderr.write(`load: ${setup} n=${n} (load average ${loadavg()[0]!.toFixed(2)})\n`);
      try {
        const cell = await runCell(setup, n, pg);
        process.stderr.write(
          `  ${JSON.stringify({ sustained: cell.sustainedPerSecond, errors: cell.errors, perConn: cell.memoryPerConnectionBytes, connect: cell.connectSeconds })}\n`,
        );
        cells.push(cell);
      } catch (e) {
        cells.push({ setup, n, error: e instanceof Error ? e.message.slice(0, 300) : 'failed' });
      }
    }
  }
} finally {
  pg?.stop();
}
console.log(
  JSON.stringify({
    machine: {
      node: process.version,
      cpus: (await import('node:os')).cpus().length,
      loadAverageAtEnd: loadavg().map((x) => +x.toFixed(2)),
    },
    elapsedSeconds: Math.round((Date.now() - began) / 1000),
    settings: {
      rates: RATES,
      stepMs: STEP_MS,
      payloadBytes: PAYLOAD,
      watchers: WATCHERS,
      postgresFsync: true,
    },
    cells,
  }),
);
process.exit(0);
