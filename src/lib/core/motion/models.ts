/**
 * Evaluation of two kinds of prediction model, the references for the WASM kernels
 * `pointsModel` and `logisticModel`. The coefficients are always supplied by the caller; this
 * module holds none.
 */
import { checkFinite, checkNonDecreasing, checkNumber, checkSameLength } from './validate';

export interface PointsResult {
  /** Σ points_i · x_i, summed in index order. */
  readonly total: number;
  /** The number of thresholds ≤ total: 0 below the first threshold, thresholds.length at or above the last. */
  readonly category: number;
}

/**
 * A points (score-sheet) model: total = Σ points_i · x_i, then the category index from
 * ascending `thresholds` (category = how many thresholds are ≤ total).
 */
export function pointsModel(
  points: ArrayLike<number>,
  x: ArrayLike<number>,
  thresholds: ArrayLike<number>,
): PointsResult {
  checkSameLength('points', points, 'x', x);
  checkFinite('points', points);
  checkFinite('x', x);
  checkFinite('thresholds', thresholds);
  checkNonDecreasing('thresholds', thresholds);
  let total = 0;
  for (let i = 0; i < points.length; i++) total += points[i]! * x[i]!;
  let category = 0;
  for (let j = 0; j < thresholds.length; j++) if (thresholds[j]! <= total) category++;
  return { total, category };
}

/**
 * The logistic function 1 / (1 + e^(−lp)), evaluated without overflow: for lp ≥ 0 as
 * 1 / (1 + e^(−lp)), otherwise as e^(lp) / (1 + e^(lp)). Exact 0 and 1 at the extremes, never NaN
 * for a non-NaN input.
 */
export function logistic(lp: number): number {
  if (lp >= 0) return 1 / (1 + Math.exp(-lp));
  const e = Math.exp(lp);
  return e / (1 + e);
}

export interface LogisticResult {
  /** β0 + Σ β_i · x_i, summed in index order after the intercept. */
  readonly linearPredictor: number;
  /** 1 / (1 + exp(−linearPredictor)). */
  readonly probability: number;
}

/** A logistic model: p = 1 / (1 + exp(−(β0 + Σ β_i · x_i))). */
export function logisticModel(
  intercept: number,
  coefficients: ArrayLike<number>,
  x: ArrayLike<number>,
): LogisticResult {
  checkNumber('intercept', intercept);
  checkSameLength('coefficients', coefficients, 'x', x);
  checkFinite('coefficients', coefficients);
  checkFinite('x', x);
  let lp = intercept;
  for (let i = 0; i < coefficients.length; i++) lp += coefficients[i]! * x[i]!;
  if (Number.isNaN(lp)) throw new RangeError('The linear predictor overflowed (∞ − ∞).');
  return { linearPredictor: lp, probability: logistic(lp) };
}
