// Shared helpers of the project's scripts.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

export const root = new URL('..', import.meta.url).pathname;

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

/** Builds the PWA when build/ is missing or older than its sources. */
export function ensureBuild({ force = false } = {}) {
  const built = join(root, 'build', '200.html');
  const sources = ['src', 'static', 'wasm/assembly'].map((d) => newest(join(root, d)));
  const configs = ['vite.config.ts', 'svelte.config.js', 'package.json'].map((f) =>
    existsSync(join(root, f)) ? statSync(join(root, f)).mtimeMs : 0,
  );
  if (!force && existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources, ...configs)) {
    return;
  }
  process.stderr.write('Building the Backpack app (about 20 s)…\n');
  // Build output goes to stderr, so that scripts whose stdout is data (bench) stay parseable.
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    process.stderr.write('The build failed; see the messages above.\n');
    process.exit(r.status ?? 1);
  }
}
