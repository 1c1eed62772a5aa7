/**
 * The WASM motion kernels (built from `wasm/assembly` by `npm run build:wasm`). The caller
 * supplies the module bytes (the platform fetches them in the browser, tests read the file),
 * so this stays free of I/O.
 */
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
}

interface Exports {
  memory: WebAssembly.Memory;
  alloc(count: number): number;
  reset(): void;
  sparc(ptr: number, n: number, fs: number, pad: number, fc: number, th: number): number;
  dimensionlessJerk(ptr: number, n: number, fs: number): number;
  ldlj(ptr: number, n: number, fs: number): number;
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
  const put = (values: ArrayLike<number>): number => {
    x.reset();
    const ptr = x.alloc(values.length);
    new Float64Array(x.memory.buffer, ptr, values.length).set(Array.from(values));
    return ptr;
  };
  const check = (values: ArrayLike<number>, min: number, fs: number) => {
    if (values.length < min || !(fs > 0)) throw new RangeError('Too few samples or a bad rate.');
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
  };
}
