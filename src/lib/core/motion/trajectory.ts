/**
 * A personal pain trajectory: y(t) = c + a·exp(−(t − t0)/τ), the reference for the WASM kernel
 * `fitPainTrajectory`.
 *
 * Choosing τ compares residual sums of squares across a grid, and near-ties are decided by the
 * last bits. So that TypeScript and WASM choose the same τ on every input, this file and
 * wasm/assembly/index.ts compute the fit with the same IEEE-754 operations in the same order,
 * with the exponential from `portableExp` below (plain +, −, ×, ÷ and floor, which both engines
 * round identically) rather than each engine's own Math.exp. The two results are bit-identical.
 */
import { checkFinite, checkNonDecreasing, checkSameLength } from './validate';

const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.9082149292705877e-10;
const INV_LN2 = 1.4426950408889634;
const view = new DataView(new ArrayBuffer(8));

/** 2^k for −1022 ≤ k ≤ 1023, exactly, from its bits. */
function pow2(k: number): number {
  view.setUint32(0, ((k + 1023) << 20) >>> 0);
  view.setUint32(4, 0);
  return view.getFloat64(0);
}

/**
 * e^x to within a few ulp, by the same operations as `portableExp` in the WASM kernels:
 * x = k·ln 2 + r with |r| ≤ ln2/2 (Cody–Waite split of ln 2), e^r by its Taylor series to r¹³
 * (truncation < 1e-17), then scaled by 2^k.
 */
export function portableExp(x: number): number {
  if (x !== x) return x;
  if (x > 709.782712893384) return Infinity;
  if (x < -745.1332191019412) return 0;
  const k = Math.floor(x * INV_LN2 + 0.5);
  const r = x - k * LN2_HI - k * LN2_LO;
  let p = 1.6059043836821613e-10;
  p = p * r + 2.08767569878681e-9;
  p = p * r + 2.505210838544172e-8;
  p = p * r + 2.755731922398589e-7;
  p = p * r + 0.0000027557319223985893;
  p = p * r + 0.0000248015873015873;
  p = p * r + 0.0001984126984126984;
  p = p * r + 0.001388888888888889;
  p = p * r + 0.008333333333333333;
  p = p * r + 0.041666666666666664;
  p = p * r + 0.16666666666666666;
  p = p * r + 0.5;
  p = p * r + 1;
  p = p * r + 1;
  if (k < -1022) return p * pow2(k + 1022) * pow2(-1022);
  if (k > 1023) return p * pow2(k - 1) * 2;
  return p * pow2(k);
}

/** The τ grid: 200 log-spaced values from 1 to 365 days, τ_j = exp(j·ln 365 / 199). */
export const TAU_COUNT = 200;
const LN_365 = 5.8998973535824915;

function tauAt(j: number): number {
  return j === TAU_COUNT - 1 ? 365 : portableExp((j * LN_365) / (TAU_COUNT - 1));
}

export const TAU_GRID: readonly number[] = Array.from({ length: TAU_COUNT }, (_, j) => tauAt(j));

/**
 * For a given τ, the system is treated as singular when the exponential column barely varies:
 * Σ(e_i − ē)² ≤ SINGULAR · Σe_i² (the 2×2 normal matrix has determinant n·Σ(e_i − ē)²).
 */
export const SINGULAR = 1e-12;

export interface TrajectoryFit {
  /**
   * 'exponential': y = c + a·exp(−(t − t0)/τ), τ from the grid.
   * 'linear': the fallback y = c + a·(t − t0); `a` is then the slope per day and τ is Infinity.
   */
  readonly model: 'exponential' | 'linear';
  readonly c: number;
  readonly a: number;
  readonly tau: number;
  /** √(RSS / n) of the returned fit. */
  readonly rmse: number;
}

export function checkTrajectory(t: ArrayLike<number>, y: ArrayLike<number>): void {
  checkSameLength('t', t, 'y', y);
  checkFinite('t', t);
  checkFinite('y', y);
  checkNonDecreasing('t', t);
  if (t.length < 2 || !(t[t.length - 1]! > t[0]!)) {
    throw new RangeError('A trajectory needs at least two distinct times.');
  }
}

/**
 * Fits y(t) = c + a·exp(−(t − t0)/τ), t0 = t[0], to times `t` (days, ascending, at least two
 * distinct) and values `y` (typically a 0–10 pain rating).
 *
 * For each τ of TAU_GRID in ascending order, (c, a) is the closed-form ordinary least-squares
 * solution (centred sums: a = Σ(e−ē)(y−ȳ) / Σ(e−ē)², c = ȳ − a·ē with e_i = exp(−(t_i − t0)/τ));
 * τ values whose system is singular (see SINGULAR) are skipped. The τ with the smallest residual
 * sum of squares wins; on an exact tie the smaller τ.
 *
 * Fallback: with fewer than three distinct times (so also with fewer than three points: the
 * three parameters cannot be identified), or when every τ is singular, the result is the
 * least-squares straight line y = c + a·(t − t0) with model 'linear', `a` the slope per day
 * and tau = Infinity.
 */
export function fitPainTrajectory(t: ArrayLike<number>, y: ArrayLike<number>): TrajectoryFit {
  checkTrajectory(t, y);
  const n = t.length;
  const t0 = t[0]!;
  let sumY = 0;
  for (let i = 0; i < n; i++) sumY += y[i]!;
  const yBar = sumY / n;
  let distinct = 1;
  for (let i = 1; i < n; i++) if (t[i] !== t[i - 1]) distinct++;
  if (distinct >= 3) {
    const e = new Float64Array(n);
    let found = false;
    let bestRss = Infinity;
    let bestC = 0;
    let bestA = 0;
    let bestTau = 0;
    for (let j = 0; j < TAU_COUNT; j++) {
      const tau = TAU_GRID[j]!;
      let sumE = 0;
      for (let i = 0; i < n; i++) {
        const v = portableExp(-(t[i]! - t0) / tau);
        e[i] = v;
        sumE += v;
      }
      const eBar = sumE / n;
      let see = 0;
      let sey = 0;
      let se2 = 0;
      for (let i = 0; i < n; i++) {
        const de = e[i]! - eBar;
        see += de * de;
        sey += de * (y[i]! - yBar);
        se2 += e[i]! * e[i]!;
      }
      if (!(see > SINGULAR * se2)) continue;
      const a = sey / see;
      const c = yBar - a * eBar;
      let rss = 0;
      for (let i = 0; i < n; i++) {
        const r = y[i]! - (c + a * e[i]!);
        rss += r * r;
      }
      if (!found || rss < bestRss) {
        found = true;
        bestRss = rss;
        bestC = c;
        bestA = a;
        bestTau = tau;
      }
    }
    if (found) {
      return {
        model: 'exponential',
        c: bestC,
        a: bestA,
        tau: bestTau,
        rmse: Math.sqrt(bestRss / n),
      };
    }
  }
  let sumU = 0;
  for (let i = 0; i < n; i++) sumU += t[i]! - t0;
  const uBar = sumU / n;
  let suu = 0;
  let suy = 0;
  for (let i = 0; i < n; i++) {
    const du = t[i]! - t0 - uBar;
    suu += du * du;
    suy += du * (y[i]! - yBar);
  }
  const b = suu > 0 ? suy / suu : 0;
  const c = yBar - b * uBar;
  let rss = 0;
  for (let i = 0; i < n; i++) {
    const r = y[i]! - (c + b * (t[i]! - t0));
    rss += r * r;
  }
  return { model: 'linear', c, a: b, tau: Infinity, rmse: Math.sqrt(rss / n) };
}
