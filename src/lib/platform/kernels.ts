import { referenceEngine, type PointsEngine } from '$lib/core/models/evaluate';
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

/** The kernel as a points-model engine: its grid call does the work and its counter counts it. */
export function wasmEngine(k: MotionKernels): PointsEngine {
  return { engine: 'wasm', grid: k.pointsGrid, evaluations: k.evaluations };
}

/**
 * The engine that evaluates the prognostic models: the WASM kernel when the `.wasm` loads, the
 * TypeScript reference otherwise. Its `engine` names what really runs, for the page's label.
 */
export async function loadPointsEngine(): Promise<PointsEngine> {
  const k = await loadKernels();
  return k ? wasmEngine(k) : referenceEngine();
}
