import { describe, expect, it } from 'vitest';
import {
  axisAngle,
  cardanXYZ,
  fromDeviceOrientation,
  multiply,
  relative,
  totalAngle,
  type Quat,
} from './quaternion';
import { dimensionlessJerk, ldlj, sparc } from './smoothness';

const close = (a: readonly number[], b: readonly number[], eps = 1e-6) =>
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, -Math.log10(eps)));

describe('quaternions (research test vectors)', () => {
  it('deviceorientation (30, 45, 60) → [0.200562, 0.531976, 0.391904, 0.723317]', () => {
    close(fromDeviceOrientation(30, 45, 60), [0.200562, 0.531976, 0.391904, 0.723317], 1e-6);
  });
  it('single-axis orientations', () => {
    const s = Math.SQRT1_2;
    close(fromDeviceOrientation(0, 90, 0), [s, 0, 0, s]);
    close(fromDeviceOrientation(90, 0, 0), [0, 0, s, s]);
    close(fromDeviceOrientation(0, 0, 90), [0, s, 0, s]);
  });
  it('relative XYZ(30, 10, 20) from a neutral pose', () => {
    const q0 = fromDeviceOrientation(30, 45, 60);
    const move = multiply(multiply(axisAngle('x', 30), axisAngle('y', 10)), axisAngle('z', 20));
    const rel = relative(q0, multiply(q0, move));
    close(rel, [0.268536, 0.038135, 0.189308, 0.943714]);
    const a = cardanXYZ(rel);
    close([a.x, a.y, a.z], [30, 10, 20], 1e-6);
    expect(totalAngle(rel)).toBeCloseTo(38.63, 2);
  });
  it('pure 40° flexion about x', () => {
    const q: Quat = axisAngle('x', 40);
    close(q, [0.34202, 0, 0, 0.939693]);
    expect(cardanXYZ(q).x).toBeCloseTo(40, 9);
  });
});

describe('smoothness (research test vectors)', () => {
  const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
  it('Gaussian speed exp(-5t²), fs 100', () => {
    const v = range(200, (i) => Math.exp(-5 * (-1 + i * 0.01) ** 2));
    expect(sparc(v, 100)).toBeCloseTo(-1.41403126, 6);
    expect(dimensionlessJerk(v, 100)).toBeCloseTo(-335.746837, 4);
    expect(ldlj(v, 100)).toBeCloseTo(-5.81635741, 6);
  });
  it('minimum-jerk, 1 s at 100 Hz', () => {
    const v = range(101, (i) => {
      const t = i / 100;
      return 30 * t ** 2 - 60 * t ** 3 + 30 * t ** 4;
    });
    expect(sparc(v, 100)).toBeCloseTo(-1.405829, 5);
    expect(ldlj(v, 100)).toBeCloseTo(-5.30163, 4);
  });
  it('minimum-jerk, 2 s at 60 Hz', () => {
    const v = range(121, (i) => {
      const t = i / 120;
      return 30 * t ** 2 - 60 * t ** 3 + 30 * t ** 4;
    });
    expect(sparc(v, 60)).toBeCloseTo(-1.400407, 5);
    expect(ldlj(v, 60)).toBeCloseTo(-5.30509, 4);
  });
  it('two sub-movements are less smooth', () => {
    const v = range(200, (i) => {
      const t = i * 0.01;
      return Math.exp(-(((t - 0.6) / 0.15) ** 2)) + Math.exp(-(((t - 1.4) / 0.15) ** 2));
    });
    expect(sparc(v, 100)).toBeCloseTo(-3.30029, 4);
    expect(ldlj(v, 100)).toBeCloseTo(-9.7848, 3);
  });
});
