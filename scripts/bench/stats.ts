// Percentiles of a bench's samples (ms), as every latency bench prints them.

/** p50 and p95 of `xs` (nearest rank, rounded to `digits`) and the sample count. */
export function stats(xs: readonly number[], digits = 2) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { p50: +q(0.5).toFixed(digits), p95: +q(0.95).toFixed(digits), n: s.length };
}
