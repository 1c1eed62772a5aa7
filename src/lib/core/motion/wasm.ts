/**
 * The WASM motion kernels (built from `wasm/assembly` by `npm run build:wasm`). The caller
 * supplies the module bytes (the platform fetches them in the browser, tests read the file),
 * so this stays free of I/O.
 *
 * Every method validates its inputs here (the same checks as its TypeScript reference, throwing
 * the same RangeError), copies them into linear memory and reads the output buffer back. The
 * results equal the references in kinematics.ts, segmentation.ts, models.ts, trajectory.ts and
 * smoothness.ts to 1e-9.
 */
import type { Quat } from './quaternion';
import type { AnglesSeries } from './kinematics';
import { checkSegmentOptions, type Segment, type SegmentOptions } from './segmentation';
import type { LogisticResult, PointsResult } from './models';
import { checkGrid } from '../models/evaluate';
import { checkTrajectory, type TrajectoryFit } from './trajectory';
import {
  checkFinite,
  checkNonDecreasing,
  checkNumber,
  checkQuat,
  checkQuaternions,
  checkRate,
  checkSameLength,
} from './validate';

/** The analysis of one recording (see `analyseRecording` in pipeline.ts). */
export interface RecordingAnalysis {
  readonly angles: AnglesSeries;
  /** Angular speed in deg/s, one value per pair of consecutive samples. */
  readonly speed: Float64Array;
  /** Movements as index ranges of `speed`. */
  readonly segments: readonly Segment[];
  /** SPARC of each movement's speed profile, in the order of `segments`. */
  readonly sparc: readonly number[];
}

export interface MotionKernels {
  sparc(
    speed: ArrayLike<number>,
    fs: number,
    padLevel?: number,
    fc?: number,
    threshold?: number,
  ): number;
  dimensionlessJerk(speed: ArrayLike<number>, fs: number): number;
  ldlj(speed: ArrayLike<number>, fs: number): number;
  /** See `anglesSeries` in kinematics.ts. */
  anglesSeries(quats: ArrayLike<number>, neutral: Quat): AnglesSeries;
  /** See `angularSpeed` in kinematics.ts. */
  angularSpeed(quats: ArrayLike<number>, fs: number): Float64Array;
  /** See `segmentMovements` in segmentation.ts. */
  segmentMovements(speed: ArrayLike<number>, opts?: SegmentOptions): Segment[];
  /** See `pointsModel` in models.ts. */
  pointsModel(
    points: ArrayLike<number>,
    x: ArrayLike<number>,
    thresholds: ArrayLike<number>,
  ): PointsResult;
  /** See `logisticModel` in models.ts. */
  logisticModel(
    intercept: number,
    coefficients: ArrayLike<number>,
    x: ArrayLike<number>,
  ): LogisticResult;
  /** See `fitPainTrajectory` in trajectory.ts. */
  fitPainTrajectory(t: ArrayLike<number>, y: ArrayLike<number>): TrajectoryFit;
  /** A whole what-if grid in one kernel call; see `pointsGrid` in models/evaluate.ts. */
  pointsGrid(x: ArrayLike<number>, n: number, w: ArrayLike<number>, k: number): Float64Array;
  /** The kernel's own count of the model evaluations (grid rows) it has run. */
  evaluations(): number;
  /**
   * Angles → speed → segments → SPARC per segment in one kernel call: the same result and the
   * same errors as `analyseRecording` in pipeline.ts over the separate kernels.
   */
  analyseRecording(
    quats: ArrayLike<number>,
    neutral: Quat,
    fs: number,
    opts?: SegmentOptions,
  ): RecordingAnalysis;
}

