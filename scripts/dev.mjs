// `npm run dev`: the relay on 127.0.0.1:8787 (data in ./data) and vite's dev server, which
// proxies /api, /healthz and /sync to it (vite.config.ts `server.proxy`).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { root } from './lib.mjs';

const children = [
  spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'sync-server/src/main.ts'),
      '--port',
      '8787',
      '--data',
      join(root, 'data'),
      // Tokens name the origin the app uses: vite's (it proxies to the relay) or the relay's own.
      '--origin',
      'http://localhost:5173,http://127.0.0.1:5173,http://localhost:8787,http://127.0.0.1:8787',
    ],
    { cwd: root, stdio: 'inherit' },
  ),
  spawn(
    process.execPath,
    [join(root, 'node_modules/vite/bin/vite.js'), 'dev', ...process.argv.slice(2)],
    {
      cwd: root,
      stdio: 'inherit',
    },
  ),
];
let stopping = false;
const stop = (code = 0) => {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3000).unref();
};
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => stop(0));
for (const c of children) c.on('exit', (code) => stop(code ?? 0));
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
});
