import { fromDeviceOrientation, type Quat } from '$lib/core/motion/quaternion';

/**
 * Orientation readings from the phone, as quaternions [x, y, z, w] with a timestamp (ms).
 *
 * 1. The Generic Sensor API's RelativeOrientationSensor (gyroscope + accelerometer, no
 *    magnetometer: rotation stays reliable near metal), at up to 60 Hz, where the browser has it.
 * 2. Otherwise `deviceorientation` events, converted from (α, β, γ). On iOS their permission must
 *    be asked from a tap: {@link requestMotionPermission}.
 *
 * Nothing here stores or sends readings; the caller keeps them.
 */

export type SensorSource = 'generic-sensor' | 'device-orientation';

export type SensorProblem = 'unsupported' | 'denied' | 'no-readings' | 'failed';

export class SensorError extends Error {
  override readonly name = 'SensorError';
  constructor(
    readonly problem: SensorProblem,
    message: string,
  ) {
    super(message);
  }
}

export interface OrientationStream {
  readonly source: SensorSource;
  stop(): void;
}

interface GenericSensor extends EventTarget {
  quaternion: number[] | null;
  timestamp?: number;
  start(): void;
  stop(): void;
}
type GenericSensorCtor = new (opts: {
  frequency: number;
  referenceFrame?: string;
}) => GenericSensor;

type PermissionFn = () => Promise<'granted' | 'denied' | 'default'>;

/** Asks iOS for motion and orientation access; must run inside a tap. Elsewhere a no-op. */
export async function requestMotionPermission(): Promise<void> {
  const events = [
    globalThis.DeviceOrientationEvent,
    globalThis.DeviceMotionEvent,
  ] as unknown as Array<{ requestPermission?: PermissionFn } | undefined>;
  for (const E of events) {
    if (typeof E?.requestPermission !== 'function') continue;
    let answer: string;
    try {
      answer = await E.requestPermission();
    } catch {
      throw new SensorError('denied', 'Motion access was not granted.');
    }
    if (answer !== 'granted') throw new SensorError('denied', 'Motion access was not granted.');
  }
}

async function sensorsAllowed(): Promise<boolean> {
  const query = globalThis.navigator?.permissions?.query?.bind(navigator.permissions);
  if (!query) return true;
  try {
    for (const name of ['accelerometer', 'gyroscope']) {
      const state = await query({ name: name as PermissionName });
      if (state.state === 'denied') return false;
    }
  } catch {
    // Browsers that do not know these permission names: let the sensor itself decide.
  }
  return true;
}

/**
 * Starts streaming orientation. Resolves once the first reading arrives (or rejects with a
 * SensorError after `timeoutMs` without one), so the caller can tell the user at once when
 * there is no sensor.
 */
export async function startOrientation(
  onReading: (q: Quat, atMs: number) => void,
  { frequency = 60, timeoutMs = 3000 }: { frequency?: number; timeoutMs?: number } = {},
): Promise<OrientationStream> {
  const Ctor = (globalThis as { RelativeOrientationSensor?: GenericSensorCtor })
    .RelativeOrientationSensor;
  if (Ctor && (await sensorsAllowed())) {
    try {
      return await startGeneric(Ctor, onReading, frequency, timeoutMs);
    } catch (e) {
      if (!(e instanceof SensorError) || e.problem === 'denied') throw e;
      // No readings from the Generic Sensor: try the older events below.
    }
  }
  if (typeof globalThis.DeviceOrientationEvent === 'undefined') {
    throw new SensorError('unsupported', 'This browser has no motion sensors.');
  }
  return startDeviceOrientation(onReading, timeoutMs);
}

function startGeneric(
  Ctor: GenericSensorCtor,
  onReading: (q: Quat, atMs: number) => void,
  frequency: number,
  timeoutMs: number,
): Promise<OrientationStream> {
  return new Promise((resolve, reject) => {
    let sensor: GenericSensor;
    try {
      sensor = new Ctor({ frequency, referenceFrame: 'device' });
    } catch (e) {
      const name = e instanceof DOMException ? e.name : '';
      reject(
        name === 'SecurityError' || name === 'NotAllowedError'
          ? new SensorError('denied', 'Sensor access was blocked.')
          : new SensorError('unsupported', 'The orientation sensor is not available.'),
      );
      return;
    }
    let started = false;
    const timer = setTimeout(() => {
      sensor.stop();
      reject(new SensorError('no-readings', 'The orientation sensor sent no readings.'));
    }, timeoutMs);
    sensor.addEventListener('reading', () => {
      const q = sensor.quaternion;
      if (!q || q.length !== 4 || !q.every(Number.isFinite)) return;
      onReading([q[0]!, q[1]!, q[2]!, q[3]!], performance.now());
      if (!started) {
        started = true;
        clearTimeout(timer);
        resolve({ source: 'generic-sensor', stop: () => sensor.stop() });
      }
    });
    sensor.addEventListener('error', (event) => {
      clearTimeout(timer);
      sensor.stop();
      const name = (event as Event & { error?: DOMException }).error?.name ?? '';
      const error =
        name === 'NotAllowedError'
          ? new SensorError('denied', 'Sensor access was blocked.')
          : new SensorError('no-readings', 'The orientation sensor is not available.');
      if (!started) reject(error);
    });
    sensor.start();
  });
}

function startDeviceOrientation(
  onReading: (q: Quat, atMs: number) => void,
  timeoutMs: number,
): Promise<OrientationStream> {
  return new Promise((resolve, reject) => {
    let started = false;
    const listener = (e: DeviceOrientationEvent) => {
      if (e.alpha === null || e.beta === null || e.gamma === null) return;
      onReading(fromDeviceOrientation(e.alpha, e.beta, e.gamma), performance.now());
      if (!started) {
        started = true;
        clearTimeout(timer);
        resolve({ source: 'device-orientation', stop });
      }
    };
    const stop = () => window.removeEventListener('deviceorientation', listener);
    const timer = setTimeout(() => {
      stop();
      reject(new SensorError('no-readings', 'This device sent no orientation readings.'));
    }, timeoutMs);
    window.addEventListener('deviceorientation', listener);
  });
}
