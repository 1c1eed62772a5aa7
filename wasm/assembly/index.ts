// Backpack motion kernels in AssemblyScript. The TypeScript reference lives in
// src/lib/core/motion; tests require both to agree to 1e-9 on the same inputs.
//
// Memory protocol: the host writes f64 samples into linear memory at the offset returned by
// `alloc(n)` and calls a kernel with that offset and the count. No GC types cross the boundary.

let heapTop: usize = __heap_base;

/** A bump allocator for one computation; `reset()` frees everything. */
export function alloc(count: i32): usize {
  const ptr = (heapTop + 7) & ~(<usize>7);
  const end = ptr + ((<usize>count) << 3);
  const pages = i32((end + 0xffff) >>> 16) - memory.size();
  if (pages > 0) memory.grow(pages);
  heapTop = end;
  return ptr;
}

export function reset(): void {
  heapTop = __heap_base;
}

function fft(re: usize, im: usize, n: i32): void {
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const a = re + ((<usize>i) << 3);
      const b = re + ((<usize>j) << 3);
      const t = load<f64>(a);
      store<f64>(a, load<f64>(b));
      store<f64>(b, t);
      const c = im + ((<usize>i) << 3);
      const d = im + ((<usize>j) << 3);
      const u = load<f64>(c);
      store<f64>(c, load<f64>(d));
      store<f64>(d, u);
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = (-2.0 * Math.PI) / <f64>len;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    const half = len >> 1;
    for (let i = 0; i < n; i += len) {
      let cr = 1.0;
      let ci = 0.0;
      for (let k = 0; k < half; k++) {
        const a = (<usize>(i + k)) << 3;
        const b = (<usize>(i + k + half)) << 3;
        const br = load<f64>(re + b);
        const bi = load<f64>(im + b);
        const tr = br * cr - bi * ci;
        const ti = br * ci + bi * cr;
        const ar = load<f64>(re + a);
        const ai = load<f64>(im + a);
        store<f64>(re + b, ar - tr);
        store<f64>(im + b, ai - ti);
        store<f64>(re + a, ar + tr);
        store<f64>(im + a, ai + ti);
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
}

/** SPARC of `n` speed samples at `ptr`, sampled at `fs` Hz. */
export function sparc(ptr: usize, n: i32, fs: f64, padLevel: i32, fc: f64, threshold: f64): f64 {
  const nfft = 1 << (<i32>Math.ceil(Math.log2(<f64>n)) + padLevel);
  const re = alloc(nfft);
  const im = alloc(nfft);
  for (let i = 0; i < nfft; i++) {
    store<f64>(re + ((<usize>i) << 3), i < n ? load<f64>(ptr + ((<usize>i) << 3)) : 0.0);
    store<f64>(im + ((<usize>i) << 3), 0.0);
  }
  fft(re, im, nfft);
  const kMax = <i32>Math.floor((fc * <f64>nfft) / fs + 1e-9);
  let peak = 0.0;
  for (let k = 0; k < nfft; k++) {
    const m = Math.hypot(load<f64>(re + ((<usize>k) << 3)), load<f64>(im + ((<usize>k) << 3)));
    if (k <= kMax) store<f64>(re + ((<usize>k) << 3), m);
    if (m > peak) peak = m;
  }
  if (peak == 0.0) return 0.0;
  let first = -1;
  let last = -1;
  for (let k = 0; k <= kMax; k++) {
    if (load<f64>(re + ((<usize>k) << 3)) / peak >= threshold) {
      if (first < 0) first = k;
      last = k;
    }
  }
  if (first < 0 || last == first) return 0.0;
  const df = fs / <f64>nfft;
  const span = <f64>(last - first) * df;
  let arc = 0.0;
  for (let k = first + 1; k <= last; k++) {
    const dF = df / span;
    const dM = (load<f64>(re + ((<usize>k) << 3)) - load<f64>(re + ((<usize>(k - 1)) << 3))) / peak;
    arc += Math.sqrt(dF * dF + dM * dM);
  }
  return -arc;
}

/** Dimensionless jerk of `n` speed samples at `ptr`. */
export function dimensionlessJerk(ptr: usize, n: i32, fs: f64): f64 {
  const dt = 1.0 / fs;
  let peak = 0.0;
  for (let i = 0; i < n; i++) peak = Math.max(peak, Math.abs(load<f64>(ptr + ((<usize>i) << 3))));
  let sum = 0.0;
  for (let i = 1; i < n - 1; i++) {
    const j =
      (load<f64>(ptr + ((<usize>(i + 1)) << 3)) -
        2.0 * load<f64>(ptr + ((<usize>i) << 3)) +
        load<f64>(ptr + ((<usize>(i - 1)) << 3))) /
      (dt * dt);
    sum += j * j;
  }
  const T = <f64>n * dt;
  return -((T * T * T) / (peak * peak)) * sum * dt;
}

export function ldlj(ptr: usize, n: i32, fs: f64): f64 {
  return -Math.log(Math.abs(dimensionlessJerk(ptr, n, fs)));
}
