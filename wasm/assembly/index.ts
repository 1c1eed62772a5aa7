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

/**
 * The radix-2 FFT of `n` real samples at `x`, zero-padded to `(n rounded up to 2^l) · 2^pad`
 * points, into `re`/`im`. With that padding, after the bit-reversal permutation only one value
 * in each block of 2^pad is non-zero, and the first `pad` butterfly stages merely copy it across
 * its block (each adds or subtracts an exact zero), so they are done as that copy: the same
 * numbers as the full transform (`fft`), bit for bit, without its first `pad` stages.
 */
function paddedRealFft(x: usize, n: i32, l: i32, pad: i32, re: usize, im: usize): void {
  const np = 1 << l;
  const block = 1 << pad;
  const nfft = np << pad;
  memory.fill(im, 0, (<usize>nfft) << 3);
  let j = 0;
  for (let i = 0; i < np; i++) {
    const v = i < n ? load<f64>(x + ((<usize>i) << 3)) : 0.0;
    const base = re + ((<usize>(j << pad)) << 3);
    for (let b = 0; b < block; b++) store<f64>(base + ((<usize>b) << 3), v);
    let bit = np >> 1;
    while (bit > 0 && (j & bit) != 0) {
      j ^= bit;
      bit >>= 1;
    }
    j |= bit;
  }
  stages(re, im, nfft, block << 1);
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
  stages(re, im, n, 2);
}

