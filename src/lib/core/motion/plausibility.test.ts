import { describe, expect, it } from 'vitest';
import { GONIO_MAX } from '../record/clinic-entries';
import { implausibleAngles, plausibleMax } from './plausibility';

describe('[MOT-7] plausible range-of-motion angles', () => {
  it('asks about neck flexion over 90°, and not at 90°', () => {
    expect(implausibleAngles('neck', { 'flexion-extension': { a: 90, b: 50 } })).toEqual([]);
    expect(implausibleAngles('neck', { 'flexion-extension': { a: 95, b: 50 } })).toEqual([
      { plane: 'flexion-extension', which: 'a', movement: 'flexion', degrees: 95, max: 90 },
    ]);
  });

  it('compares the whole degrees that are shown', () => {
    expect(implausibleAngles('neck', { 'flexion-extension': { a: 90.4, b: 0 } })).toEqual([]);
    expect(implausibleAngles('neck', { 'flexion-extension': { a: 90.5, b: 0 } })).toHaveLength(1);
  });

  it('checks both directions of every plane, in the order results are listed', () => {
    const found = implausibleAngles('neck', {
      rotation: { a: 70, b: 120 },
      lateral: { a: 75, b: 40 },
      'flexion-extension': { a: 40, b: 101 },
    });
    expect(found.map((f) => [f.plane, f.which, f.movement, f.max])).toEqual([
      ['flexion-extension', 'b', 'extension', 100],
      ['lateral', 'a', 'lateral-flexion-left', 70],
      ['rotation', 'b', 'rotation-right', 110],
    ]);
  });

  it('uses the trunk limits for the back test', () => {
    expect(plausibleMax('back', 'flexion')).toBe(120);
    expect(implausibleAngles('back', { 'flexion-extension': { a: 110, b: 20 } })).toEqual([]);
    expect(implausibleAngles('back', { 'flexion-extension': { a: 80, b: 65 } })).toEqual([
      { plane: 'flexion-extension', which: 'b', movement: 'extension', degrees: 65, max: 60 },
    ]);
    // 70° of rotation is plausible for the neck, not for the trunk.
    expect(implausibleAngles('neck', { rotation: { a: 70, b: 0 } })).toEqual([]);
    expect(implausibleAngles('back', { rotation: { a: 70, b: 0 } })).toHaveLength(1);
  });

  it('shares the limits of the clinic goniometer form', () => {
    expect(plausibleMax('neck', 'rotation-left')).toBe(GONIO_MAX.cervical['rotation-left']);
    expect(plausibleMax('back', 'lateral-flexion-right')).toBe(
      GONIO_MAX.lumbar['lateral-flexion-right'],
    );
  });

  it('finds nothing in an empty or typical result', () => {
    expect(implausibleAngles('neck', {})).toEqual([]);
    expect(
      implausibleAngles('neck', {
        'flexion-extension': { a: 45, b: 60, sparc: -1.6 },
        lateral: { a: 40, b: 42 },
        rotation: { a: 75, b: 72 },
      }),
    ).toEqual([]);
  });
});
