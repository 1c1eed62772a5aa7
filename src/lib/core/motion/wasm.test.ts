import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { instantiateKernels, type MotionKernels } from './wasm';
import { dimensionlessJerk, ldlj, sparc } from './smoothness';
import { axisAngle, fromDeviceOrientation, multiply, type Quat } from './quaternion';
import { anglesSeries, angularSpeed } from './kinematics';
import { segmentMovements, type SegmentOptions } from './segmentation';
import { logisticModel, pointsModel } from './models';
import { fitPainTrajectory, portableExp } from './trajectory';
import { analyseRecording, referenceKernels } from './pipeline';
import { syntheticRecording } from './synthetic';
import { prng } from '../prng';

const bytes = readFileSync(fileURLToPath(new URL('./generated/kernels.wasm', import.meta.url)));

/** |a − b| ≤ 1e-9, relative to the magnitude once that exceeds 1. */
function near(actual: number, expected: number, what = ''): void {
  const tol = 1e-9 * Math.max(1, Math.abs(actual), Math.abs(expected));
  if (!(Math.abs(actual - expected) <= tol) && !Object.is(actual, expected)) {
    expect.fail(`${what}: WASM ${actual} vs TS ${expected}`);
  }
}

function nearAll(actual: ArrayLike<number>, expected: ArrayLike<number>, what = ''): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) near(actual[i]!, expected[i]!, `${what}[${i}]`);
}

let k: MotionKernels;
beforeAll(async () => {
  k = await instantiateKernels(bytes);
});

const rand = prng(7);
const uniform = (lo: number, hi: number) => lo + (hi - lo) * rand();
const int = (lo: number, hi: number) => Math.floor(uniform(lo, hi + 1));
const randomQuat = (scale = 1): Quat => [
  uniform(-scale, scale),
  uniform(-scale, scale),
  uniform(-scale, scale),
  uniform(-scale, scale),
];

/** A random recording: either independent random orientations, or a random smooth path. */
function randomRecording(n: number, smooth: boolean): Float64Array {
  const out = new Float64Array(4 * n);
  const scale = [1, 1e-3, 1e3][int(0, 2)]!;
  let q = randomQuat(scale);
  const rate: Quat = randomQuat(3);
  for (let i = 0; i < n; i++) {
    if (smooth) {
      const step = multiply(
        multiply(axisAngle('x', rate[0] + uniform(-1, 1)), axisAngle('y', rate[1])),
        axisAngle('z', rate[2]),
      );
      q = multiply(q, step);
    } else {
      q = randomQuat(scale);
    }
    out.set(q, 4 * i);
  }
  return out;
}

