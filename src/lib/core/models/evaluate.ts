import { ORE_ITEMS, ORE_CUTOFF } from '../scores/orebro';
import type { PointsCard } from './cards';

/**
 * Evaluates a points model card on an instrument's answers (SPEC MOD-2), and the "what if" of
 * changing modifiable items (MOD-3). The weighted sums of a whole what-if grid go through one
 * `PointsEngine` call: the WASM kernel in the app when it loads, the TypeScript reference
 * otherwise. The engine names itself, so the page's label comes from the object that did the work.
 */

/**
 * Weighted sums of `rows` answer vectors (row-major in `x`, `n` each) against `k` weight vectors
 * (row-major in `w`): out[r·k + j] = Σ_i x[r·n + i]·w[j·n + i], in index order.
 */
export type PointsGrid = (
  x: ArrayLike<number>,
  n: number,
  w: ArrayLike<number>,
  k: number,
) => Float64Array;

/** Checks a grid call's shape and values (the same checks, and errors, for every engine). */
export function checkGrid(
  x: ArrayLike<number>,
  n: number,
  w: ArrayLike<number>,
  k: number,
): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`The item count must be ≥ 1, not ${n}.`);
  if (!Number.isInteger(k) || k < 1)
    throw new RangeError(`The weight count must be ≥ 1, not ${k}.`);
  if (x.length % n !== 0) throw new RangeError(`x has ${x.length} values, not rows of ${n}.`);
  if (w.length !== n * k) throw new RangeError(`w has ${w.length} values, not ${k} × ${n}.`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new RangeError(`x[${i}] is not a finite number.`);
  }
  for (let i = 0; i < w.length; i++) {
    if (!Number.isFinite(w[i])) throw new RangeError(`w[${i}] is not a finite number.`);
  }
  return x.length / n;
}

/** The TypeScript reference of the kernel's `pointsGrid`. */
export const pointsGrid: PointsGrid = (x, n, w, k) => {
  const rows = checkGrid(x, n, w, k);
  const out = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += x[r * n + i]! * w[j * n + i]!;
      out[r * k + j] = s;
    }
  }
  return out;
};

/** What evaluates the points models: one grid call per what-if, and its own evaluation count. */
export interface PointsEngine {
  readonly engine: 'wasm' | 'js';
  readonly grid: PointsGrid;
  /** How many model evaluations (grid rows) this engine has run; the kernel counts its own. */
  evaluations(): number;
}

/** A fresh TypeScript engine (its counter starts at 0). */
export function referenceEngine(): PointsEngine {
  let count = 0;
  return {
    engine: 'js',
    grid(x, n, w, k) {
      const out = pointsGrid(x, n, w, k);
      count += out.length / k;
      return out;
    },
    evaluations: () => count,
  };
}

export interface Evaluation {
  readonly score: number;
  /** `low` | `medium` | `high` for STarT Back; `lower` | `raised` for the ÖMPSQ-10. */
  readonly group: string;
  readonly subscale?: number;
}

/** Per-item points from the answers, as the published scoring counts them. */
export function itemPoints(card: PointsCard, answers: ReadonlyArray<number>): number[] {
  if (answers.length !== card.items.length) throw new RangeError(`${card.name}: wrong item count.`);
  if (card.instrument === 'startback') {
    // Items 1–8 agree = 1; item 9 scores only "very much" (3) or "extremely" (4).
    return answers.map((a, i) => (i < 8 ? (a === 1 ? 1 : 0) : a >= 3 ? 1 : 0));
  }
  if (card.instrument === 'orebro') {
    return answers.map((a, i) => (ORE_ITEMS[i]!.reversed ? 10 - a : a));
  }
  throw new RangeError(`${card.name} is not a points model Backpack evaluates.`);
}

const SBT_SUBSCALE = [0, 0, 0, 0, 1, 1, 1, 1, 1];

/** [MOD-2] Every answer set in one grid call: the total, and for STarT Back the subscale. */
export function evaluateAll(
  card: PointsCard,
  answerSets: ReadonlyArray<ReadonlyArray<number>>,
  engine: PointsEngine = referenceEngine(),
): Evaluation[] {
  if (answerSets.length === 0) return [];
  const n = card.items.length;
  const x = answerSets.flatMap((answers) => itemPoints(card, answers));
  const sbt = card.instrument === 'startback';
  const w = sbt ? [...new Array<number>(n).fill(1), ...SBT_SUBSCALE] : new Array<number>(n).fill(1);
  const k = sbt ? 2 : 1;
  const out = engine.grid(x, n, w, k);
  return answerSets.map((_, r) => {
    const score = out[r * k]!;
    if (sbt) {
      const subscale = out[r * k + 1]!;
      const group = subscale >= 4 ? 'high' : score >= 4 ? 'medium' : 'low';
      return { score, group, subscale };
    }
    return { score, group: score >= ORE_CUTOFF ? 'raised' : 'lower' };
  });
}

export function evaluate(
  card: PointsCard,
  answers: ReadonlyArray<number>,
  engine: PointsEngine = referenceEngine(),
): Evaluation {
  return evaluateAll(card, [answers], engine)[0]!;
}

/** [MOD-3] The same model with some modifiable items answered differently (one grid call). */
export function whatIf(
  card: PointsCard,
  answers: ReadonlyArray<number>,
  changes: ReadonlyMap<number, number>,
  engine: PointsEngine = referenceEngine(),
): { before: Evaluation; after: Evaluation } {
  const changed = answers.slice();
  for (const [item, value] of changes) {
    const def = card.items.find((i) => i.item === item);
    if (!def?.modifiable) throw new RangeError(`Item ${item + 1} is not modifiable.`);
    changed[item] = value;
  }
  const [before, after] = evaluateAll(card, [answers, changed], engine);
  return { before: before!, after: after! };
}
