// The passphrase KDF and a whole unlock in headless Chromium (budget: unlock ≤ 1.5 s), with the
// browser's own IndexedDB. The code is bundled with esbuild and served on loopback.
import { build } from 'esbuild';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'backpack-bench-kdf-'));
await build({
  entryPoints: [join(root, 'scripts/bench/browser-kdf.entry.ts')],
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
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await page.waitForFunction(() => 'runBench' in globalThis);
  const result = (await page.evaluate(() =>
    (globalThis as unknown as { runBench: () => Promise<unknown> }).runBench(),
  )) as { kdf: { medianMs: number }; baseline: { medianMs: number } };
  const ratio = +(result.kdf.medianMs / result.baseline.medianMs).toFixed(2);
  console.log(
    JSON.stringify({ ...result, ratio, budgetUnlockMs: 1500, where: 'headless Chromium' }),
  );
} finally {
  await browser.close();
  server.close();
}
