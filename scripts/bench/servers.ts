// Servers for the benches, each in its own process (as on a real network, the relay's event loop
// is not the clients'): the Backpack relay, and plain Hocuspocus (no auth, no persistence) as the
// baseline.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');

export interface ChildServer {
  readonly child: ChildProcess;
  readonly url: string;
}

/** Starts a child process and resolves with the first match of `pattern` in its output. */
export function startChild(args: string[], pattern: RegExp): Promise<ChildServer> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let text = '';
    const on = (c: Buffer) => {
      text += c.toString();
      if (text.length > 20_000) text = text.slice(-10_000);
      const m = pattern.exec(text);
      if (m) resolve({ child, url: m[1]! });
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

/** Plain Hocuspocus 3 on `ws(s)://…` at the root path. */
export function startPlainHocuspocus(): Promise<ChildServer> {
  return startChild(['--input-type=module', '-e', PLAIN_HOCUSPOCUS], /listening (http:\/\/\S+)/);
}

/** The Backpack relay (`sync-server/src/main.ts`) on SQLite in a new data directory. */
export function startBackpackRelay(extra: string[] = []): Promise<ChildServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'backpack-bench-relay-'));
  return startChild(
    [
      '--import',
      'tsx',
      'sync-server/src/main.ts',
      '--port',
      '0',
      '--data',
      dataDir,
      '--quiet',
      ...extra,
    ],
    /Backpack is running at (http:\/\/\S+)/,
  );
}
