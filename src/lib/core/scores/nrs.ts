/** [NRS-1..3] Numeric pain rating scale, 0–10. */
export const NRS_LOINC = '72514-3';

export function isNrs(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 10;
}

export interface NrsChange {
  readonly baseline: number;
  readonly current: number;
  /** Positive when pain dropped. */
  readonly improvement: number;
  /** Improvement as a fraction of the baseline (null for a baseline of 0). */
  readonly relative: number | null;
  /** [NRS-3] at least 2 points or 30 % of baseline. */
  readonly meaningfulImprovement: boolean;
  readonly meaningfulWorsening: boolean;
}

export function nrsChange(baseline: number, current: number): NrsChange {
  if (!isNrs(baseline) || !isNrs(current)) throw new RangeError('NRS ratings are integers 0–10.');
  const improvement = baseline - current;
  const relative = baseline === 0 ? null : improvement / baseline;
  return {
    baseline,
    current,
    improvement,
    relative,
    meaningfulImprovement: improvement >= 2 || (relative !== null && relative >= 0.3),
    meaningfulWorsening: -improvement >= 2,
  };
}
