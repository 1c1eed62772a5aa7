/**
 * Quaternions as `[x, y, z, w]` (the Generic Sensor API order; w = cos(θ/2)), and the angles
 * clinicians read from them. All angles in degrees at the API, radians inside.
 */
export type Quat = readonly [number, number, number, number];

const RAD = Math.PI / 180;
const DEG = 180 / Math.PI;

export function multiply(a: Quat, b: Quat): Quat {
  const [ax, ay, az, aw] = a;
  const [bx, by, bz, bw] = b;
  return [
    aw * bx + ax * bw + ay * bz - az * by,
    aw * by - ax * bz + ay * bw + az * bx,
    aw * bz + ax * by - ay * bx + az * bw,
    aw * bw - ax * bx - ay * by - az * bz,
  ];
}

export function conjugate(q: Quat): Quat {
  return [-q[0], -q[1], -q[2], q[3]];
}

export function normalize(q: Quat): Quat {
  const n = Math.hypot(q[0], q[1], q[2], q[3]);
  if (n === 0) throw new RangeError('A zero quaternion has no orientation.');
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}

export function axisAngle(axis: 'x' | 'y' | 'z', degrees: number): Quat {
  const h = (degrees * RAD) / 2;
  const s = Math.sin(h);
  const c = Math.cos(h);
  return axis === 'x' ? [s, 0, 0, c] : axis === 'y' ? [0, s, 0, c] : [0, 0, s, c];
}

/** DeviceOrientationEvent (α, β, γ): intrinsic Z-X′-Y″ rotations. */
export function fromDeviceOrientation(alpha: number, beta: number, gamma: number): Quat {
  return multiply(multiply(axisAngle('z', alpha), axisAngle('x', beta)), axisAngle('y', gamma));
}

/** The orientation relative to a neutral pose: q₀⁻¹ ⊗ q. */
export function relative(neutral: Quat, q: Quat): Quat {
  return multiply(conjugate(normalize(neutral)), normalize(q));
}

/** Total rotation angle from neutral, 2·acos|w|, in degrees. */
export function totalAngle(q: Quat): number {
  return 2 * Math.acos(Math.min(1, Math.abs(normalize(q)[3]))) * DEG;
}

/**
 * Intrinsic X-Y′-Z″ (Cardan) angles of a relative orientation, in degrees. With the phone held
 * so that x is the flexion–extension axis, these are flexion/extension, lateral bending and axial
 * rotation.
 */
export function cardanXYZ(q: Quat): { x: number; y: number; z: number } {
  const [x, y, z, w] = normalize(q);
  // Rotation matrix entries of R = Rx·Ry·Rz.
  const r02 = 2 * (x * z + w * y);
  const r12 = 2 * (y * z - w * x);
  const r22 = 1 - 2 * (x * x + y * y);
  const r01 = 2 * (x * y - w * z);
  const r00 = 1 - 2 * (y * y + z * z);
  return {
    x: Math.atan2(-r12, r22) * DEG,
    y: Math.asin(Math.max(-1, Math.min(1, r02))) * DEG,
    z: Math.atan2(-r01, r00) * DEG,
  };
}
