import { describe, expect, it } from 'vitest';
import { axisAngle, type Quat } from '$lib/core/motion/quaternion';
import { referenceKernels } from '$lib/core/motion/pipeline';
import { encodeRecording, recordingSmoothness, type Sample } from './motion-analysis';

/** A smooth nod (minimum-jerk-like) and the same nod with a tremor. */
function nod(peak: number, tremor = 0): Sample[] {
  return Array.from({ length: 121 }, (_, i) => {
    const s = i / 120;
    const shape = Math.sin(Math.PI * s) ** 2;
    const wobble = tremor * Math.sin(2 * Math.PI * 6 * s * 2);
    return { at: (i * 1000) / 60, q: axisAngle('x', -(peak * shape + wobble)) as Quat };
  });
}

describe('recording analysis', () => {
  it('[MOT-5] a smooth nod is smoother (SPARC closer to 0) than a shaky one', () => {
    const smooth = recordingSmoothness(referenceKernels, [0, 0, 0, 1], nod(40));
    const shaky = recordingSmoothness(referenceKernels, [0, 0, 0, 1], nod(40, 3));
    expect(smooth).not.toBeNull();
    expect(shaky).not.toBeNull();
    expect(smooth!).toBeLessThan(0);
    expect(smooth!).toBeGreaterThan(shaky!);
  });

  it('[MOT-5] nothing for a still or too short recording', () => {
    expect(recordingSmoothness(referenceKernels, [0, 0, 0, 1], nod(0))).toBeNull();
    expect(recordingSmoothness(referenceKernels, [0, 0, 0, 1], nod(40).slice(0, 5))).toBeNull();
  });

  it('packs the raw recording as f64 values with a format tag and every sample', () => {
    const samples = nod(10).slice(0, 3);
    const bytes = encodeRecording([0, 0, 0, 1], { rotation: samples });
    const v = new Float64Array(bytes.buffer);
    expect(Array.from(v.slice(0, 6))).toEqual([1, 0, 0, 0, 1, 1]);
    expect(v[6]).toBe(2); // rotation is the third plane
    expect(v[7]).toBe(3);
    expect(v.length).toBe(8 + 3 * 5);
  });
});
