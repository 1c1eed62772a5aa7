import { describe, expect, it } from 'vitest';
import { isPainCheckIn } from './types';

describe('isPainCheckIn (check-in with its optional extras)', () => {
  it('takes scores alone, or with a note, last night’s sleep and pain medicine today', () => {
    expect(isPainCheckIn({ scores: { back: 4 } })).toBe(true);
    expect(
      isPainCheckIn({ scores: { neck: 0 }, note: 'ok', sleep: 'poor', painMedicine: true }),
    ).toBe(true);
    expect(isPainCheckIn({ scores: { leg: 10 }, sleep: 'good', painMedicine: false })).toBe(true);
  });

  it('refuses what a hostile writer could send as extras', () => {
    for (const sleep of ['bad', 3, '', null, 'GOOD'])
      expect(isPainCheckIn({ scores: { back: 4 }, sleep })).toBe(false);
    for (const painMedicine of ['yes', 1, null, {}])
      expect(isPainCheckIn({ scores: { back: 4 }, painMedicine })).toBe(false);
  });

  it('still needs a score: extras alone are not a check-in', () => {
    expect(isPainCheckIn({ scores: {}, sleep: 'good' })).toBe(false);
    expect(isPainCheckIn({ sleep: 'good', painMedicine: true })).toBe(false);
  });
});
