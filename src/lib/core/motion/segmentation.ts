/**
 * Splitting a speed series into movements, the reference for the WASM kernel
 * `segmentMovements`.
 */
import { checkCount, checkFinite } from './validate';

/** A movement as sample indices: `start` inclusive, `end` exclusive. */
export interface Segment {
  readonly start: number;
  readonly end: number;
}

export interface SegmentOptions {
  /** A sample moves when its speed is strictly above `fraction` × the peak speed. Default 0.1. */
  readonly fraction?: number;
  /** Movements separated by fewer than `minGap` still samples are joined. Default 0 (never). */
  readonly minGap?: number;
  /** Movements of fewer than `minLength` samples (after joining) are dropped. Default 0. */
  readonly minLength?: number;
}

export function checkSegmentOptions(opts: SegmentOptions): Required<SegmentOptions> {
  const { fraction = 0.1, minGap = 0, minLength = 0 } = opts;
  if (!Number.isFinite(fraction) || fraction < 0 || fraction >= 1) {
    throw new RangeError(`fraction must be in [0, 1), not ${String(fraction)}.`);
  }
  checkCount('minGap', minGap);
  checkCount('minLength', minLength);
  return { fraction, minGap, minLength };
}

/**
 * Movements in a speed series, by this rule:
 * 1. peak = the largest value of the series. If peak ≤ 0 there are no movements.
 * 2. Sample i is moving when speed[i] > fraction · peak (strictly). Each maximal run of moving
 *    samples is a candidate [start, end).
 * 3. Left to right, a candidate is joined to the previous one when the gap between them
 *    (next.start − previous.end, the number of still samples) is < minGap.
 * 4. Joined movements shorter than minLength samples (end − start < minLength) are dropped.
 * Returned in order; indices refer to the speed series (for a series from `angularSpeed`, sample
 * i is the motion between quaternions i and i + 1).
 */
export function segmentMovements(speed: ArrayLike<number>, opts: SegmentOptions = {}): Segment[] {
  const { fraction, minGap, minLength } = checkSegmentOptions(opts);
  checkFinite('speed', speed);
  const n = speed.length;
  let peak = -Infinity;
  for (let i = 0; i < n; i++) if (speed[i]! > peak) peak = speed[i]!;
  const out: Segment[] = [];
  if (!(peak > 0)) return out;
  const level = fraction * peak;
  let curStart = -1;
  let curEnd = -1;
  let i = 0;
  while (i < n) {
    if (!(speed[i]! > level)) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && speed[i]! > level) i++;
    if (curStart >= 0 && start - curEnd < minGap) {
      curEnd = i;
    } else {
      if (curStart >= 0 && curEnd - curStart >= minLength)
        out.push({ start: curStart, end: curEnd });
      curStart = start;
      curEnd = i;
    }
  }
  if (curStart >= 0 && curEnd - curStart >= minLength) out.push({ start: curStart, end: curEnd });
  return out;
}
