/**
 * A synthetic head-movement recording for tests and benchmarks (no real data): a phone worn in
 * an arbitrary orientation, still for 3 s, then every 10 s one 4 s movement out and back along
 * a minimum-jerk path, cycling through flexion, lateral bending, axial rotation and extension,
 * with a small seeded sensor jitter.
 */
import { axisAngle, fromDeviceOrientation, multiply, type Quat } from './quaternion';
import { prng } from '../prng';

export interface SyntheticRecording {
  /** Interleaved [x, y, z, w], `seconds · fs` quaternions. */
  readonly quats: Float64Array;
  readonly neutral: Quat;
  readonly fs: number;
}

const MOVES: ReadonlyArray<readonly [number, number, number]> = [
  [40, 0, 0],
  [0, 25, 0],
  [0, 0, 60],
  [-30, 0, 0],
];

export function syntheticRecording(seconds = 60, fs = 60, seed = 1): SyntheticRecording {
  const rand = prng(seed);
  const neutral = fromDeviceOrientation(30, 45, 60);
  const n = Math.round(seconds * fs);
  const quats = new Float64Array(4 * n);
  const jitter = () => (rand() - 0.5) * 0.02;
  for (let i = 0; i < n; i++) {
    const t = i / fs;
    const cycle = Math.floor((t - 3) / 10);
    const local = t - 3 - 10 * cycle;
    let share = 0;
    if (t >= 3 && local < 4) {
      // Out in 2 s and back in 2 s, each along 10s³ − 15s⁴ + 6s⁵.
      const s = local < 2 ? local / 2 : 2 - local / 2;
      share = s * s * s * (10 - 15 * s + 6 * s * s);
    }
    const [fx, ly, rz] = MOVES[((cycle % MOVES.length) + MOVES.length) % MOVES.length]!;
    const pose = multiply(
      multiply(axisAngle('x', fx * share + jitter()), axisAngle('y', ly * share + jitter())),
      axisAngle('z', rz * share + jitter()),
    );
    quats.set(multiply(neutral, pose), 4 * i);
  }
  return { quats, neutral, fs };
}
