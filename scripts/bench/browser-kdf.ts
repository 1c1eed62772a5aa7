// The passphrase KDF and a whole unlock in headless Chromium (budget: unlock ≤ 1.5 s), with the
// browser's own IndexedDB.
import { runInChromium } from './browser';

const result = (await runInChromium('browser-kdf.entry.ts')) as {
  kdf: { medianMs: number };
  baseline: { medianMs: number };
};
const ratio = +(result.kdf.medianMs / result.baseline.medianMs).toFixed(2);
console.log(JSON.stringify({ ...result, ratio, budgetUnlockMs: 1500, where: 'headless Chromium' }));
