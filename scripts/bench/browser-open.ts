// Opening a five-year record after unlock in headless Chromium (DESIGN §7 budget: 300 ms), with
// the browser's own IndexedDB; and without a checkpoint (a new device, a restore, a damaged
// checkpoint: every envelope verified; budget 150 ms).
import { runInChromium } from './browser';

const result = await runInChromium('browser-open.entry.ts');
console.log(JSON.stringify({ ...(result as object), budgetMs: 300, where: 'headless Chromium' }));