describe('WASM kernels equal the TypeScript reference to 1e-9', () => {
  it('smoothness on the research test vectors and on random speed profiles', () => {
    const gaussian = Array.from({ length: 200 }, (_, i) => Math.exp(-5 * (-1 + i * 0.01) ** 2));
    const profiles: Array<{ v: number[]; fs: number }> = [{ v: gaussian, fs: 100 }];
    const r = prng(7);
    for (let p = 0; p < 50; p++) {
      const n = 3 + Math.floor(r() * 600);
      const fs = [30, 50, 60, 100][p % 4]!;
      let x = r();
      profiles.push({ v: Array.from({ length: n }, () => (x = Math.abs(x + r() - 0.5))), fs });
    }
    for (const { v, fs } of profiles) {
      expect(Math.abs(k.sparc(v, fs) - sparc(v, fs))).toBeLessThan(1e-9);
      expect(Math.abs(k.ldlj(v, fs) - ldlj(v, fs))).toBeLessThan(1e-9);
      const dj = dimensionlessJerk(v, fs);
      expect(Math.abs(k.dimensionlessJerk(v, fs) - dj) / Math.abs(dj)).toBeLessThan(1e-9);
    }
  });

  it('anglesSeries: the research vector and 60 random recordings', () => {
    const q0 = fromDeviceOrientation(30, 45, 60);
    const move = multiply(multiply(axisAngle('x', 30), axisAngle('y', 10)), axisAngle('z', 20));
    const fixed = Float64Array.from([...multiply(q0, move), ...q0, ...axisAngle('x', 40)]);
    const a = k.anglesSeries(fixed, q0);
    nearAll(a.flexion.subarray(0, 2), [30, 0], 'flexion');
    nearAll(a.lateral.subarray(0, 2), [10, 0], 'lateral');
    nearAll(a.rotation.subarray(0, 2), [20, 0], 'rotation');
    const cases: Array<{ quats: Float64Array; neutral: Quat }> = [{ quats: fixed, neutral: q0 }];
    for (let c = 0; c < 60; c++) {
      cases.push({ quats: randomRecording(int(1, 300), c % 2 === 0), neutral: randomQuat() });
    }
    cases.push({ quats: new Float64Array(0), neutral: q0 });
    for (const { quats, neutral } of cases) {
      const w = k.anglesSeries(quats, neutral);
      const t = anglesSeries(quats, neutral);
      nearAll(w.flexion, t.flexion, 'flexion');
      nearAll(w.lateral, t.lateral, 'lateral');
      nearAll(w.rotation, t.rotation, 'rotation');
    }
  });

  it('angularSpeed: a constant 30°/s rotation and 60 random recordings', () => {
    const q0 = fromDeviceOrientation(30, 45, 60);
    const steady = Float64Array.from(
      Array.from({ length: 61 }, (_, i) => [...multiply(q0, axisAngle('x', i / 2))]).flat(),
    );
    const v = k.angularSpeed(steady, 60);
    nearAll(v, new Array<number>(60).fill(30), 'steady');
    nearAll(v, angularSpeed(steady, 60), 'steady');
    for (let c = 0; c < 60; c++) {
      const quats = randomRecording(int(2, 300), c % 3 !== 0);
      const fs = [30, 60, 100, uniform(0.5, 500)][c % 4]!;
      nearAll(k.angularSpeed(quats, fs), angularSpeed(quats, fs), `case ${c}`);
    }
  });

  it('segmentMovements: hand-checked series and 60 random speed series', () => {
    const cases: Array<{ v: number[]; opts: SegmentOptions }> = [
      { v: [0, 5, 10, 5, 0, 0, 8, 0, 0, 0, 1, 2], opts: {} },
      { v: [0, 5, 10, 5, 0, 0, 8, 0, 0, 0, 1, 2], opts: { minGap: 3, minLength: 2 } },
      { v: [0, 0, 0], opts: {} },
      { v: [], opts: {} },
      { v: [3], opts: { fraction: 0 } },
    ];
    for (let c = 0; c < 60; c++) {
      let x = uniform(0, 10);
      const v = Array.from({ length: int(0, 500) }, () =>
        rand() < 0.1 ? 0 : (x = Math.abs(x + uniform(-3, 3))),
      );
      cases.push({
        v,
        opts: { fraction: uniform(0, 0.9), minGap: int(0, 10), minLength: int(0, 20) },
      });
    }
    for (const { v, opts } of cases) {
      expect(k.segmentMovements(v, opts)).toEqual(segmentMovements(v, opts));
    }
  });

  it('pointsModel: 60 random synthetic models, including totals on a threshold', () => {
    for (let c = 0; c < 60; c++) {
      const n = int(0, 20);
      const integer = c % 2 === 0;
      const draw = () => (integer ? int(-3, 5) : uniform(-5, 5));
      const points = Array.from({ length: n }, draw);
      const x = Array.from({ length: n }, () => (integer ? int(0, 1) : uniform(0, 3)));
      const thresholds = Array.from({ length: int(0, 6) }, draw).sort((p, q) => p - q);
      const w = k.pointsModel(points, x, thresholds);
      const t = pointsModel(points, x, thresholds);
      near(w.total, t.total, 'total');
      expect(w.category).toBe(t.category);
    }
  });

  it('logisticModel: lp = 0 and 60 random synthetic models, large |lp| included', () => {
    expect(k.logisticModel(0, [], [])).toEqual({ linearPredictor: 0, probability: 0.5 });
    for (let c = 0; c < 60; c++) {
      const n = int(0, 8);
      const scale = [0.5, 5, 200][c % 3]!;
      const beta = Array.from({ length: n }, () => uniform(-scale, scale));
      const x = Array.from({ length: n }, () => uniform(-3, 3));
      const intercept = uniform(-scale, scale);
      const w = k.logisticModel(intercept, beta, x);
      const t = logisticModel(intercept, beta, x);
      near(w.linearPredictor, t.linearPredictor, 'lp');
      near(w.probability, t.probability, 'p');
      expect(w.probability).toBeGreaterThanOrEqual(0);
      expect(w.probability).toBeLessThanOrEqual(1);
    }
  });

  it('fitPainTrajectory: fixed vectors and 60 random series, the same τ exactly', () => {
    const days = Array.from({ length: 46 }, (_, i) => 2 * i);
    const cases: Array<{ t: number[]; y: number[] }> = [
      { t: days, y: days.map((d) => 2 + 5 * Math.exp(-d / 14)) },
      { t: [0, 1, 2, 3], y: [2, 2, 2, 2] },
      { t: [10, 14], y: [8, 6] },
      { t: [0, 0, 4], y: [7, 5, 2] },
      { t: [0, 1e-9, 2e-9, 3e-9], y: [1, 2, 3, 4] },
    ];
    for (let c = 0; c < 60; c++) {
      const n = int(2, 60);
      let day = uniform(0, 20000);
      const t = Array.from({ length: n }, () => (day += rand() < 0.15 ? 0 : uniform(0.1, 20)));
      if (t[n - 1] === t[0]) t[n - 1] = t[0]! + 1;
      const [c0, a0, tau0] = [uniform(0, 6), uniform(-4, 8), uniform(1, 200)];
      const noise = c % 3 === 0 ? 0 : uniform(0, 2);
      const y = t.map((ti) => {
        const v = c0 + a0 * Math.exp(-(ti - t[0]!) / tau0) + uniform(-noise, noise);
        return c % 5 === 0 ? int(0, 10) : Math.min(10, Math.max(0, v));
      });
      cases.push({ t, y });
    }
    let exponential = 0;
    for (const { t, y } of cases) {
      const w = k.fitPainTrajectory(t, y);
      const r = fitPainTrajectory(t, y);
      expect(w.model).toBe(r.model);
      expect(w.tau).toBe(r.tau);
      near(w.c, r.c, 'c');
      near(w.a, r.a, 'a');
      near(w.rmse, r.rmse, 'rmse');
      if (r.model === 'exponential') exponential++;
    }
    expect(exponential).toBeGreaterThan(40);
  });

  it('portableExp is bit-identical in WASM and TypeScript', async () => {
    const { instance } = await WebAssembly.instantiate(bytes, {
      env: { abort: () => undefined, seed: () => 0 },
    });
    const wasmExp = (instance.exports as unknown as { portableExp(x: number): number }).portableExp;
    const xs = [0, 1, -1, 709.7, -745, -744.9, -708.5, 1e-300, -1e-300, 800, -800];
    for (let i = 0; i < 2000; i++) xs.push(uniform(-750, 710), -uniform(0, 400));
    for (const x of xs) expect(Object.is(wasmExp(x), portableExp(x))).toBe(true);
  });

  it('the whole pipeline on a synthetic 60 s × 60 Hz recording', () => {
    const { quats, neutral, fs } = syntheticRecording(60, 60, 1);
    const opts = { minGap: 15, minLength: 18 };
    const w = analyseRecording(k, quats, neutral, fs, opts);
    const t = analyseRecording(referenceKernels, quats, neutral, fs, opts);
    nearAll(w.angles.flexion, t.angles.flexion, 'flexion');
    nearAll(w.speed, t.speed, 'speed');
    expect(w.segments).toEqual(t.segments);
    expect(t.segments).toHaveLength(12);
    nearAll(w.sparc, t.sparc, 'sparc');
  });

  it('the one-call pipeline equals the reference on recordings of several lengths and seeds', () => {
    for (const [seconds, seed] of [
      [5, 2],
      [20, 3],
      [60, 4],
      [90, 5],
    ] as const) {
      const { quats, neutral, fs } = syntheticRecording(seconds, 60, seed);
      for (const opts of [{}, { minGap: 15, minLength: 18 }, { fraction: 0.3, minLength: 1 }]) {
        const w = k.analyseRecording(quats, neutral, fs, opts);
        const t = analyseRecording(referenceKernels, quats, neutral, fs, opts);
        nearAll(w.angles.flexion, t.angles.flexion, 'flexion');
        nearAll(w.angles.lateral, t.angles.lateral, 'lateral');
        nearAll(w.angles.rotation, t.angles.rotation, 'rotation');
        nearAll(w.speed, t.speed, 'speed');
        expect(w.segments).toEqual(t.segments);
        nearAll(w.sparc, t.sparc, 'sparc');
      }
    }
  });

  it('the one-call pipeline refuses bad input with the reference pipeline’s RangeErrors', () => {
    const { quats, neutral, fs } = syntheticRecording(2, 60, 1);
    const cases: Array<[ArrayLike<number>, Quat, number, object]> = [
      [quats, [0, 0, 0, 0], fs, {}],
      [[0, 0, 0, 1], neutral, fs, {}],
      [[0, 0, 0, 1, 0], neutral, fs, {}],
      [quats, neutral, 0, {}],
      [quats, neutral, fs, { fraction: 2 }],
      [[0, 0, Number.NaN, 1, 0, 0, 0, 1], neutral, fs, {}],
    ];
    for (const [q, n, rate, opts] of cases) {
      const message = (f: () => unknown) => {
        try {
          f();
          return 'no error';
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        }
      };
      const ours = message(() => k.analyseRecording(q, n, rate, opts));
      expect(ours).toMatch(/^RangeError/);
      expect(ours).toBe(message(() => analyseRecording(referenceKernels, q, n, rate, opts)));
    }
  });

  it('the wrappers validate their inputs with the same RangeErrors', () => {
    const bad: Array<[string, () => unknown, () => unknown]> = [
      [
        'length',
        () => k.anglesSeries([0, 0, 0, 1, 0], [0, 0, 0, 1]),
        () => anglesSeries([0, 0, 0, 1, 0], [0, 0, 0, 1]),
      ],
      [
        'finite',
        () => k.angularSpeed([0, 0, 0, 1, 0, Number.NaN, 0, 1], 60),
        () => angularSpeed([0, 0, 0, 1, 0, Number.NaN, 0, 1], 60),
      ],
      [
        'rate',
        () => k.angularSpeed([0, 0, 0, 1, 0, 0, 0, 1], -1),
        () => angularSpeed([0, 0, 0, 1, 0, 0, 0, 1], -1),
      ],
      [
        'zero',
        () => k.anglesSeries([0, 0, 0, 0], [0, 0, 0, 1]),
        () => anglesSeries([0, 0, 0, 0], [0, 0, 0, 1]),
      ],
      [
        'fraction',
        () => k.segmentMovements([1], { fraction: 2 }),
        () => segmentMovements([1], { fraction: 2 }),
      ],
      ['points', () => k.pointsModel([1], [], []), () => pointsModel([1], [], [])],
      ['thresholds', () => k.pointsModel([], [], [2, 1]), () => pointsModel([], [], [2, 1])],
      [
        'logistic',
        () => k.logisticModel(0, [1], [Infinity]),
        () => logisticModel(0, [1], [Infinity]),
      ],
      ['fit', () => k.fitPainTrajectory([1, 1], [2, 3]), () => fitPainTrajectory([1, 1], [2, 3])],
    ];
    for (const [what, wasm, ts] of bad) {
      let message = '';
      try {
        ts();
      } catch (e) {
        expect(e, what).toBeInstanceOf(RangeError);
        message = (e as Error).message;
      }
      expect(message, what).not.toBe('');
      expect(wasm, what).toThrow(new RangeError(message));
    }
  });
});
