import type { Quat } from '$lib/core/motion/quaternion';
import { NECK_PLANES, type NeckPlane } from '$lib/core/measure/rom';
import { analyseRecording, type RecordingKernels } from '$lib/core/motion/pipeline';

/**
 * Turns a live recording into what the record keeps, and packs the raw samples for the
 * encrypted device-local store.
 */

export interface Sample {
  /** ms, monotonic. */
  readonly at: number;
  readonly q: Quat;
}

/**
 * [MOT-5] Smoothness of a recording: angles → angular speed → movements (above 10 % of peak
 * speed, gaps under 0.2 s merged, movements under 0.2 s dropped) → SPARC per movement, averaged.
 * Readings are taken as evenly spaced at their mean rate. Null when too short or still.
 * Runs on the WASM kernels when loaded, else on the TypeScript reference (equal to 1e-9).
 */
export function recordingSmoothness(
  k: RecordingKernels,
  neutral: Quat,
  samples: readonly Sample[],
): number | null {
  if (samples.length < 8) return null;
  const span = (samples[samples.length - 1]!.at - samples[0]!.at) / 1000;
  if (!(span > 0)) return null;
  const fs = (samples.length - 1) / span;
  const quats = new Float64Array(samples.length * 4);
  samples.forEach((s, i) => quats.set(s.q, i * 4));
  const window = Math.max(2, Math.round(fs * 0.2));
  const r = analyseRecording(k, quats, neutral, fs, {
    fraction: 0.1,
    minGap: window,
    minLength: window,
  });
  const values = r.sparc.filter(Number.isFinite);
  if (values.length === 0 || !Array.from(r.speed).some((v) => v > 1)) return null;
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Raw recording as bytes: f64 values `[1 (format), neutral x y z w, planes]`, then per plane
 * `[plane index, n, (ms, x, y, z, w) × n]`.
 */
export function encodeRecording(
  neutral: Quat,
  recordings: Partial<Record<NeckPlane, readonly Sample[]>>,
): Uint8Array {
  const values: number[] = [1, ...neutral];
  const planes = NECK_PLANES.filter((p) => recordings[p]?.length);
  values.push(planes.length);
  for (const p of planes) {
    const list = recordings[p]!;
    values.push(NECK_PLANES.indexOf(p), list.length);
    for (const s of list) values.push(s.at, ...s.q);
  }
  return new Uint8Array(new Float64Array(values).buffer);
}
