import { ORE_ITEMS, ORE_CUTOFF } from '../scores/orebro';
import type { PointsCard } from './cards';

/**
 * Evaluates a points model card on an instrument's answers (SPEC MOD-2), and the "what if" of
 * changing modifiable items (MOD-3). The weighted sum is passed in, so the app can run it in the
 * WASM kernel and tests can check it against the reference dot product.
 */

export type WeightedSum = (x: ArrayLike<number>, weights: ArrayLike<number>) => number;

export const dot: WeightedSum = (x, w) => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * w[i]!;
  return s;
};

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

const ONES = (n: number) => new Array<number>(n).fill(1);
const SBT_SUBSCALE = [0, 0, 0, 0, 1, 1, 1, 1, 1];

export function evaluate(
  card: PointsCard,
  answers: ReadonlyArray<number>,
  sum: WeightedSum = dot,
): Evaluation {
  const x = itemPoints(card, answers);
  const score = sum(x, ONES(x.length));
  if (card.instrument === 'startback') {
    const subscale = sum(x, SBT_SUBSCALE);
    const group = subscale >= 4 ? 'high' : score >= 4 ? 'medium' : 'low';
    return { score, group, subscale };
  }
  return { score, group: score >= ORE_CUTOFF ? 'raised' : 'lower' };
}

/** [MOD-3] The same model with some modifiable items answered differently. */
export function whatIf(
  card: PointsCard,
  answers: ReadonlyArray<number>,
  changes: ReadonlyMap<number, number>,
  sum: WeightedSum = dot,
): { before: Evaluation; after: Evaluation } {
  const changed = answers.slice();
  for (const [item, value] of changes) {
    const def = card.items.find((i) => i.item === item);
    if (!def?.modifiable) throw new RangeError(`Item ${item + 1} is not modifiable.`);
    changed[item] = value;
  }
  return { before: evaluate(card, answers, sum), after: evaluate(card, changed, sum) };
}