/** The butterfly stages of length `from` … `n` (twiddles by the reference's recurrence). */
function stages(re: usize, im: usize, n: i32, from: i32): void {
  for (let len = from; len <= n; len <<= 1) {
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

/** SPARC of `n` speed samples at `ptr`, sampled at `fs` Hz. Its scratch memory is freed after. */
export function sparc(ptr: usize, n: i32, fs: f64, padLevel: i32, fc: f64, threshold: f64): f64 {
  const mark = heapTop;
  const result = sparcIn(ptr, n, fs, padLevel, fc, threshold);
  heapTop = mark;
  return result;
}

function sparcIn(ptr: usize, n: i32, fs: f64, padLevel: i32, fc: f64, threshold: f64): f64 {
  const l = <i32>Math.ceil(Math.log2(<f64>n));
  const nfft = 1 << (l + padLevel);
  const re = alloc(nfft);
  const im = alloc(nfft);
  if (padLevel >= 0) {
    paddedRealFft(ptr, n, l, padLevel, re, im);
  } else {
    memory.copy(re, ptr, (<usize>nfft) << 3);
    memory.fill(im, 0, (<usize>nfft) << 3);
    fft(re, im, nfft);
  }
  const kMax = <i32>Math.floor((fc * <f64>nfft) / fs + 1e-9);
  // The input is real, so |X[k]| = |X[nfft − k]|: the peak is found in the first half (plus the
  // Nyquist bin). √(re² + im²) needs no overflow guard here: |X[k]| ≤ Σ|x| ≪ 1e154.
  const half = nfft >> 1;
  const top = kMax > half ? kMax : half;
  let peak = 0.0;
  for (let k = 0; k <= top && k < nfft; k++) {
    const r = load<f64>(re + ((<usize>k) << 3));
    const i = load<f64>(im + ((<usize>k) << 3));
    const m = Math.sqrt(r * r + i * i);
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

// ---------------------------------------------------------------------------------------------
// Recording kernels. Each mirrors a TypeScript reference in src/lib/core/motion; the host
// validates inputs (wasm.ts) and allocates every input and output buffer with `alloc`.

const DEG: f64 = 180.0 / Math.PI;

function ld(ptr: usize, i: i32): f64 {
  return load<f64>(ptr + ((<usize>i) << 3));
}

function st(ptr: usize, i: i32, v: f64): void {
  store<f64>(ptr + ((<usize>i) << 3), v);
}

/** √(a² + b² + c² + d²) without overflow or underflow (the host's Math.hypot). */
function norm4(a: f64, b: f64, c: f64, d: f64): f64 {
  const m = Math.max(Math.max(Math.abs(a), Math.abs(b)), Math.max(Math.abs(c), Math.abs(d)));
  if (m == 0.0 || !isFinite(m)) return m;
  const x = a / m;
  const y = b / m;
  const z = c / m;
  const w = d / m;
  return m * Math.sqrt(x * x + y * y + z * z + w * w);
}

function norm3(a: f64, b: f64, c: f64): f64 {
  const m = Math.max(Math.max(Math.abs(a), Math.abs(b)), Math.abs(c));
  if (m == 0.0 || !isFinite(m)) return m;
  const x = a / m;
  const y = b / m;
  const z = c / m;
  return m * Math.sqrt(x * x + y * y + z * z);
}

/**
 * Cardan X-Y′-Z″ angles (degrees) of neutral⁻¹ ⊗ q for the `n` quaternions [x, y, z, w] at `q`:
 * flexion to out[0..n), lateral bending to out[n..2n), axial rotation to out[2n..3n).
 * Reference: anglesSeries in kinematics.ts.
 */
export function anglesSeries(
  q: usize,
  n: i32,
  nx: f64,
  ny: f64,
  nz: f64,
  nw: f64,
  out: usize,
): void {
  const m = norm4(nx, ny, nz, nw);
  const ax = -(nx / m);
  const ay = -(ny / m);
  const az = -(nz / m);
  const aw = nw / m;
  for (let i = 0; i < n; i++) {
    const o = i << 2;
    const qx = ld(q, o);
    const qy = ld(q, o + 1);
    const qz = ld(q, o + 2);
    const qw = ld(q, o + 3);
    const qn = norm4(qx, qy, qz, qw);
    const bx = qx / qn;
    const by = qy / qn;
    const bz = qz / qn;
    const bw = qw / qn;
    const rx = aw * bx + ax * bw + ay * bz - az * by;
    const ry = aw * by - ax * bz + ay * bw + az * bx;
    const rz = aw * bz + ax * by - ay * bx + az * bw;
    const rw = aw * bw - ax * bx - ay * by - az * bz;
    const rn = norm4(rx, ry, rz, rw);
    const x = rx / rn;
    const y = ry / rn;
    const z = rz / rn;
    const w = rw / rn;
    const r02 = 2.0 * (x * z + w * y);
    const r12 = 2.0 * (y * z - w * x);
    const r22 = 1.0 - 2.0 * (x * x + y * y);
    const r01 = 2.0 * (x * y - w * z);
    const r00 = 1.0 - 2.0 * (y * y + z * z);
    st(out, i, Math.atan2(-r12, r22) * DEG);
    st(out, n + i, Math.asin(Math.max(-1.0, Math.min(1.0, r02))) * DEG);
    st(out, 2 * n + i, Math.atan2(-r01, r00) * DEG);
  }
}

/**
 * Angular speed (deg/s) between consecutive quaternions at `fs` Hz: 2·atan2(‖v‖, |w|)·fs of
 * q_i⁻¹ ⊗ q_{i+1}; n − 1 values to `out`. Reference: angularSpeed in kinematics.ts.
 */
export function angularSpeed(q: usize, n: i32, fs: f64, out: usize): void {
  for (let i = 0; i < n - 1; i++) {
    const o = i << 2;
    const ax = -ld(q, o);
    const ay = -ld(q, o + 1);
    const az = -ld(q, o + 2);
    const aw = ld(q, o + 3);
    const bx = ld(q, o + 4);
    const by = ld(q, o + 5);
    const bz = ld(q, o + 6);
    const bw = ld(q, o + 7);
    const dx = aw * bx + ax * bw + ay * bz - az * by;
    const dy = aw * by - ax * bz + ay * bw + az * bx;
    const dz = aw * bz + ax * by - ay * bx + az * bw;
    const dw = aw * bw - ax * bx - ay * by - az * bz;
    st(out, i, 2.0 * Math.atan2(norm3(dx, dy, dz), Math.abs(dw)) * DEG * fs);
  }
}

/**
 * Movements in `n` speed samples: runs above fraction·peak, joined across gaps < minGap, then
 * runs shorter than minLength dropped. Writes start, end (exclusive) pairs to `out` (room for
 * n + 1 values) and returns the number of movements. Reference: segmentMovements.
 */
export function segmentMovements(
  speed: usize,
  n: i32,
  fraction: f64,
  minGap: f64,
  minLength: f64,
  out: usize,
): i32 {
  let peak = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = ld(speed, i);
    if (v > peak) peak = v;
  }
  if (!(peak > 0.0)) return 0;
  const level = fraction * peak;
  let count = 0;
  let curStart = -1;
  let curEnd = -1;
  let i = 0;
  while (i < n) {
    if (!(ld(speed, i) > level)) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && ld(speed, i) > level) i++;
    if (curStart >= 0 && <f64>(start - curEnd) < minGap) {
      curEnd = i;
    } else {
      if (curStart >= 0 && <f64>(curEnd - curStart) >= minLength) {
        st(out, 2 * count, <f64>curStart);
        st(out, 2 * count + 1, <f64>curEnd);
        count++;
      }
      curStart = start;
      curEnd = i;
    }
  }
  if (curStart >= 0 && <f64>(curEnd - curStart) >= minLength) {
    st(out, 2 * count, <f64>curStart);
    st(out, 2 * count + 1, <f64>curEnd);
    count++;
  }
  return count;
}

/**
 * Points model: out[0] = Σ points_i·x_i (index order), out[1] = the number of the `m` ascending
 * thresholds ≤ that total. Reference: pointsModel in models.ts.
 */
export function pointsModel(
  points: usize,
  x: usize,
  n: i32,
  thresholds: usize,
  m: i32,
  out: usize,
): void {
  let total = 0.0;
  for (let i = 0; i < n; i++) total += ld(points, i) * ld(x, i);
  let category = 0;
  for (let j = 0; j < m; j++) if (ld(thresholds, j) <= total) category++;
  st(out, 0, total);
  st(out, 1, <f64>category);
}

/** Model evaluations this kernel has run (rows of `pointsGrid`); read by the app and its tests. */
let evaluationCount: i32 = 0;

export function evaluations(): i32 {
  return evaluationCount;
}

/**
 * A whole what-if grid in one call: `rows` answer vectors of `n` item points at `x` (row-major)
 * against `k` weight vectors of length `n` at `w`; out[r·k + j] = Σ_i x[r·n + i]·w[j·n + i]
 * (index order). Counts `rows` evaluations. Reference: pointsGrid in models/evaluate.ts.
 */
export function pointsGrid(x: usize, n: i32, rows: i32, w: usize, k: i32, out: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = x + ((<usize>(r * n)) << 3);
    for (let j = 0; j < k; j++) {
      const wj = w + ((<usize>(j * n)) << 3);
      let s = 0.0;
      for (let i = 0; i < n; i++) s += ld(row, i) * ld(wj, i);
      st(out, r * k + j, s);
    }
  }
  evaluationCount += rows;
}

/**
 * Logistic model: out[0] = lp = β0 + Σ β_i·x_i, out[1] = 1 / (1 + e^(−lp)) evaluated without
 * overflow. Reference: logisticModel in models.ts.
 */
export function logisticModel(intercept: f64, beta: usize, x: usize, n: i32, out: usize): void {
  let lp = intercept;
  for (let i = 0; i < n; i++) lp += ld(beta, i) * ld(x, i);
  let p: f64;
  if (lp >= 0.0) {
    p = 1.0 / (1.0 + Math.exp(-lp));
  } else {
    const e = Math.exp(lp);
    p = e / (1.0 + e);
  }
  st(out, 0, lp);
  st(out, 1, p);
}

// The trajectory fit repeats trajectory.ts operation for operation, so the two are bit-identical
// (see the comment there); in particular it uses portableExp, never Math.exp.

const LN2_HI: f64 = 6.9314718036912381649e-1;
const LN2_LO: f64 = 1.9082149292705877e-10;
const INV_LN2: f64 = 1.4426950408889634;
const TAU_COUNT: i32 = 200;
const LN_365: f64 = 5.8998973535824915;
const SINGULAR: f64 = 1e-12;

function pow2(k: i32): f64 {
  return reinterpret<f64>((<u64>(k + 1023)) << 52);
}

/** e^x by Cody–Waite reduction and a degree-13 Taylor polynomial; see portableExp in TS. */
export function portableExp(x: f64): f64 {
  if (x != x) return x;
  if (x > 709.782712893384) return Infinity;
  if (x < -745.1332191019412) return 0.0;
  const kf = Math.floor(x * INV_LN2 + 0.5);
  const k = <i32>kf;
  const r = x - kf * LN2_HI - kf * LN2_LO;
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
  p = p * r + 1.0;
  p = p * r + 1.0;
  if (k < -1022) return p * pow2(k + 1022) * pow2(-1022);
  if (k > 1023) return p * pow2(k - 1) * 2.0;
  return p * pow2(k);
}

function tauAt(j: i32): f64 {
  return j == TAU_COUNT - 1 ? 365.0 : portableExp((<f64>j * LN_365) / <f64>(TAU_COUNT - 1));
}

/**
 * Pain trajectory y = c + a·exp(−(t − t0)/τ) over the τ grid, or the straight-line fallback
 * (τ = ∞, a = slope). Writes c, a, τ, rmse to out[0..4). Reference: fitPainTrajectory.
 */
export function fitPainTrajectory(t: usize, y: usize, n: i32, out: usize): void {
  const t0 = ld(t, 0);
  const nf = <f64>n;
  let sumY = 0.0;
  for (let i = 0; i < n; i++) sumY += ld(y, i);
  const yBar = sumY / nf;
  let distinct = 1;
  for (let i = 1; i < n; i++) if (ld(t, i) != ld(t, i - 1)) distinct++;
  if (distinct >= 3) {
    const e = alloc(n);
    let found = false;
    let bestRss = Infinity;
    let bestC = 0.0;
    let bestA = 0.0;
    let bestTau = 0.0;
    for (let j = 0; j < TAU_COUNT; j++) {
      const tau = tauAt(j);
      let sumE = 0.0;
      for (let i = 0; i < n; i++) {
        const v = portableExp(-(ld(t, i) - t0) / tau);
        st(e, i, v);
        sumE += v;
      }
      const eBar = sumE / nf;
      let see = 0.0;
      let sey = 0.0;
      let se2 = 0.0;
      for (let i = 0; i < n; i++) {
        const ei = ld(e, i);
        const de = ei - eBar;
        see += de * de;
        sey += de * (ld(y, i) - yBar);
        se2 += ei * ei;
      }
      if (!(see > SINGULAR * se2)) continue;
      const a = sey / see;
      const c = yBar - a * eBar;
      let rss = 0.0;
      for (let i = 0; i < n; i++) {
        const r = ld(y, i) - (c + a * ld(e, i));
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
      st(out, 0, bestC);
      st(out, 1, bestA);
      st(out, 2, bestTau);
      st(out, 3, Math.sqrt(bestRss / nf));
      return;
    }
  }
  let sumU = 0.0;
  for (let i = 0; i < n; i++) sumU += ld(t, i) - t0;
  const uBar = sumU / nf;
  let suu = 0.0;
  let suy = 0.0;
  for (let i = 0; i < n; i++) {
    const du = ld(t, i) - t0 - uBar;
    suu += du * du;
    suy += du * (ld(y, i) - yBar);
  }
  const b = suu > 0.0 ? suy / suu : 0.0;
  const c = yBar - b * uBar;
  let rss = 0.0;
  for (let i = 0; i < n; i++) {
    const r = ld(y, i) - (c + b * (ld(t, i) - t0));
    rss += r * r;
  }
  st(out, 0, c);
  st(out, 1, b);
  st(out, 2, Infinity);
  st(out, 3, Math.sqrt(rss / nf));
}

// ---------------------------------------------------------------------------------------------
// The whole recording pipeline in one call (reference: analyseRecording in pipeline.ts), so the
// quaternions cross into linear memory once and nothing crosses back between the steps.

/**
 * Angles → speed → segments → SPARC per segment for the `n` quaternions at `q`. `out` has room
 * for 3n (angles) + (n − 1) (speed) + (n + 1) (segment pairs) + n (SPARC) values; returns the
 * number of segments.
 */
export function analyseRecording(
  q: usize,
  n: i32,
  nx: f64,
  ny: f64,
  nz: f64,
  nw: f64,
  fs: f64,
  fraction: f64,
  minGap: f64,
  minLength: f64,
  padLevel: i32,
  fc: f64,
  threshold: f64,
  out: usize,
): i32 {
  anglesSeries(q, n, nx, ny, nz, nw, out);
  const speed = out + ((<usize>(3 * n)) << 3);
  angularSpeed(q, n, fs, speed);
  const m = n - 1;
  const pairs = speed + ((<usize>m) << 3);
  const count = segmentMovements(speed, m, fraction, minGap, minLength, pairs);
  const arcs = pairs + ((<usize>(m + 1)) << 3);
  for (let i = 0; i < count; i++) {
    const start = <i32>ld(pairs, 2 * i);
    const end = <i32>ld(pairs, 2 * i + 1);
    st(arcs, i, sparc(speed + ((<usize>start) << 3), end - start, fs, padLevel, fc, threshold));
  }
  return count;
}
