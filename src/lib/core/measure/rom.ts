import { cardanXYZ, normalize, relative, type Quat } from '../motion/quaternion';

/**
 * The guided range-of-motion tests (SPEC MOT-1..6, ./SPEC.md).
 *
 * - `neck`: the phone lies flat on top of the head, screen up, top pointing forward (phone x
 *   right, y forward, z up): x + extension / − flexion; y + bending right / − left; z + turning
 *   left / − right.
 * - `back`: the phone is held flat against the breastbone, screen facing away, top pointing up
 *   (x right, y up, z forward): x + flexion / − extension; z + bending left / − right; y +
 *   turning right / − left. It measures the trunk, hips included.
 *
 * Angles are the intrinsic X-Y′-Z″ angles of the orientation relative to neutral.
 */

export const MOTION_TESTS = ['neck', 'back'] as const;
export type MotionTestKind = (typeof MOTION_TESTS)[number];

export const NECK_PLANES = ['flexion-extension', 'lateral', 'rotation'] as const;
export type NeckPlane = (typeof NECK_PLANES)[number];

/** Which Cardan angle each plane reads, and its sign for the plane's first direction. */
const MOUNT: Readonly<
  Record<MotionTestKind, Record<NeckPlane, { axis: 'x' | 'y' | 'z'; sign: 1 | -1 }>>
> = {
  neck: {
    'flexion-extension': { axis: 'x', sign: -1 },
    lateral: { axis: 'y', sign: -1 },
    rotation: { axis: 'z', sign: 1 },
  },
  back: {
    'flexion-extension': { axis: 'x', sign: 1 },
    lateral: { axis: 'z', sign: 1 },
    rotation: { axis: 'y', sign: -1 },
  },
};

/** The two directions of each plane, in the order results list them. */
export const PLANE_DIRECTIONS: Readonly<Record<NeckPlane, readonly [string, string]>> = {
  'flexion-extension': ['flexion', 'extension'],
  lateral: ['left', 'right'],
  rotation: ['left', 'right'],
};

export interface PlaneResult {
  /** Largest angle in the first direction of the plane (degrees, ≥ 0). */
  readonly a: number;
  /** Largest angle in the second direction (degrees, ≥ 0). */
  readonly b: number;
  /** Smoothness (SPARC, ≤ 0; closer to 0 is smoother), when measured by sensor. */
  readonly sparc?: number;
}

/**
 * [MOT-2][MOT-6] The angle of one plane from a relative orientation, positive in the plane's
 * first direction (flexion, left, left).
 */
export function planeAngle(test: MotionTestKind, plane: NeckPlane, rel: Quat): number {
  const { axis, sign } = MOUNT[test][plane];
  return sign * cardanXYZ(rel)[axis];
}

/**
 * [MOT-1] Neutral from a short still period: the normalised mean of the readings, each first
 * flipped onto the same hemisphere as the first (q and −q are the same orientation).
 */
export function averageQuat(readings: readonly Quat[]): Quat {
  if (readings.length === 0) throw new RangeError('No readings to average.');
  const ref = readings[0]!;
  const sum = [0, 0, 0, 0];
  for (const q of readings) {
    const dot = q[0] * ref[0] + q[1] * ref[1] + q[2] * ref[2] + q[3] * ref[3];
    const s = dot < 0 ? -1 : 1;
    for (let i = 0; i < 4; i++) sum[i]! += s * q[i]!;
  }
  return normalize([sum[0]!, sum[1]!, sum[2]!, sum[3]!]);
}

/** [MOT-3] Range in each direction of a plane's recording: the extremes, never below 0. */
export function planeRange(
  test: MotionTestKind,
  plane: NeckPlane,
  neutral: Quat,
  readings: readonly Quat[],
): { a: number; b: number } {
  let a = 0;
  let b = 0;
  for (const q of readings) {
    const angle = planeAngle(test, plane, relative(neutral, q));
    if (angle > a) a = angle;
    if (-angle > b) b = -angle;
  }
  return { a, b };
}

/** Rounds to one decimal for storage; the display rounds to whole degrees. */
export const round1 = (x: number): number => Math.round(x * 10) / 10;
