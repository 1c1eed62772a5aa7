// Bundled by browser-sync.ts: one of two devices in headless Chromium (each its own browser
// context and renderer process). It holds a plain Hocuspocus client and a Backpack session on
// the same page, so any clock offset between the two pages is the same for both variants.
import { deviceApi, wireTap } from './sync-device';

/** The page's WebSocket, reporting each frame to the device's step times. */
class TappedWebSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols);
    // Before the provider's own listener: the time a frame arrived, not when it was handled.
    this.addEventListener('message', () => wireTap.received());
  }
  override send(data: Parameters<WebSocket['send']>[0]): void {
    wireTap.sent();
    super.send(data);
  }
}

/** Wall-clock time in ms with sub-ms resolution, comparable between pages on one machine. */
const api = deviceApi({
  now: () => performance.timeOrigin + performance.now(),
  WebSocketPolyfill: TappedWebSocket,
});

/** What the bench calls in a page (`browser-sync.ts`). */
export type BenchApi = typeof api;

(globalThis as unknown as { bench: BenchApi }).bench = api;
