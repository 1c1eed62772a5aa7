import { describe, expect, it } from 'vitest';
import { motionPlanesText, motionValueText } from './labels';

describe('motion test wording', () => {
  it('names the plane and direction of every value', () => {
    expect(
      motionPlanesText({
        'flexion-extension': { a: 45, b: 50.4 },
        lateral: { a: 30, b: 28 },
        rotation: { a: 70, b: 65, sparc: -1.7 },
      }),
    ).toBe(
      'Flexion 45°, extension 50°, side bending left 30°, side bending right 28°, rotation left 70°, rotation right 65°',
    );
  });

  it('leaves out planes that were not measured', () => {
    expect(motionPlanesText({ rotation: { a: 70, b: 0 } })).toBe(
      'Rotation left 70°, rotation right 0°',
    );
    expect(motionValueText('extension', 99.6)).toBe('extension 100°');
  });
});
