// `npm start`: builds the PWA if needed, then serves it and the relay on one port.
// Options are passed through: npm start -- --port 9000 --host 0.0.0.0 --data ./data
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuild, root } from './lib.mjs';

ensureBuild();
const args = [
  '--import',
  'tsx',
  join(root, 'sync-server/src/main.ts'),
  '--static',
  join(root, 'build'),
  ...process.argv.slice(2),
];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
