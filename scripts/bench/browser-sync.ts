// Edit-to-other-device latency with the devices in headless Chromium, the runtime the app runs
// in (`sync.ts` measures the same with Node clients). Two pages, each its own browser context and
// renderer process; the relay and plain Hocuspocus each in their own process. Each page holds a
// plain Hocuspocus client and a Backpack session, measured in alternating blocks, so the load of
// the machine and any clock offset between the pages fall on both alike. Prints one JSON object.
import { loadavg } from 'node:os';
import type { Page } from '@playwright/test';
import { openBenchPages } from './browser';
import type { BenchApi as Bench } from './browser-sync.entry';
import { startBackpackRelay, startPlainHocuspocus } from './servers';
import { stats } from './stats';
import { StepLog } from './sync-steps';

/** Edits per variant: at 200 the p95 is the tenth-slowest edit, not one outlier of five. */
const N = Number(process.env.BENCH_EDITS ?? 200);
const BLOCK = 10;
type Variant = 'plain' | 'backpack';

/** Calls `bench[method](...args)` in a page. */
const call = <K extends keyof Bench>(page: Page, method: K, ...args: Parameters<Bench[K]>) =>
  page.evaluate(
    ({ method, args }) => {
      const bench = (
        globalThis as unknown as { bench: Record<string, (...a: unknown[]) => unknown> }
      ).bench;
      return bench[method]!(...args);
    },
    { method, args: args as unknown[] },
  ) as Promise<Awaited<ReturnType<Bench[K]>>>;

const load = { before: loadavg().map((x) => +x.toFixed(2)), after: [] as number[] };
const plainServer = await startPlainHocuspocus();
const relay = await startBackpackRelay();
const { pages, close } = await openBenchPages('browser-sync.entry.ts', 2, 'bench');
const [a, b] = pages as [Page, Page];
try {
  const plainUrl = plainServer.url.replace(/^http/, 'ws');
  await call(a, 'plain', plainUrl);
  await call(b, 'plain', plainUrl);
  await call(a, 'create', 'backpack', relay.url);
  const code = await call(b, 'startLink', 'backpack', relay.url);
  await call(a, 'approve', 'backpack', code);
  await call(b, 'completeLink', 'backpack');
  await call(a, 'settled', 'backpack');
  await new Promise((r) => setTimeout(r, 300));
  // The pages' clocks: the midpoint of a round trip from here to each.
  const offsets: number[] = [];
  for (let k = 0; k < 5; k++) {
    const ta = await call(a, 'now');
    const tb = await call(b, 'now');
    const ta2 = await call(a, 'now');
    offsets.push(tb - (ta + ta2) / 2);
  }
  const times: Record<Variant, number[]> = { plain: [], backpack: [] };
  const steps = { plain: StepLog.plain(), backpack: StepLog.backpack() };
  for (let done = 0; done < N; done += BLOCK) {
    for (const v of ['plain', 'backpack'] as const) {
      for (let i = done; i < Math.min(N, done + BLOCK); i++) {
        await call(b, 'arm', v, i);
        const t0 = await call(a, 'edit', v, i);
        const t1 = await call(b, 'seen');
        times[v].push(t1 - t0);
        steps[v].add(await call(a, 'steps'), await call(b, 'steps'), t1 - t0);
      }
    }
  }
  load.after = loadavg().map((x) => +x.toFixed(2));
  const p = stats(times.plain);
  const o = stats(times.backpack);
  console.log(
    JSON.stringify({
      where: 'two headless Chromium pages (two browser contexts), relay in its own process',
      baseline: { name: 'plain Hocuspocus, unencrypted', ...p },
      backpack: { name: 'Backpack encrypted sync, 50 ms batch window (app default)', ...o },
      overPlainP95Ms: +(o.p95 - p.p95).toFixed(2),
      overPlainP50Ms: +(o.p50 - p.p50).toFixed(2),
      stepsP50Ms: { plain: steps.plain.medians(), backpack: steps.backpack.medians() },
      stepsSlowestTenthMs: {
        plain: steps.plain.slowestTenth(),
        backpack: steps.backpack.slowestTenth(),
      },
      pageClockOffsetMs: +offsets.sort((x, y) => x - y)[2]!.toFixed(2),
      budget: { overPlainP95Ms: 2 },
      loadAverage: load,
    }),
  );
} finally {
  await close();
  relay.child.kill('SIGTERM');
  plainServer.child.kill('SIGTERM');
}
process.exit(0);
