// WASM kernels against the TypeScript reference on a 60 s recording at 60 Hz: SPARC + LDLJ of
// one speed profile (the original keys), the full recording pipeline (angles → speed →
// segmentation → SPARC per segment), one logistic-model evaluation with synthetic numbers, and
// the points models' what-if grid: every single-item variant of a STarT Back answer set in one
// batch kernel call, against the TypeScript reference on the same grid.
import { readFileSync } from 'node:fs';
import { sparc, ldlj } from '../../src/lib/core/motion/smoothness';
import { instantiateKernels } from '../../src/lib/core/motion/wasm';
import { analyseRecording, referenceKernels } from '../../src/lib/core/motion/pipeline';
import { syntheticRecording } from '../../src/lib/core/motion/synthetic';
import { logisticModel } from '../../src/lib/core/motion/models';
import { prng } from '../../src/lib/core/prng';
import { evaluateAll, referenceEngine } from '../../src/lib/core/models/evaluate';
import { STARTBACK_MODEL } from '../../src/lib/core/models/cards';
import { INSTRUMENT } from '../../src/lib/core/instruments/definitions';

const bytes = readFileSync(
  new URL('../../src/lib/core/motion/generated/kernels.wasm', import.meta.url),
);
const k = await instantiateKernels(bytes);
const fs = 60;
const n = 60 * fs;
const speed = Array.from(
  { length: n },
  (_, i) => Math.abs(Math.sin((i / fs) * 0.7)) * 40 + Math.sin(i * 0.37),
);
/**
 * The JS reference and the WASM kernel timed in alternation (`reps` calls each, after 5 warm-up
 * calls of each), so that a burst of load from elsewhere slows both alike and not only whichever
 * ran then; the median of each.
 */
const timePair = (reference: () => void, kernel: () => void, reps = 61) => {
  for (let i = 0; i < 5; i++) {
    reference();
    kernel();
  }
  const runs: [number[], number[]] = [[], []];
  for (let i = 0; i < reps; i++) {
    // Which goes first alternates too: neither always runs on the cache the other left.
    const order = i % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const);
    for (const which of order) {
      const t = performance.now();
      (which === 0 ? reference : kernel)();
      runs[which].push(performance.now() - t);
    }
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
  return { js: median(runs[0]), wasm: median(runs[1]) };
};
const { js, wasm } = timePair(
  () => {
    sparc(speed, fs);
    ldlj(speed, fs);
  },
  () => {
    k.sparc(speed, fs);
    k.ldlj(speed, fs);
  },
);

// The pipeline on a synthetic recording (3600 quaternions).
const rec = syntheticRecording(60, fs, 1);
const opts = { fraction: 0.1, minGap: Math.round(0.25 * fs), minLength: Math.round(0.3 * fs) };
const segments = analyseRecording(referenceKernels, rec.quats, rec.neutral, fs, opts).segments;
const { js: pipeJs, wasm: pipeWasm } = timePair(
  () => analyseRecording(referenceKernels, rec.quats, rec.neutral, fs, opts),
  () => analyseRecording(k, rec.quats, rec.neutral, fs, opts),
);

// One logistic evaluation with 5 synthetic predictors (no real coefficients).
const rand = prng(5);
const intercept = rand() * 2 - 1;
const beta = Array.from({ length: 5 }, () => rand() * 2 - 1);
const inputs = Array.from({ length: 64 }, () => Array.from({ length: 5 }, () => rand() * 4 - 2));
const iterations = 200_000;
let sink = 0;
const perCall = (f: (x: number[]) => number) => {
  for (let i = 0; i < 10_000; i++) sink += f(inputs[i & 63]!);
  const t = performance.now();
  for (let i = 0; i < iterations; i++) sink += f(inputs[i & 63]!);
  return ((performance.now() - t) * 1000) / iterations;
};
const modelJs = perCall((x) => logisticModel(intercept, beta, x).probability);
const modelWasm = perCall((x) => k.logisticModel(intercept, beta, x).probability);