interface Exports {
  memory: WebAssembly.Memory;
  alloc(count: number): number;
  reset(): void;
  sparc(ptr: number, n: number, fs: number, pad: number, fc: number, th: number): number;
  dimensionlessJerk(ptr: number, n: number, fs: number): number;
  ldlj(ptr: number, n: number, fs: number): number;
  anglesSeries(
    q: number,
    n: number,
    nx: number,
    ny: number,
    nz: number,
    nw: number,
    out: number,
  ): void;
  angularSpeed(q: number, n: number, fs: number, out: number): void;
  segmentMovements(
    speed: number,
    n: number,
    fraction: number,
    minGap: number,
    minLength: number,
    out: number,
  ): number;
  pointsModel(points: number, x: number, n: number, th: number, m: number, out: number): void;
  logisticModel(intercept: number, beta: number, x: number, n: number, out: number): void;
  fitPainTrajectory(t: number, y: number, n: number, out: number): void;
  pointsGrid(x: number, n: number, rows: number, w: number, k: number, out: number): void;
  evaluations(): number;
  analyseRecording(
    q: number,
    n: number,
    nx: number,
    ny: number,
    nz: number,
    nw: number,
    fs: number,
    fraction: number,
    minGap: number,
    minLength: number,
    padLevel: number,
    fc: number,
    threshold: number,
    out: number,
  ): number;
}

