// `npm run bench`: runs each benchmark in its own process and prints one JSON object.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ensureBuild, root } from './lib.mjs';

ensureBuild();
spawnSync('npm', ['run', '--silent', 'build:wasm'], { cwd: root, stdio: ['ignore', 2, 2] });

function initialJs() {
  const html = readFileSync(join(root, 'build', '200.html'), 'utf8');
  const files = new Set(
    [
      ...html.matchAll(/(?:href|src)="(\/_app\/[^"]+\.js)"/g),
      ...html.matchAll(/import\("(\/_app\/[^"]+\.js)"\)/g),
    ].map((m) => m[1]),
  );
  let gzip = 0;
  let raw = 0;
  for (const f of files) {
    const bytes = readFileSync(join(root, 'build', f));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { files: files.size, rawBytes: raw, gzipBytes: gzip, budgetGzipBytes: 250 * 1024 };
}

function run(script) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/bench', script)], {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000,
  });
  const line = r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (r.status !== 0 || !line)
    return { error: `bench ${script} failed`, detail: r.stderr.slice(-500) };
  return JSON.parse(line);
}

const result = {
  machine: { node: process.version, cpus: (await import('node:os')).cpus().length },
  build: { initialJs: initialJs() },
  crypto: run('crypto.ts'),
  sync: run('sync.ts'),
  syncInChromium: run('browser-sync.ts'),
  relay: run('relay.ts'),
  open: run('open.ts'),
  openInChromium: run('browser-open.ts'),
  kdfInChromium: run('browser-kdf.ts'),
  cryptoInChromium: run('browser-crypto.ts'),
  motion: run('motion.ts'),
  workspace: run('workspace.ts'),
};
console.log(JSON.stringify(result, null, 2));
