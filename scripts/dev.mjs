// `npm run dev`: the relay on 8787 and vite's dev server (which proxies /sync and /api to it).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { root } from './lib.mjs';

const relay = spawn(
  process.execPath,
  ['--import', 'tsx', join(root, 'sync-server/src/main.ts'), '--port', '8787'],
  { cwd: root, stdio: 'inherit' },
);
const vite = spawn('npx', ['vite', 'dev'], { cwd: root, stdio: 'inherit' });
const stop = () => {
  relay.kill('SIGTERM');
  vite.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
relay.on('exit', stop);
vite.on('exit', stop);
