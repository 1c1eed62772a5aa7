import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll } from 'vitest';
import { parseConfig } from '../../sync-server/src/config';
import { createLogger } from '../../sync-server/src/log';
import { testStoreArgs } from '../../sync-server/src/pg-testing';
import { startServer, type RunningServer } from '../../sync-server/src/server';
import type { Profile } from '../../src/lib/core/sharing/index';
import type { RecordSession } from '../../src/lib/app/record-session';
import type { Workspace } from '../../src/lib/app/workspace';

/** A cheap passphrase KDF: these tests check behaviour, not the KDF's cost. */
export const FAST_KDF = { alg: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;

export const PASS = 'correct horse battery staple';

/** Session options for one simulated device (its own IndexedDB `namespace`) in Node. */
export function deviceOpts(namespace: string) {
  return { kdf: FAST_KDF, WebSocketPolyfill: NodeWebSocket, namespace, batchMs: 10 };
}

/** The physiotherapist most sharing tests invite. */
export const PHYSIO_PROFILE: Profile = {
  kind: 'professional',
  name: 'Ana Jensen',
  profession: 'Physiotherapist',
  organisation: 'Fysio Nord',
  sector: 'physiotherapy',
};

/** The patient's sister, a relative. */
export const SISTER_PROFILE: Profile = {
  kind: 'relative',
  name: 'Maja',
  profession: '',
  organisation: '',
  sector: 'family',
};

/**
 * Starts a real relay in this process on a free loopback port with a fresh data directory (and,
 * with `RELAY_TEST_STORE=postgres`, a fresh PostgreSQL database).
 */
/**
 * One relay for a whole test file: started before its tests and closed after them. Read its
 * `relay`, `dataDir` and `logs` inside the tests (they exist once `beforeAll` has run).
 */
export function useTestRelay(): Awaited<ReturnType<typeof startTestRelay>> {
  let running: Awaited<ReturnType<typeof startTestRelay>> | undefined;
  beforeAll(async () => {
    running = await startTestRelay();
  });
  afterAll(async () => {
    await running?.relay.close();
  });
  const get = () => {
    if (!running) throw new Error('The test relay runs only inside the tests.');
    return running;
  };
  return {
    get relay() {
      return get().relay;
    },
    get dataDir() {
      return get().dataDir;
    },
    get logs() {
      return get().logs;
    },
  };
}

export async function startTestRelay(): Promise<{
  relay: RunningServer;
  dataDir: string;
  logs: string[];
}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'backpack-relay-'));
  const logs: string[] = [];
  const config = parseConfig(['--port', '0', '--data', dataDir, ...(await testStoreArgs())], {});
  const relay = await startServer(
    config,
    createLogger((line) => logs.push(line)),
  );
  return { relay, dataDir, logs };
}

/** Every file of a directory, concatenated (the SQLite database, its WAL and shm). */
export function readAllFiles(dir: string): Buffer {
  return Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f))));
}

/**
 * The `ws` WebSocket for Node, made to behave like a browser's: closing a socket that is still
 * connecting reports an error event instead of throwing it at the process.
 */
export class NodeWebSocket extends WebSocket {
  constructor(address: string | URL, protocols?: string | string[]) {
    super(address, protocols);
    this.on('error', () => {});
  }
}

/** A WebSocket class that records every frame sent and received. */
export function recordingWebSocket(frames: Buffer[]): typeof WebSocket {
  const Recording = class RecordingWebSocket extends NodeWebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols);
      this.on('message', (data: Buffer) => frames.push(Buffer.from(data)));
    }
    override send(data: unknown, ...rest: unknown[]): void {
      if (data instanceof Uint8Array) frames.push(Buffer.from(data));
      (super.send as (...args: unknown[]) => void)(data, ...rest);
    }
  };
  return Recording as unknown as typeof WebSocket;
}

/** Walks every IndexedDB database and object store (fake-indexeddb) and collects the values. */
export async function dumpIndexedDb(): Promise<Buffer> {
  const parts: Buffer[] = [];
  const visit = (v: unknown): void => {
    if (v instanceof Uint8Array) parts.push(Buffer.from(v));
    else if (v instanceof ArrayBuffer) parts.push(Buffer.from(new Uint8Array(v)));
    else if (typeof v === 'string') parts.push(Buffer.from(v));
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  for (const info of await indexedDB.databases()) {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(info.name!);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    for (const storeName of Array.from(db.objectStoreNames)) {
      const values = await new Promise<unknown[]>((resolve, reject) => {
        const req = db.transaction(storeName).objectStore(storeName).getAll();
        req.onsuccess = () => resolve(req.result as unknown[]);
        req.onerror = () => reject(req.error);
      });
      visit(values);
    }
    db.close();
  }
  return Buffer.concat(parts);
}

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('Timed out waiting.');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Invites a workspace into the patient's record with `scope` and returns the workspace's open
 * session of it (the invite code, the answer, the grant, the poll).
 */
export async function inviteInto(
  patient: RecordSession,
  ws: Workspace,
  scope: Parameters<RecordSession['grant']>[1],
): Promise<RecordSession> {
  const { invite, code } = patient.createInvite();
  await ws.acceptInvite(code);
  const answer = await patient.takeInviteAnswer(invite);
  if (!answer) throw new Error('no answer');
  await patient.grant(answer, scope);
  await waitFor(async () => (await ws.poll()) > 0 || ws.session(patient.recordId) !== null);
  const session = ws.session(patient.recordId);
  if (!session) throw new Error('not opened');
  return session;
}
