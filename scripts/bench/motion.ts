// WASM kernels against the TypeScript reference on a 60 s recording at 60 Hz.
import { readFileSync } from 'node:fs';
import { sparc, ldlj } from '../../src/lib/core/motion/smoothness';
import { instantiateKernels } from '../../src/lib/core/motion/wasm';

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
const time = (f: () => void, reps = 20) => {
  f();
  const t = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (performance.now() - t) / reps;
};
const js = time(() => {
  sparc(speed, fs);
  ldlj(speed, fs);
});
const wasm = time(() => {
  k.sparc(speed, fs);
  k.ldlj(speed, fs);
});
console.log(
  JSON.stringify({
    samples: n,
    jsMs: +js.toFixed(2),
    wasmMs: +wasm.toFixed(2),
    speedup: +(js / wasm).toFixed(2),
    budgetSpeedup: 3,
  }),
);
