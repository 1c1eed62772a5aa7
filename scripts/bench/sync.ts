// Edit-to-other-device latency through the relay on loopback: Backpack's encrypted sync against
// plain, unencrypted Hocuspocus measured in the same run. Every server and each of the two
// devices runs in its own process (as on a network: one device's work after sending does not
// hold up the other's receiving, and the relay's event loop and disk are neither's). The
// variants are measured in alternating blocks, so a change in the machine's load affects them
// alike. `browser-sync.ts` measures the same with the devices in headless Chromium, where the app
// runs. Prints one JSON object.
import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { GAP_MS, type DeviceApi, type SyncVariant } from './sync-device';
import type { DeviceCall } from './sync-node-device';
import { startBackpackRelay, startPlainHocuspocus } from './servers';
import { stats } from './stats';
import { StepLog } from './sync-steps';

/** Edits per variant: at 200 the p95 is the tenth-slowest edit, not one outlier of five. */
const N = Number(process.env.BENCH_EDITS ?? 200);
const BLOCK = 10;
const BURST = 20;

interface Device {
  call<K extends keyof DeviceApi>(
    method: K,
    ...args: Parameters<DeviceApi[K]>
  ): Promise<Awaited<ReturnType<DeviceApi[K]>>>;
  readonly child: ChildProcess;
}

/** `BENCH_CPU_PROFILE=<dir>`: each device writes a CPU profile there (50 µs samples). */
const profileDir = process.env.BENCH_CPU_PROFILE;
const profile = profileDir
  ? ['--cpu-prof', '--cpu-prof-interval', '50', '--cpu-prof-dir', profileDir]
  : [];

/** Forks a device process and waits until it is listening. */
async function device(): Promise<Device> {
  const child = fork(fileURLToPath(new URL('./sync-node-device.ts', import.meta.url)), {
    execArgv: ['--import', 'tsx', ...profile],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let next = 0;
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`device exited (${code})`)));
    child.on('message', (m: { ready?: true; id?: number; result?: unknown; error?: string }) => {
      if (m.ready) return resolve();
      const w = waiting.get(m.id!);
      waiting.delete(m.id!);
      if (m.error !== undefined) w?.reject(new Error(m.error));
      else w?.resolve(m.result);
    });
  });
  await ready;
  return {
    child,
    call: (method, ...args) =>
      new Promise((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, method, args } satisfies DeviceCall);
      }),
  };
}

const load = { before: loadavg().map((x) => +x.toFixed(2)), after: [] as number[] };
const plainServer = await startPlainHocuspocus();
const relay = await startBackpackRelay();
const [a, b] = await Promise.all([device(), device()]);
try {
  const plainUrl = plainServer.url.replace(/^http/, 'ws');
  await a.call('plain', plainUrl);
  await b.call('plain', plainUrl);
  for (const v of ['backpack', 'unbatched'] as const) {
    await a.call('create', v, relay.url);
    const code = await b.call('startLink', v, relay.url);
    await a.call('approve', v, code);
    await b.call('completeLink', v);
    await a.call('settled', v);
  }
  await new Promise((r) => setTimeout(r, 300));
  // The devices' clocks (both the system's monotonic clock): the midpoint of a round trip.
  const offsets: number[] = [];
  for (let k = 0; k < 5; k++) {
    const ta = await a.call('now');
    const tb = await b.call('now');
    const ta2 = await a.call('now');
    offsets.push(tb - (ta + ta2) / 2);
  }
  const variants: SyncVariant[] = ['plain', 'backpack', 'unbatched'];
  const times: Record<SyncVariant, number[]> = { plain: [], backpack: [], unbatched: [] };
  const steps = { plain: StepLog.plain(), backpack: StepLog.backpack() };
  for (let done = 0; done < N; done += BLOCK) {
    for (const v of variants) {
      for (let i = done; i < Math.min(N, done + BLOCK); i++) {
        await b.call('arm', v, i);
        const t0 = await a.call('edit', v, i);
        const t1 = await b.call('seen');
        times[v].push(t1 - t0);
        if (v !== 'unbatched') steps[v].add(await a.call('steps'), await b.call('steps'), t1 - t0);
      }
    }
  }
  // A burst of typing: BURST check-ins at once give the first envelope plus one for the rest.
  const burst = await a.call('burst', 'backpack', BURST);
  load.after = loadavg().map((x) => +x.toFixed(2));
  const p = stats(times.plain);
  const o = stats(times.backpack);
  const u = stats(times.unbatched);
  console.log(
    JSON.stringify({
      where: 'two Node processes (one per device), relay and plain server in their own',
      baseline: { name: 'plain Hocuspocus, unencrypted', ...p },
      backpack: { name: 'Backpack encrypted sync, 50 ms batch window (app default)', ...o },
      backpackUnbatched: { name: 'Backpack encrypted sync, no batch window', ...u },
      ratio: { p50: +(o.p50 / p.p50).toFixed(2), p95: +(o.p95 / p.p95).toFixed(2) },
      ratioUnbatched: { p50: +(u.p50 / p.p50).toFixed(2), p95: +(u.p95 / p.p95).toFixed(2) },
      singleEditsAfterMs: GAP_MS,
      overPlainP95Ms: +(o.p95 - p.p95).toFixed(2),
      overPlainP50Ms: +(o.p50 - p.p50).toFixed(2),
      stepsP50Ms: { plain: steps.plain.medians(), backpack: steps.backpack.medians() },
      stepsSlowestTenthMs: {
        plain: steps.plain.slowestTenth(),
        backpack: steps.backpack.slowestTenth(),
      },
      deviceClockOffsetMs: +offsets.sort((x, y) => x - y)[2]!.toFixed(3),
      burst: { checkIns: BURST, envelopes: burst, budgetEnvelopes: 2 },
      budget: { p95Ms: 100, ratio: 1.3, overPlainP95Ms: 2 },
      loadAverage: load,
    }),
  );
  await Promise.all([a.call('close'), b.call('close')]);
} finally {
  a.child.kill('SIGTERM');
  b.child.kill('SIGTERM');
  relay.child.kill('SIGTERM');
  plainServer.child.kill('SIGTERM');
}
process.exit(0);
