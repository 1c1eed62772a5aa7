/**
 * A small seeded pseudo-random generator (mulberry32) for property tests and reproducible
 * benchmarks. Not for anything secret: keys and nonces come from `crypto/random`.
 */
export function prng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}
