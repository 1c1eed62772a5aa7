// The server the browser tests run against: the real one-process server (PWA + relay) on a
// fresh data directory, after building the app if needed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { ensureBuild, root } from './lib.mjs';

ensureBuild();
const port = process.env.E2E_PORT ?? '4173';
const data = mkdtempSync(join(tmpdir(), 'backpack-e2e-'));
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    join(root, 'sync-server/src/main.ts'),
    '--static',
    join(root, 'build'),
    '--port',
    port,
    '--data',
    data,
    '--quiet',
  ],
  { cwd: root, stdio: 'inherit' },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
