// `npm run bench:load`: the relay under N concurrent sockets (see load.ts). This wrapper raises
// the file-descriptor limit to the hard limit (prlimit) for the bench and the relays it starts.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from '../lib.mjs';

const args = ['--import', 'tsx', join(root, 'scripts/bench/load.ts'), ...process.argv.slice(2)];
const hard = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim();
const limit = hard === 'unlimited' ? '1048576' : hard;
const viaPrlimit = spawnSync('prlimit', ['--version']).status === 0;
const r = viaPrlimit
  ? spawnSync('prlimit', [`--nofile=${limit}:${limit}`, process.execPath, ...args], {
      cwd: root,
      stdio: 'inherit',
    })
  : spawnSync('sh', ['-c', `ulimit -n ${limit}; exec "$0" "$@"`, process.execPath, ...args], {
      cwd: root,
      stdio: 'inherit',
    });
process.exit(r.status ?? 1);
