// `npm start`: builds the PWA if build/ is missing or older than its sources, then runs one Node
// process that serves the app and the relay on one port (default http://127.0.0.1:8787).
// Options pass through: npm start -- --port 9000 --host 0.0.0.0 --data ./data (see --help).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuild, root } from './lib.mjs';

const args = process.argv.slice(2);
const help = args.includes('--help') || args.includes('-h');
if (!help) ensureBuild();

const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    join(root, 'sync-server/src/main.ts'),
    ...(help ? [] : ['--static', join(root, 'build')]),
    ...args,
  ],
  { cwd: root, stdio: 'inherit' },
);
// Ctrl+C reaches the relay directly (same process group); forward what else arrives.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
