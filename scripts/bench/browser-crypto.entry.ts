// Bundled by browser-crypto.ts and run in headless Chromium.
import { ed25519Bench } from './ed25519';

(globalThis as unknown as { runBench: typeof ed25519Bench }).runBench = ed25519Bench;
