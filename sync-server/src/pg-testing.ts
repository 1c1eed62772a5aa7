import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` and `pg_ctl` in a temporary
 * directory, on a free loopback port, as an unprivileged user (PostgreSQL refuses root; as root
 * the commands run as `postgres` through `runuser`). {@link TestPostgres.stop} stops it and
 * removes the directory. Nothing here is used by the relay itself.
 */

const BIN_DIRS = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/local/bin'];

function bin(name: string): string {
  for (const d of BIN_DIRS) if (existsSync(join(d, name))) return join(d, name);
  return name;
}

export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:port/postgres` */
  readonly url: string;
  readonly port: number;
  /** A new empty database; its URL. */
  createDatabase(): Promise<string>;
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startPostgres(
  opts: { fsync?: boolean; maxConnections?: number } = {},
): Promise<TestPostgres> {
  const root = mkdtempSync(join(tmpdir(), 'backpack-pg-'));
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
    const r = spawnSync(file, argv, { encoding: 'utf8' });
    if (r.status !== 0) {
      throw new Error(`${cmd} failed (${r.status}): ${(r.stderr || r.stdout || '').slice(0, 400)}`);
    }
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
  }
  const data = join(root, 'data');
  run(bin('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    `-k ${root}`,
    '-c listen_addresses=127.0.0.1',
    `-c max_connections=${opts.maxConnections ?? 200}`,
    `-c fsync=${opts.fsync === true ? 'on' : 'off'}`,
    `-c synchronous_commit=${opts.fsync === true ? 'on' : 'off'}`,
    '-c full_page_writes=off',
  ].join(' ');
  run(bin('pg_ctl'), ['-D', data, '-l', join(root, 'pg.log'), '-o', settings, '-w', 'start']);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  // A watchdog stops the cluster when this process is gone, however it ended (a test worker
  // that is killed runs no exit handler).
  const ctl = `${asRoot ? 'runuser -u postgres -- ' : ''}${bin('pg_ctl')}`;
  const watchdog = spawn(
    'sh',
    [
      '-c',
      `while kill -0 ${process.pid} 2>/dev/null && [ -d "${data}" ]; do sleep 1; done; ` +
        `[ -d "${data}" ] && ${ctl} -D "${data}" -m immediate stop >/dev/null 2>&1; rm -rf "${root}"`,
    ],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();
  let n = 0;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      run(bin('pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
    } finally {
      rmSync(root, { recursive: true, force: true });
      watchdog.kill();
    }
  };
  return {
    url,
    port,
    async createDatabase() {
      const name = `t${process.pid}_${++n}`;
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop,
  };
}

let shared: Promise<TestPostgres> | null = null;

/**
 * `['--store', url]` of a fresh database when `RELAY_TEST_STORE=postgres` (one cluster per test
 * process, stopped when it exits), else `[]` (SQLite): the relay's test suites run on both stores.
 */
export async function testStoreArgs(): Promise<string[]> {
  if (process.env.RELAY_TEST_STORE !== 'postgres') return [];
  shared ??= startPostgres().then((pg) => {
    process.once('exit', () => pg.stop());
    return pg;
  });
  return ['--store', await (await shared).createDatabase()];
}