// The what-if grid: the answers plus every other option of every modifiable item, one call.
const sbt = INSTRUMENT.startback;
const answers = sbt.items.map((item) => item.options[item.options.length - 1]!);
const grid: number[][] = [answers];
for (const item of STARTBACK_MODEL.items.filter((i) => i.modifiable)) {
  for (const option of sbt.items[item.item]!.options) {
    if (option === answers[item.item]) continue;
    const variant = answers.slice();
    variant[item.item] = option;
    grid.push(variant);
  }
}
const wasmGridEngine = { engine: 'wasm' as const, grid: k.pointsGrid, evaluations: k.evaluations };
const jsGridEngine = referenceEngine();
const gridIterations = 50_000;
const perGrid = (engine: typeof jsGridEngine) => {
  for (let i = 0; i < 2_000; i++) sink += evaluateAll(STARTBACK_MODEL, grid, engine)[0]!.score;
  const t = performance.now();
  for (let i = 0; i < gridIterations; i++) {
    sink += evaluateAll(STARTBACK_MODEL, grid, engine)[0]!.score;
  }
  return ((performance.now() - t) * 1000) / gridIterations;
};
const gridJs = perGrid(jsGridEngine);
const kernelBefore = k.evaluations();
const gridWasm = perGrid(wasmGridEngine);
const kernelRan = k.evaluations() - kernelBefore;
if (kernelRan !== (gridIterations + 2_000) * grid.length) {
  throw new Error(`The kernel counted ${kernelRan} evaluations, not the grid's.`);
}
// The grid call alone (validation, copy in, kernel, copy out) on the app's grid and a large one.
const gridCall = (rows: number) => {
  const x = Array.from({ length: rows * 9 }, () => (rand() < 0.5 ? 0 : 1));
  const w = [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1];
  const reps = Math.max(200, Math.round(200_000 / rows));
  const per = (f: () => Float64Array) => {
    for (let i = 0; i < 200; i++) sink += f()[0]!;
    const t = performance.now();
    for (let i = 0; i < reps; i++) sink += f()[0]!;
    return ((performance.now() - t) * 1000) / reps;
  };
  const jsUs = per(() => jsGridEngine.grid(x, 9, w, 2));
  const wasmUs = per(() => k.pointsGrid(x, 9, w, 2));
  return {
    rows,
    jsUs: +jsUs.toFixed(3),
    wasmUs: +wasmUs.toFixed(3),
    ratio: +(jsUs / wasmUs).toFixed(2),
  };
};
const gridCalls = [gridCall(grid.length), gridCall(1000)];
if (!Number.isFinite(sink)) throw new Error('The model benchmark produced a non-finite sum.');

console.log(
  JSON.stringify({
    samples: n,
    jsMs: +js.toFixed(2),
    wasmMs: +wasm.toFixed(2),
    speedup: +(js / wasm).toFixed(2),
    budgetSpeedup: 3,
    pipeline: {
      samples: rec.quats.length / 4,
      segments: segments.length,
      jsMs: +pipeJs.toFixed(2),
      wasmMs: +pipeWasm.toFixed(2),
      ratio: +(pipeJs / pipeWasm).toFixed(2),
      budgetRatio: 3,
      how: 'one kernel call for angles, speed, segments and SPARC per segment',
    },
    model: {
      kind: 'logistic',
      predictors: beta.length,
      iterations,
      jsUsPerCall: +modelJs.toFixed(3),
      wasmUsPerCall: +modelWasm.toFixed(3),
      ratio: +(modelJs / modelWasm).toFixed(2),
    },
    pointsGrid: {
      kind: 'points',
      model: STARTBACK_MODEL.id,
      rowsPerCall: grid.length,
      iterations: gridIterations,
      kernelEvaluations: kernelRan,
      jsUsPerGrid: +gridJs.toFixed(3),
      wasmUsPerGrid: +gridWasm.toFixed(3),
      ratio: +(gridJs / gridWasm).toFixed(2),
      gridCallOnly: gridCalls,
    },
  }),
);
