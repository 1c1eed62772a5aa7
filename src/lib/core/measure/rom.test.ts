import { describe, expect, it } from 'vitest';
import { axisAngle, fromDeviceOrientation, multiply, type Quat } from '../motion/quaternion';
import { averageQuat, planeAngle, planeRange } from './rom';

const sweep = (axis: 'x' | 'y' | 'z', peak: number, n = 41): Quat[] =>
  Array.from({ length: n }, (_, i) => axisAngle(axis, peak * Math.sin((Math.PI * i) / (n - 1))));

describe('range-of-motion tests', () => {
  it('[MOT-2] signs: nodding forward is flexion, bending left and turning left are positive', () => {
    expect(planeAngle('neck', 'flexion-extension', axisAngle('x', -30))).toBeCloseTo(30, 9);
    expect(planeAngle('neck', 'lateral', axisAngle('y', -20))).toBeCloseTo(20, 9);
    expect(planeAngle('neck', 'rotation', axisAngle('z', 45))).toBeCloseTo(45, 9);
  });

  it('[MOT-3] a scripted 40° flexion from a tilted neutral measures 40° and 0° extension', () => {
    const neutral = fromDeviceOrientation(30, 45, 60);
    const readings = sweep('x', -40).map((r) => multiply(neutral, r));
    const { a, b } = planeRange('neck', 'flexion-extension', neutral, readings);
    expect(a).toBeCloseTo(40, 9);
    expect(b).toBe(0);
  });

  it('[MOT-3] both directions of rotation', () => {
    const readings = [...sweep('z', 70), ...sweep('z', -65)];
    const r = planeRange('neck', 'rotation', [0, 0, 0, 1], readings);
    expect(r.a).toBeCloseTo(70, 9);
    expect(r.b).toBeCloseTo(65, 9);
  });

  it('[MOT-1] neutral averages readings across the q / −q sign flip', () => {
    const q = axisAngle('x', 10);
    const minus: Quat = [-q[0], -q[1], -q[2], -q[3]];
    const avg = averageQuat([q, minus, axisAngle('x', 12), axisAngle('x', 8)]);
    expect(planeAngle('neck', 'flexion-extension', avg)).toBeCloseTo(-10, 3);
    expect(() => averageQuat([])).toThrow();
  });

  it('[MOT-6] back test at the chest: bending forward is +x, left bending +z, turning left −y', () => {
    expect(planeAngle('back', 'flexion-extension', axisAngle('x', 60))).toBeCloseTo(60, 9);
    expect(planeAngle('back', 'lateral', axisAngle('z', 25))).toBeCloseTo(25, 9);
    expect(planeAngle('back', 'rotation', axisAngle('y', -30))).toBeCloseTo(30, 9);
    const readings = sweep('x', 70).map((r) => multiply(fromDeviceOrientation(0, 90, 0), r));
    const { a, b } = planeRange(
      'back',
      'flexion-extension',
      fromDeviceOrientation(0, 90, 0),
      readings,
    );
    expect(a).toBeCloseTo(70, 9);
    expect(b).toBe(0);
  });
});
