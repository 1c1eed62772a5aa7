// Bundled by browser-sync.ts: one of two devices in headless Chromium (each its own browser
// context and renderer process). It holds a plain Hocuspocus client and a Backpack session on
// the same page, so any clock offset between the two pages is the same for both variants.
import { deviceApi } from './sync-device';

/** Wall-clock time in ms with sub-ms resolution, comparable between pages on one machine. */
const api = deviceApi({ now: () => performance.timeOrigin + performance.now() });

/** What the bench calls in a page (`browser-sync.ts`). */
export type BenchApi = typeof api;

(globalThis as unknown as { bench: BenchApi }).bench = api;
