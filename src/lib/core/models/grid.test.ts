import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { INSTRUMENT } from '../instruments/definitions';
import { instantiateKernels, type MotionKernels } from '../motion/wasm';
import { prng } from '../prng';
import { OREBRO_MODEL, STARTBACK_MODEL } from './cards';
import { evaluateAll, pointsGrid, referenceEngine, whatIf, type PointsEngine } from './evaluate';

const bytes = readFileSync(
  fileURLToPath(new URL('../motion/generated/kernels.wasm', import.meta.url)),
);

let k: MotionKernels;
let wasm: PointsEngine;
beforeAll(async () => {
  k = await instantiateKernels(bytes);
  wasm = { engine: 'wasm', grid: k.pointsGrid, evaluations: k.evaluations };
});

function nearAll(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tol = 1e-9 * Math.max(1, Math.abs(expected[i]!));
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol)) {
      expect.fail(`[${i}]: WASM ${actual[i]} vs TS ${expected[i]}`);
    }
  }
}

describe('the points-model grid kernel (WASM) equals its TypeScript reference', () => {
  it('on fixed vectors', () => {
    const x = [1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const w = [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1];
    expect(Array.from(pointsGrid(x, 9, w, 2))).toEqual([6, 3, 0, 0]);
    expect(Array.from(k.pointsGrid(x, 9, w, 2))).toEqual([6, 3, 0, 0]);
    expect(Array.from(k.pointsGrid([2.5, -1], 2, [4, 3], 1))).toEqual([7]);
  });

  it('on 200 random grids (rows, items and weight vectors of random sizes)', () => {
    const rand = prng(23);
    for (let c = 0; c < 200; c++) {
      const n = 1 + Math.floor(rand() * 12);
      const rows = Math.floor(rand() * 40);
      const kk = 1 + Math.floor(rand() * 3);
      const x = Array.from({ length: rows * n }, () => rand() * 20 - 10);
      const w = Array.from({ length: kk * n }, () => rand() * 4 - 2);
      nearAll(k.pointsGrid(x, n, w, kk), pointsGrid(x, n, w, kk));
    }
  });

  it('the kernel counts its own evaluations, one per grid row', () => {
    const before = k.evaluations();
    k.pointsGrid(new Array<number>(9 * 5).fill(1), 9, new Array<number>(18).fill(1), 2);
    expect(k.evaluations()).toBe(before + 5);
    const js = referenceEngine();
    js.grid([1, 2, 3, 4], 2, [1, 1], 1);
    expect(js.evaluations()).toBe(2);
    expect(k.evaluations()).toBe(before + 5);
  });

  it('both reject a malformed grid with the same RangeError, and the kernel counts nothing', () => {
    const bad: Array<[number[], number, number[], number]> = [
      [[1, 2, 3], 2, [1, 1], 1],
      [[1, 2], 2, [1], 1],
      [[1, NaN], 2, [1, 1], 1],
      [[1, 2], 2, [1, Infinity], 1],
      [[1, 2], 0, [], 1],
      [[1, 2], 2, [1, 1], 0],
      [[1, 2], 1.5, [1, 1], 1],
    ];
    const before = k.evaluations();
    for (const [x, n, w, kk] of bad) {
      let message = '';
      try {
        pointsGrid(x, n, w, kk);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message, JSON.stringify([x, n, w, kk])).not.toBe('');
      expect(() => k.pointsGrid(x, n, w, kk)).toThrow(new RangeError(message));
    }
    expect(k.evaluations()).toBe(before);
  });
});

describe('the prognostic models through the WASM engine', () => {
  it('[MOD-2] 300 random answer sets per model in one call each give the reference groups', () => {
    const rand = prng(31);
    for (const card of [STARTBACK_MODEL, OREBRO_MODEL]) {
      const def = INSTRUMENT[card.instrument];
      const sets = Array.from({ length: 300 }, () =>
        def.items.map((item) => item.options[Math.floor(rand() * item.options.length)]!),
      );
      const before = wasm.evaluations();
      const w = evaluateAll(card, sets, wasm);
      expect(wasm.evaluations()).toBe(before + 300);
      expect(w).toEqual(evaluateAll(card, sets, referenceEngine()));
      sets.forEach((answers, i) => expect(w[i]!.group).toBe(def.score(answers).band));
    }
  });

  it('[MOD-3] a what-if is one kernel call of two evaluations, equal to the reference', () => {
    const high = [1, 1, 1, 1, 1, 1, 1, 1, 3];
    const changes = new Map([
      [4, 0],
      [5, 0],
    ]);
    const before = wasm.evaluations();
    const r = whatIf(STARTBACK_MODEL, high, changes, wasm);
    expect(wasm.evaluations()).toBe(before + 2);
    expect(r).toEqual(whatIf(STARTBACK_MODEL, high, changes, referenceEngine()));
    expect(r.before).toEqual({ score: 9, group: 'high', subscale: 5 });
    expect(r.after).toEqual({ score: 7, group: 'medium', subscale: 3 });
  });
});
