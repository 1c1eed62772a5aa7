// A professional's workspace: N patients share their records with one physiotherapist, whose
// workspace then opens and syncs every record. Measured twice in the same run against a relay in
// its own process: all records over one multiplexed WebSocket (how the app does it), and the
// baseline of one WebSocket per record.
import 'fake-indexeddb/auto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { RecordSession } from '../../src/lib/app/record-session';
import { deviceKeysFromSeed, newSeed, randomBytes } from '../../src/lib/core/crypto/index';
import { newMailboxId, signContactCard } from '../../src/lib/core/sharing/index';
import type { SignedManifest } from '../../src/lib/core/sync/index';
import { SharedSocket } from '../../src/lib/platform/relay-socket';

const ROOT = join(import.meta.dirname, '../..');
const N = Number(process.env.BENCH_WORKSPACE_RECORDS ?? 60);
const CHECKINS = 20;
const fast = { alg: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;
const PASS = 'bench passphrase';

function startRelay(): Promise<{ child: ChildProcess; url: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'backpack-bench-ws-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'sync-server/src/main.ts', '--port', '0', '--data', dataDir, '--quiet'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let text = '';
    const on = (c: Buffer) => {
      text += c.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (m) resolve({ child, url: m[1]! });
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => reject(new Error(`relay exited (${code}): ${text.slice(-400)}`)));
  });
}

async function until(check: () => boolean, timeoutMs = 120_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const { child, url } = await startRelay();
try {
  // One professional device, and N patients who each share their record with it.
  const seed = newSeed();
  const device = deviceKeysFromSeed(seed);
  const person = signContactCard(
    {
      device: { signPublic: device.signPublic, boxPublic: device.boxPublic },
      relayUrl: url,
      mailbox: newMailboxId(randomBytes(16)),
      profile: {
        kind: 'professional' as const,
        name: 'Bench Physio',
        profession: 'Physiotherapist',
        organisation: 'Bench',
        sector: 'physiotherapy' as const,
      },
    },
    device.signSecret,
  );
  const manifests: SignedManifest[] = [];
  for (let i = 0; i < N; i++) {
    const { session } = await RecordSession.create(PASS, url, {
      kdf: fast,
      WebSocketPolyfill: WebSocket,
      namespace: `-bench-pt${i}`,
      batchMs: 1,
      persist: false,
    });
    for (let j = 0; j < CHECKINS; j++)
      session.write('pain-checkin', { scores: { back: (i + j) % 11 } });
    await session.grant(person, {
      role: 'professional',
      compartments: ['clinical', 'messages'],
      notAfter: null,
      manage: false,
    });
    await session.settled(30_000);
    manifests.push(session.currentManifest);
    await session.close();
  }

  /** Opens every record cold (nothing local) and waits until all check-ins arrived. */
  const measure = async (shared: boolean): Promise<number> => {
    const socket = shared ? new SharedSocket(url, WebSocket) : undefined;
    const t0 = performance.now();
    const sessions = await Promise.all(
      manifests.map((m, i) =>
        RecordSession.openShared(url, seed, m, {
          WebSocketPolyfill: WebSocket,
          namespace: `-bench-${shared ? 'one' : 'own'}-${i}`,
          persist: false,
          ...(socket ? { socket } : {}),
        }),
      ),
    );
    await until(() => sessions.every((s) => s.entries('clinical').length >= CHECKINS));
    const ms = performance.now() - t0;
    for (const s of sessions) await s.close();
    socket?.destroy();
    return ms;
  };
  const ownMs = await measure(false);
  const sharedMs = await measure(true);
  console.log(
    JSON.stringify({
      records: N,
      compartmentsPerRecord: 2,
      checkInsPerRecord: CHECKINS,
      oneSocketMs: Math.round(sharedMs),
      baselineSocketPerRecordMs: Math.round(ownMs),
      ratio: +(sharedMs / ownMs).toFixed(2),
    }),
  );
} finally {
  child.kill();
}