export async function instantiateKernels(bytes: BufferSource): Promise<MotionKernels> {
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: {
      abort: () => {
        throw new Error('The motion kernel aborted.');
      },
      seed: () => Date.now(),
    },
  });
  const x = instance.exports as unknown as Exports;
  // A view of all of linear memory, remade whenever memory has grown (growth detaches the old
  // buffer, also during a kernel call). Pointers from `alloc` are 8-byte aligned.
  let heap = new Float64Array(x.memory.buffer);
  const mem = (): Float64Array =>
    heap.buffer === x.memory.buffer ? heap : (heap = new Float64Array(x.memory.buffer));
  /** Copies `values` into newly allocated linear memory and returns its offset. */
  const write = (values: ArrayLike<number>): number => {
    const ptr = x.alloc(values.length);
    mem().set(values, ptr >>> 3);
    return ptr;
  };
  /** The same, for the first buffer of a call: frees everything from the previous call first. */
  const put = (values: ArrayLike<number>): number => {
    x.reset();
    return write(values);
  };
  /** A copy of `count` f64 at `ptr`, read after the kernel returns. */
  const read = (ptr: number, count: number): Float64Array =>
    mem().slice(ptr >>> 3, (ptr >>> 3) + count);
  const at = (ptr: number, i: number): number => mem()[(ptr >>> 3) + i]!;
  /** Speed profiles for the smoothness kernels: at least `min` finite samples, a rate > 0. */
  const check = (values: ArrayLike<number>, min: number, fs: number) => {
    if (values.length < min) {
      throw new RangeError(`At least ${min} speed samples are needed, not ${values.length}.`);
    }
    checkRate(fs);
    checkFinite('speed', values);
  };
  return {
    sparc(speed, fs, padLevel = 4, fc = 10, threshold = 0.05) {
      check(speed, 2, fs);
      return x.sparc(put(speed), speed.length, fs, padLevel, fc, threshold);
    },
    dimensionlessJerk(speed, fs) {
      check(speed, 3, fs);
      return x.dimensionlessJerk(put(speed), speed.length, fs);
    },
    ldlj(speed, fs) {
      check(speed, 3, fs);
      return x.ldlj(put(speed), speed.length, fs);
    },
    anglesSeries(quats, neutral) {
      checkQuat('neutral', neutral);
      const n = checkQuaternions(quats, 0);
      const q = put(quats);
      const out = x.alloc(3 * n);
      x.anglesSeries(q, n, neutral[0], neutral[1], neutral[2], neutral[3], out);
      const all = read(out, 3 * n);
      return {
        flexion: all.subarray(0, n),
        lateral: all.subarray(n, 2 * n),
        rotation: all.subarray(2 * n, 3 * n),
      };
    },
    angularSpeed(quats, fs) {
      checkRate(fs);
      const n = checkQuaternions(quats, 2);
      const q = put(quats);
      const out = x.alloc(n - 1);
      x.angularSpeed(q, n, fs, out);
      return read(out, n - 1);
    },
    segmentMovements(speed, opts = {}) {
      const { fraction, minGap, minLength } = checkSegmentOptions(opts);
      checkFinite('speed', speed);
      const ptr = put(speed);
      const out = x.alloc(speed.length + 1);
      const count = x.segmentMovements(ptr, speed.length, fraction, minGap, minLength, out);
      const pairs = read(out, 2 * count);
      const segments: Segment[] = [];
      for (let i = 0; i < count; i++)
        segments.push({ start: pairs[2 * i]!, end: pairs[2 * i + 1]! });
      return segments;
    },
    pointsModel(points, values, thresholds) {
      checkSameLength('points', points, 'x', values);
      checkFinite('points', points);
      checkFinite('x', values);
      checkFinite('thresholds', thresholds);
      checkNonDecreasing('thresholds', thresholds);
      const p = put(points);
      const v = write(values);
      const th = write(thresholds);
      const out = x.alloc(2);
      x.pointsModel(p, v, points.length, th, thresholds.length, out);
      return { total: at(out, 0), category: at(out, 1) };
    },
    logisticModel(intercept, coefficients, values) {
      checkNumber('intercept', intercept);
      checkSameLength('coefficients', coefficients, 'x', values);
      checkFinite('coefficients', coefficients);
      checkFinite('x', values);
      const b = put(coefficients);
      const v = write(values);
      const out = x.alloc(2);
      x.logisticModel(intercept, b, v, coefficients.length, out);
      const linearPredictor = at(out, 0);
      if (Number.isNaN(linearPredictor)) {
        throw new RangeError('The linear predictor overflowed (∞ − ∞).');
      }
      return { linearPredictor, probability: at(out, 1) };
    },
    fitPainTrajectory(t, y) {
      checkTrajectory(t, y);
      const tp = put(t);
      const yp = write(y);
      const out = x.alloc(4);
      x.fitPainTrajectory(tp, yp, t.length, out);
      const tau = at(out, 2);
      return {
        model: tau === Infinity ? 'linear' : 'exponential',
        c: at(out, 0),
        a: at(out, 1),
        tau,
        rmse: at(out, 3),
      };
    },
    pointsGrid(values, n, weights, k) {
      const rows = checkGrid(values, n, weights, k);
      const xp = put(values);
      const wp = write(weights);
      const out = x.alloc(rows * k);
      x.pointsGrid(xp, n, rows, wp, k, out);
      return read(out, rows * k);
    },
    evaluations: () => x.evaluations(),
    analyseRecording(quats, neutral, fs, opts = {}) {
      // The checks of the separate kernels, in the order the pipeline would run them.
      checkQuat('neutral', neutral);
      checkQuaternions(quats, 0);
      checkRate(fs);
      const n = checkQuaternions(quats, 2);
      const { fraction, minGap, minLength } = checkSegmentOptions({
        ...opts,
        minLength: Math.max(2, opts.minLength ?? 0),
      });
      const q = put(quats);
      const m = n - 1;
      const out = x.alloc(3 * n + m + (m + 1) + m);
      const [nx, ny, nz, nw] = neutral;
      const count = x.analyseRecording(
        q,
        n,
        nx,
        ny,
        nz,
        nw,
        fs,
        fraction,
        minGap,
        minLength,
        4,
        10,
        0.05,
        out,
      );
      const all = read(out, 3 * n + m + (m + 1) + m);
      const segments: Segment[] = [];
      const pairs = 3 * n + m;
      for (let i = 0; i < count; i++) {
        segments.push({ start: all[pairs + 2 * i]!, end: all[pairs + 2 * i + 1]! });
      }
      const arcs = pairs + m + 1;
      return {
        angles: {
          flexion: all.subarray(0, n),
          lateral: all.subarray(n, 2 * n),
          rotation: all.subarray(2 * n, 3 * n),
        },
        speed: all.subarray(3 * n, 3 * n + m),
        segments,
        sparc: Array.from(all.subarray(arcs, arcs + count)),
      };
    },
  };
}
