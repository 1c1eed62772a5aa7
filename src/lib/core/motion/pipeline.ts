/**
 * The analysis of one recording: anatomical angles, angular speed, movement segmentation and
 * SPARC per movement. It runs on either implementation: `referenceKernels` (the TypeScript
 * references) or a `MotionKernels` instance (WASM), which have the same signatures.
 */
import { anglesSeries, angularSpeed } from './kinematics';
import { segmentMovements, type SegmentOptions } from './segmentation';
import { sparc } from './smoothness';
import type { Quat } from './quaternion';
import type { MotionKernels, RecordingAnalysis } from './wasm';

export type { RecordingAnalysis } from './wasm';

export type RecordingKernels = Pick<
  MotionKernels,
  'anglesSeries' | 'angularSpeed' | 'segmentMovements' | 'sparc'
> &
  Partial<Pick<MotionKernels, 'analyseRecording'>>;

export const referenceKernels: RecordingKernels = {
  anglesSeries,
  angularSpeed,
  segmentMovements,
  sparc: (speed, fs, padLevel, fc, threshold) => sparc(speed, fs, { padLevel, fc, threshold }),
};

/**
 * Angles → speed → segments → SPARC per segment. SPARC needs two samples, so movements shorter
 * than two samples are always dropped (minLength is at least 2).
 */
export function analyseRecording(
  k: RecordingKernels,
  quats: ArrayLike<number>,
  neutral: Quat,
  fs: number,
  opts: SegmentOptions = {},
): RecordingAnalysis {
  // The WASM kernels run the whole pipeline in one call (same result, same errors).
  if (k.analyseRecording) return k.analyseRecording(quats, neutral, fs, opts);
  const angles = k.anglesSeries(quats, neutral);
  const speed = k.angularSpeed(quats, fs);
  const segments = k.segmentMovements(speed, {
    ...opts,
    minLength: Math.max(2, opts.minLength ?? 0),
  });
  return {
    angles,
    speed,
    segments,
    sparc: segments.map((s) => k.sparc(speed.subarray(s.start, s.end), fs)),
  };
}
