// Runs bench entries (modules that define globals) in headless Chromium, with the browser's own
// IndexedDB: the code is bundled with esbuild and served on loopback.
import { build } from 'esbuild';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from '@playwright/test';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface BenchPages {
  readonly pages: Page[];
  close(): Promise<void>;
}

/**
 * Bundles `scripts/bench/<entry>` and opens it in `count` pages, each in its own browser context
 * (its own storage and renderer process, as two devices are), once `ready` is a global.
 */
export async function openBenchPages(
  entry: string,
  count: number,
  ready: string,
): Promise<BenchPages> {
  const dir = mkdtempSync(join(tmpdir(), 'backpack-bench-browser-'));
  await build({
    entryPoints: [join(root, 'scripts/bench', entry)],
    bundle: true,
    format: 'esm',
    outfile: join(dir, 'bench.js'),
    alias: { $lib: join(root, 'src/lib') },
    logLevel: 'error',
  });
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><script type="module" src="/bench.js"></script>',
  );
  const server = createServer((req, res) => {
    const file = req.url === '/bench.js' ? 'bench.js' : 'index.html';
    res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' });
    res.end(readFileSync(join(dir, file)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
      // Two pages at once: neither may be throttled as a background page.
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
    ],
  });
  const pages: Page[] = [];
  for (let i = 0; i < count; i++) {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction((name) => name in globalThis, ready);
    pages.push(page);
  }
  return {
    pages,
    close: async () => {
      await browser.close();
      server.close();
    },
  };
}

/** Bundles `scripts/bench/<entry>`, opens it in Chromium and returns what `runBench()` resolves. */
export async function runInChromium(entry: string): Promise<unknown> {
  const { pages, close } = await openBenchPages(entry, 1, 'runBench');
  try {
    return await pages[0]!.evaluate(() =>
      (globalThis as unknown as { runBench: () => Promise<unknown> }).runBench(),
    );
  } finally {
    await close();
  }
}
