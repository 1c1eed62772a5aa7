// Ed25519 verification in headless Chromium: WebCrypto (one by one and 250 in flight) against
// the noble fallback, under the same strict rule.
import { runInChromium } from './browser';

const result = await runInChromium('browser-crypto.entry.ts');
console.log(JSON.stringify({ ed25519: result, where: 'headless Chromium' }));
