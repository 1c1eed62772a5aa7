/**
 * Batch kinematics of a quaternion recording: anatomical angles per sample and angular speed
 * between samples. Quaternions are interleaved [x, y, z, w] (Generic Sensor order). These are
 * the references for the WASM kernels `anglesSeries` and `angularSpeed`.
 */
import type { Quat } from './quaternion';
import { checkQuat, checkQuaternions, checkRate } from './validate';

const DEG = 180 / Math.PI;

/** Per-sample intrinsic X-Y′-Z″ Cardan angles relative to the neutral pose, in degrees. */
export interface AnglesSeries {
  /** Rotation about x: flexion (+) / extension (−). */
  readonly flexion: Float64Array;
  /** Rotation about y′: lateral bending. */
  readonly lateral: Float64Array;
  /** Rotation about z″: axial rotation. */
  readonly rotation: Float64Array;
}

/**
 * For each quaternion q of the recording, `cardanXYZ(relative(neutral, q))` (see quaternion.ts),
 * written as one loop over the flat array. Same operations in the same order, so the result is
 * identical, not merely close.
 */
export function anglesSeries(quats: ArrayLike<number>, neutral: Quat): AnglesSeries {
  checkQuat('neutral', neutral);
  const n = checkQuaternions(quats, 0);
  const flexion = new Float64Array(n);
  const lateral = new Float64Array(n);
  const rotation = new Float64Array(n);
  const m = Math.hypot(neutral[0], neutral[1], neutral[2], neutral[3]);
  // conjugate(normalize(neutral))
  const ax = -(neutral[0] / m);
  const ay = -(neutral[1] / m);
  const az = -(neutral[2] / m);
  const aw = neutral[3] / m;
  for (let i = 0; i < n; i++) {
    const o = 4 * i;
    const qx = quats[o]!;
    const qy = quats[o + 1]!;
    const qz = quats[o + 2]!;
    const qw = quats[o + 3]!;
    const qn = Math.hypot(qx, qy, qz, qw);
    const bx = qx / qn;
    const by = qy / qn;
    const bz = qz / qn;
    const bw = qw / qn;
    // relative = a ⊗ b
    const rx = aw * bx + ax * bw + ay * bz - az * by;
    const ry = aw * by - ax * bz + ay * bw + az * bx;
    const rz = aw * bz + ax * by - ay * bx + az * bw;
    const rw = aw * bw - ax * bx - ay * by - az * bz;
    const rn = Math.hypot(rx, ry, rz, rw);
    const x = rx / rn;
    const y = ry / rn;
    const z = rz / rn;
    const w = rw / rn;
    const r02 = 2 * (x * z + w * y);
    const r12 = 2 * (y * z - w * x);
    const r22 = 1 - 2 * (x * x + y * y);
    const r01 = 2 * (x * y - w * z);
    const r00 = 1 - 2 * (y * y + z * z);
    flexion[i] = Math.atan2(-r12, r22) * DEG;
    lateral[i] = Math.asin(Math.max(-1, Math.min(1, r02))) * DEG;
    rotation[i] = Math.atan2(-r01, r00) * DEG;
  }
  return { flexion, lateral, rotation };
}

/**
 * Angular speed in degrees per second between consecutive quaternions sampled at `fs` Hz: the
 * rotation angle of d = q_i⁻¹ ⊗ q_{i+1}, computed as 2·atan2(‖d_xyz‖, |d_w|) (stable for small
 * angles, and the same for q and −q), times fs. Returns n − 1 values. The conjugate stands in for
 * the inverse: atan2 ignores the positive factor |q_i|²·|q_{i+1}|, so no normalisation is needed.
 */
export function angularSpeed(quats: ArrayLike<number>, fs: number): Float64Array {
  checkRate(fs);
  const n = checkQuaternions(quats, 2);
  const out = new Float64Array(n - 1);
  for (let i = 0; i < n - 1; i++) {
    const o = 4 * i;
    const ax = -quats[o]!;
    const ay = -quats[o + 1]!;
    const az = -quats[o + 2]!;
    const aw = quats[o + 3]!;
    const bx = quats[o + 4]!;
    const by = quats[o + 5]!;
    const bz = quats[o + 6]!;
    const bw = quats[o + 7]!;
    const dx = aw * bx + ax * bw + ay * bz - az * by;
    const dy = aw * by - ax * bz + ay * bw + az * bx;
    const dz = aw * bz + ax * by - ay * bx + az * bw;
    const dw = aw * bw - ax * bx - ay * by - az * bz;
    out[i] = 2 * Math.atan2(Math.hypot(dx, dy, dz), Math.abs(dw)) * DEG * fs;
  }
  return out;
}
