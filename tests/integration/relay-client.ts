import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { token, type KeyPair } from '../../sync-server/src/testing';

/** Test clients of the relay: Hocuspocus providers over `ws`, and a relay in a child process. */

export const ROOT = join(import.meta.dirname, '../..');

export interface TestClient {
  readonly doc: Y.Doc;
  readonly envelopes: Y.Array<Uint8Array>;
  readonly provider: HocuspocusProvider;
  readonly socket: HocuspocusProviderWebsocket;
  /** Reasons of server-side closes of this document, and of refused authentications. */
  readonly closed: string[];
  readonly denied: string[];
  /** Resolves when the relay acknowledged every local change (unsyncedChanges === 0). */
  acknowledged(timeoutMs?: number): Promise<void>;
  destroy(): void;
}

export function connect(
  url: string,
  recordId: string,
  docId: string,
  device: KeyPair,
  opts: { awareness?: boolean; received?: Uint8Array[] } = {},
): TestClient {
  const doc = new Y.Doc();
  const received = opts.received;
  const socket = new HocuspocusProviderWebsocket({
    url: url.replace(/^http/, 'ws') + '/sync',
    WebSocketPolyfill: received ? recordingReceived(received) : WebSocket,
    delay: 50,
    minDelay: 50,
    maxDelay: 500,
  });
  const closed: string[] = [];
  const denied: string[] = [];
  const provider = new HocuspocusProvider({
    name: `${recordId}:${docId}`,
    document: doc,
    websocketProvider: socket,
    // undefined: the provider makes its own Awareness; null: none (as the app does).
    awareness: opts.awareness ? undefined : null,
    token: () => token(device, recordId, docId, { origin: url }),
    onClose: ({ event }) => {
      if (event.reason) closed.push(event.reason);
    },
    onAuthenticationFailed: ({ reason }) => denied.push(reason),
  });
  provider.attach();
  return {
    doc,
    envelopes: doc.getArray<Uint8Array>('envelopes'),
    provider,
    socket,
    closed,
    denied,
    async acknowledged(timeoutMs = 10_000) {
      await waitUntil(() => provider.isSynced && provider.unsyncedChanges === 0, timeoutMs);
    },
    destroy() {
      provider.destroy();
      socket.destroy();
    },
  };
}

/** A `ws` WebSocket class that keeps a copy of every frame it receives in `frames`. */
function recordingReceived(frames: Uint8Array[]): typeof WebSocket {
  const Recording = class extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols);
      this.on('message', (data: Buffer) => frames.push(new Uint8Array(data)));
    }
  };
  return Recording as unknown as typeof WebSocket;
}

/** {@link waitUntil} for a check that must ask the (async) store. */
export async function waitUntilAsync(
  check: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms.`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function waitUntil(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms.`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface ChildRelay {
  readonly url: string;
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `sync-server/src/main.ts` (or another entry that runs it) in its own process on a free
 * port and waits for its URL.
 */
export async function spawnRelay(
  dataDir: string,
  extra: string[] = [],
  entry = join(ROOT, 'sync-server/src/main.ts'),
): Promise<ChildRelay> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', entry, '--port', '0', '--data', dataDir, ...extra],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stdout: string[] = [];
  const stderr: string[] = [];
  let bufOut = '';
  child.stdout!.on('data', (c: Buffer) => {
    bufOut += c.toString('utf8');
    const lines = bufOut.split('\n');
    bufOut = lines.pop()!;
    stdout.push(...lines.filter(Boolean));
  });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`relay did not start: ${text}`)), 20_000);
    child.stderr!.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      stderr.push(c.toString('utf8'));
      const m = /Backpack is running at (http:\/\/\S+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`relay exited with ${code}: ${text}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return {
    url,
    child,
    stdout,
    stderr,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      child.kill(signal);
      return exited;
    },
  };
}

/**
 * A bare Hocuspocus protocol client: sends exactly the messages a test builds, and records the
 * relay's answers (SyncStatus acknowledgements, authentication results).
 */
export class RawClient {
  readonly acks: boolean[] = [];
  readonly auth: string[] = [];
  private readonly ws: WebSocket;
  readonly opened: Promise<void>;

  constructor(
    url: string,
    private readonly name: string,
  ) {
    this.ws = new WebSocket(url.replace(/^http/, 'ws') + '/sync');
    this.opened = new Promise((resolve) => this.ws.once('open', () => resolve()));
    this.ws.on('message', (data: Buffer) => {
      const d = decoding.createDecoder(new Uint8Array(data));
      if (decoding.readVarString(d) !== this.name) return;
      const type = decoding.readVarUint(d);
      if (type === 8) this.acks.push(decoding.readVarInt(d) === 1);
      if (type === 2) {
        const sub = decoding.readVarUint(d);
        this.auth.push(sub === 2 ? 'authenticated' : `denied:${decoding.readVarString(d)}`);
      }
    });
    this.ws.on('error', () => undefined);
  }

  private send(write: (e: encoding.Encoder) => void): void {
    const e = encoding.createEncoder();
    encoding.writeVarString(e, this.name);
    write(e);
    this.ws.send(encoding.toUint8Array(e));
  }

  authenticate(token: string): void {
    this.send((e) => {
      encoding.writeVarUint(e, 2);
      encoding.writeVarUint(e, 0);
      encoding.writeVarString(e, token);
    });
  }

  /** A Yjs sync "update" message (y-protocols messageYjsUpdate = 2). */
  update(update: Uint8Array): void {
    this.send((e) => {
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint(e, 2);
      encoding.writeVarUint8Array(e, update);
    });
  }

  close(): void {
    this.ws.close();
  }
}
