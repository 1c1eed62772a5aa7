import { describe, expect, it } from 'vitest';
import {
  axisAngle,
  cardanXYZ,
  fromDeviceOrientation,
  multiply,
  relative,
  type Quat,
} from './quaternion';
import { anglesSeries, angularSpeed } from './kinematics';
import { segmentMovements } from './segmentation';
import { logistic, logisticModel, pointsModel } from './models';
import { TAU_COUNT, TAU_GRID, fitPainTrajectory, portableExp } from './trajectory';
import { prng } from '../prng';

const flat = (qs: readonly Quat[]) => Float64Array.from(qs.flat());
const xyz = (x: number, y: number, z: number) =>
  multiply(multiply(axisAngle('x', x), axisAngle('y', y)), axisAngle('z', z));

describe('anglesSeries', () => {
  const q0 = fromDeviceOrientation(30, 45, 60);

  it('q₀ ⊗ XYZ(30°, 10°, 20°) from neutral q₀ gives (30, 10, 20); q₀ itself gives zeros', () => {
    const a = anglesSeries(flat([multiply(q0, xyz(30, 10, 20)), q0]), q0);
    expect(a.flexion[0]).toBeCloseTo(30, 9);
    expect(a.lateral[0]).toBeCloseTo(10, 9);
    expect(a.rotation[0]).toBeCloseTo(20, 9);
    for (const s of [a.flexion, a.lateral, a.rotation]) expect(s[1]).toBeCloseTo(0, 12);
  });

  it('pure flexion and extension about x from the identity', () => {
    const a = anglesSeries(flat([axisAngle('x', 40), axisAngle('x', -25)]), [0, 0, 0, 1]);
    expect(Array.from(a.flexion)).toEqual([expect.closeTo(40, 9), expect.closeTo(-25, 9)]);
    expect(Math.abs(a.lateral[0]!) + Math.abs(a.rotation[1]!)).toBeLessThan(1e-12);
  });

  it('is exactly cardanXYZ(relative(neutral, q)) sample by sample, scale and sign ignored', () => {
    const rand = prng(11);
    const r = () => rand() * 2 - 1;
    const qs: Quat[] = Array.from({ length: 200 }, () => [r(), r(), r(), r()]);
    const neutral: Quat = [r(), r(), r(), r()];
    const a = anglesSeries(flat(qs), neutral);
    qs.forEach((q, i) => {
      const c = cardanXYZ(relative(neutral, q));
      expect([a.flexion[i], a.lateral[i], a.rotation[i]]).toEqual([c.x, c.y, c.z]);
    });
    const scaled = anglesSeries(
      flat(qs.map((q) => q.map((v) => -3 * v) as unknown as Quat)),
      neutral,
    );
    scaled.flexion.forEach((v, i) => expect(v).toBeCloseTo(a.flexion[i]!, 9));
  });

  it('rejects malformed input', () => {
    expect(() => anglesSeries([0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 1])).toThrow(/multiple of 4/);
    expect(() => anglesSeries([0, 0, Number.NaN, 1], [0, 0, 0, 1])).toThrow(RangeError);
    expect(() => anglesSeries([0, 0, 0, 0], [0, 0, 0, 1])).toThrow(/zero/);
    expect(() => anglesSeries([0, 0, 0, 1], [0, 0, 0, 0])).toThrow(/neutral/);
  });
});

describe('angularSpeed', () => {
  it('a constant 30°/s rotation about x at 60 Hz gives 30 deg/s throughout', () => {
    const q0 = fromDeviceOrientation(30, 45, 60);
    const qs = Array.from({ length: 121 }, (_, i) => multiply(q0, axisAngle('x', (30 * i) / 60)));
    const v = angularSpeed(flat(qs), 60);
    expect(v.length).toBe(120);
    for (const s of v) expect(Math.abs(s - 30)).toBeLessThan(1e-9);
  });

  it('ignores the sign and scale of each quaternion', () => {
    const qs = Array.from({ length: 50 }, (_, i) => xyz(2 * i, i, -i));
    const base = angularSpeed(flat(qs), 100);
    const flipped = angularSpeed(
      flat(qs.map((q, i) => q.map((v) => v * (i % 2 ? -2 : 0.5)) as unknown as Quat)),
      100,
    );
    base.forEach((v, i) => expect(Math.abs(flipped[i]! - v)).toBeLessThan(1e-9));
  });

  it('is the rotation angle 2·acos|w| of q_i⁻¹ ⊗ q_{i+1} times fs', () => {
    const a = xyz(10, 20, 30);
    const b = multiply(a, xyz(3, -4, 5));
    const d = multiply([-a[0], -a[1], -a[2], a[3]], b);
    const angle = (2 * Math.acos(Math.abs(d[3])) * 180) / Math.PI;
    expect(angularSpeed(flat([a, b]), 50)[0]).toBeCloseTo(angle * 50, 6);
  });

  it('rejects a bad rate or too few samples', () => {
    expect(() => angularSpeed([0, 0, 0, 1, 0, 0, 0, 1], 0)).toThrow(/rate/);
    expect(() => angularSpeed([0, 0, 0, 1], 60)).toThrow(/At least 2/);
  });
});

