/**
 * Movement smoothness of one segmented movement's speed profile (for the neck: angular speed).
 * SPARC after Balasubramanian et al. 2015; LDLJ as the log dimensionless jerk. Reference
 * implementations in plain TypeScript; the WASM kernels must agree with these to 1e-9.
 */

/** In-place iterative radix-2 FFT of length 2^k. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (n !== im.length || (n & (n - 1)) !== 0) throw new RangeError('FFT length must be 2^k.');
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = (-2 * Math.PI) / len;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const tr = re[b]! * cr - im[b]! * ci;
        const ti = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
}

export interface SparcOptions {
  readonly padLevel?: number;
  readonly fc?: number;
  readonly threshold?: number;
}

/** Spectral arc length of a speed profile sampled at `fs` Hz (padding 4, fc 10 Hz, threshold 0.05). */
export function sparc(speed: ArrayLike<number>, fs: number, opts: SparcOptions = {}): number {
  const { padLevel = 4, fc = 10, threshold = 0.05 } = opts;
  const n = speed.length;
  if (n < 2 || !(fs > 0)) throw new RangeError('SPARC needs at least two samples and fs > 0.');
  const nfft = 2 ** (Math.ceil(Math.log2(n)) + padLevel);
  const re = new Float64Array(nfft);
  const im = new Float64Array(nfft);
  for (let i = 0; i < n; i++) re[i] = speed[i]!;
  fft(re, im);
  const kMax = Math.floor((fc * nfft) / fs + 1e-9);
  const mag = new Float64Array(kMax + 1);
  let peak = 0;
  for (let k = 0; k < nfft; k++) {
    const m = Math.hypot(re[k]!, im[k]!);
    if (k <= kMax) mag[k] = m;
    if (m > peak) peak = m;
  }
  if (peak === 0) return 0;
  let first = -1;
  let last = -1;
  for (let k = 0; k <= kMax; k++) {
    if (mag[k]! / peak >= threshold) {
      if (first < 0) first = k;
      last = k;
    }
  }
  if (first < 0 || last === first) return 0;
  const df = fs / nfft;
  const span = (last - first) * df;
  let arc = 0;
  for (let k = first + 1; k <= last; k++) {
    const dF = df / span;
    const dM = (mag[k]! - mag[k - 1]!) / peak;
    arc += Math.sqrt(dF * dF + dM * dM);
  }
  return -arc;
}

/** Dimensionless jerk of a speed profile: −(T³ / v_peak²) · Σ (Δ²v / dt²)² · dt, T = N·dt. */
export function dimensionlessJerk(speed: ArrayLike<number>, fs: number): number {
  const n = speed.length;
  if (n < 3 || !(fs > 0)) throw new RangeError('Jerk needs at least three samples and fs > 0.');
  const dt = 1 / fs;
  let peak = 0;
  for (let i = 0; i < n; i++) peak = Math.max(peak, Math.abs(speed[i]!));
  if (peak === 0) throw new RangeError('A speed profile of zeros has no jerk.');
  let sum = 0;
  for (let i = 1; i < n - 1; i++) {
    const j = (speed[i + 1]! - 2 * speed[i]! + speed[i - 1]!) / (dt * dt);
    sum += j * j;
  }
  const T = n * dt;
  return -((T * T * T) / (peak * peak)) * sum * dt;
}

/** LDLJ = −ln|DJ|. */
export function ldlj(speed: ArrayLike<number>, fs: number): number {
  return -Math.log(Math.abs(dimensionlessJerk(speed, fs)));
}
