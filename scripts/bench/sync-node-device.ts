// Forked by sync.ts: one of two devices as a Node process of its own, driven over IPC. Its clock
// is the system's monotonic clock (`process.hrtime`), the same in every process on the machine.
import 'fake-indexeddb/auto';
import WebSocket from 'ws';
import { deviceApi, wireTap, type DeviceApi } from './sync-device';

/** `ws`, reporting each frame to the device's step times. */
class TappedWebSocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    // Before the provider's own listener: the time a frame arrived, not when it was handled.
    this.addEventListener('message', () => wireTap.received());
  }
  override send(...args: unknown[]): void {
    wireTap.sent();
    (super.send as (...a: unknown[]) => void).apply(this, args);
  }
}

const api = deviceApi({
  now: () => Number(process.hrtime.bigint()) / 1e6,
  WebSocketPolyfill: TappedWebSocket,
});

/** A call from the bench: a method of the device and its arguments. */
export interface DeviceCall {
  readonly id: number;
  readonly method: keyof DeviceApi;
  readonly args: unknown[];
}

process.on('message', (call: DeviceCall) => {
  const method = api[call.method] as (...args: unknown[]) => unknown;
  Promise.resolve()
    .then(() => method(...call.args))
    .then(
      (result) => process.send!({ id: call.id, result }),
      (e: unknown) =>
        process.send!({ id: call.id, error: e instanceof Error ? e.message : String(e) }),
    );
});
process.send!({ ready: true });
// Exits through Node's own exit path (so that `--cpu-prof` can write its profile).
process.on('SIGTERM', () => process.exit(0));