describe('segmentMovements', () => {
  it('follows the documented rule on a hand-checked series', () => {
    const v = [0, 5, 10, 5, 0, 0, 8, 0, 0, 0, 1, 2];
    // peak 10, level 1: moving samples 1–3, 6 and 11 (a sample at exactly the level is still);
    // gaps of 2 and 4 still samples.
    expect(segmentMovements(v)).toEqual([
      { start: 1, end: 4 },
      { start: 6, end: 7 },
      { start: 11, end: 12 },
    ]);
    expect(segmentMovements(v, { minGap: 3 })).toEqual([
      { start: 1, end: 7 },
      { start: 11, end: 12 },
    ]);
    expect(segmentMovements(v, { minGap: 3, minLength: 2 })).toEqual([{ start: 1, end: 7 }]);
    expect(segmentMovements(v, { minLength: 2 })).toEqual([{ start: 1, end: 4 }]);
    expect(segmentMovements(v, { minGap: 5 })).toEqual([{ start: 1, end: 12 }]);
    expect(segmentMovements(v, { fraction: 0.6 })).toEqual([
      { start: 2, end: 3 },
      { start: 6, end: 7 },
    ]);
  });

  it('finds the two bumps of a two-bump speed profile', () => {
    const fs = 100;
    const v = Array.from({ length: 400 }, (_, i) => {
      const t = i / fs;
      return 40 * Math.exp(-(((t - 1) / 0.3) ** 2)) + 30 * Math.exp(-(((t - 3) / 0.3) ** 2));
    });
    const segs = segmentMovements(v, { fraction: 0.1, minGap: 10, minLength: 20 });
    expect(segs).toHaveLength(2);
    // 40·exp(−((t−1)/0.3)²) > 4 ⇔ |t − 1| < 0.3·√ln 10 ≈ 0.455 s.
    expect(segs[0]).toEqual({ start: 55, end: 146 });
    expect(segs[1]!.start).toBeGreaterThan(250);
    expect(segs[1]!.end).toBeLessThan(350);
  });

  it('returns nothing for a still series, and validates options', () => {
    expect(segmentMovements([0, 0, 0])).toEqual([]);
    expect(segmentMovements([])).toEqual([]);
    expect(() => segmentMovements([1, 2], { fraction: 1 })).toThrow(/fraction/);
    expect(() => segmentMovements([1, 2], { minGap: 1.5 })).toThrow(/minGap/);
    expect(() => segmentMovements([1, Number.NaN])).toThrow(/speed\[1\]/);
  });
});

describe('models (synthetic coefficients only)', () => {
  it('points model: a weighted sum, then the number of thresholds at or below it', () => {
    expect(pointsModel([1, 2, 3], [1, 0, 1], [2, 4, 6])).toEqual({ total: 4, category: 2 });
    expect(pointsModel([1, 2, 3], [0, 0, 0], [2, 4, 6])).toEqual({ total: 0, category: 0 });
    expect(pointsModel([1, 2, 3], [1, 1, 1], [2, 4, 6])).toEqual({ total: 6, category: 3 });
    expect(pointsModel([], [], [])).toEqual({ total: 0, category: 0 });
    expect(() => pointsModel([1], [1, 2], [])).toThrow(/same length/);
    expect(() => pointsModel([1], [1], [3, 2])).toThrow(/ascending/);
  });

  it('logistic model: lp = 0 gives 0.5, log 3 gives 0.75, extremes stay finite', () => {
    expect(logisticModel(0, [], []).probability).toBe(0.5);
    expect(logisticModel(1, [2, -1], [0.5, 2]).probability).toBe(0.5);
    expect(logisticModel(Math.log(3), [], []).probability).toBeCloseTo(0.75, 15);
    expect(logisticModel(0.5, [1.5, -2], [2, 0.25])).toEqual({
      linearPredictor: 3,
      probability: 1 / (1 + Math.exp(-3)),
    });
    expect(logistic(1000)).toBe(1);
    expect(logistic(-1000)).toBe(0);
    expect(logistic(-745.2)).toBe(0);
    for (const lp of [-30, -5, -0.1, 0.1, 5, 30]) {
      expect(logistic(lp) + logistic(-lp)).toBeCloseTo(1, 15);
    }
    expect(logistic(-40)).toBeCloseTo(Math.exp(-40), 30);
    expect(() => logisticModel(Number.NaN, [], [])).toThrow(/intercept/);
  });
});

describe('portableExp', () => {
  it('agrees with Math.exp to a few ulp across the range', () => {
    expect(portableExp(0)).toBe(1);
    expect(portableExp(1)).toBeCloseTo(Math.E, 15);
    expect(portableExp(-800)).toBe(0);
    expect(portableExp(800)).toBe(Infinity);
    const rand = prng(3);
    for (let i = 0; i < 2000; i++) {
      const x = -700 + rand() * 1400;
      expect(Math.abs(portableExp(x) / Math.exp(x) - 1)).toBeLessThan(1e-15);
    }
    expect(Math.abs(portableExp(-740) / Math.exp(-740) - 1)).toBeLessThan(1e-3); // subnormal
  });
});

describe('fitPainTrajectory', () => {
  it('the τ grid: 200 log-spaced values from 1 to 365', () => {
    expect(TAU_GRID).toHaveLength(TAU_COUNT);
    expect(TAU_GRID[0]).toBe(1);
    expect(TAU_GRID[199]).toBe(365);
    const step = Math.log(365) / 199;
    for (let j = 1; j < 200; j++) {
      expect(Math.log(TAU_GRID[j]! / TAU_GRID[j - 1]!)).toBeCloseTo(step, 12);
    }
  });

  it('recovers c = 2, a = 5, τ = 14 from noiseless samples, to grid resolution', () => {
    const t = Array.from({ length: 46 }, (_, i) => 100 + 2 * i);
    const y = t.map((ti) => 2 + 5 * Math.exp(-(ti - 100) / 14));
    const fit = fitPainTrajectory(t, y);
    const step = Math.log(365) / 199;
    expect(fit.model).toBe('exponential');
    expect(Math.abs(Math.log(fit.tau / 14))).toBeLessThanOrEqual(step / 2);
    expect(fit.c).toBeCloseTo(2, 2);
    expect(fit.a).toBeCloseTo(5, 2);
    expect(fit.rmse).toBeLessThan(1e-3);
  });

  it('breaks exact ties towards the smaller τ', () => {
    // A constant series fits every τ exactly (a = 0, RSS = 0).
    expect(fitPainTrajectory([0, 1, 2, 3], [2, 2, 2, 2])).toEqual({
      model: 'exponential',
      c: 2,
      a: 0,
      tau: 1,
      rmse: 0,
    });
  });

  it('falls back to a straight line with fewer than three distinct times', () => {
    expect(fitPainTrajectory([10, 14], [8, 6])).toEqual({
      model: 'linear',
      c: 8,
      a: -0.5,
      tau: Infinity,
      rmse: 0,
    });
    const fit = fitPainTrajectory([0, 0, 4], [7, 5, 2]);
    expect(fit.model).toBe('linear');
    expect(fit.tau).toBe(Infinity);
    expect(fit.c).toBeCloseTo(6, 12);
    expect(fit.a).toBeCloseTo(-1, 12);
    expect(fit.rmse).toBeCloseTo(Math.sqrt(2 / 3), 12);
  });

  it('falls back when every τ is singular (times far closer together than one day)', () => {
    const fit = fitPainTrajectory([0, 1e-9, 2e-9, 3e-9], [1, 2, 3, 4]);
    expect(fit.model).toBe('linear');
    expect(fit.a).toBeCloseTo(1e9, 0);
  });

  it('rejects bad input', () => {
    expect(() => fitPainTrajectory([0, 1], [1])).toThrow(/same length/);
    expect(() => fitPainTrajectory([2, 1], [1, 1])).toThrow(/ascending/);
    expect(() => fitPainTrajectory([1, 1], [1, 1])).toThrow(/two distinct/);
    expect(() => fitPainTrajectory([0, Infinity], [1, 1])).toThrow(/finite/);
  });
});
