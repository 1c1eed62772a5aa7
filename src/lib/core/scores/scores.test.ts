import { describe, expect, it } from 'vitest';
import { nrsChange } from './nrs';
import { scoreStartBack, type SbtAnswers } from './startback';
import { roundOneDecimal, scoreOdi } from './oswestry';
import { scoreNdi } from './ndi';
import { PSFS_CODES, scorePsfs } from './psfs';
import { ORE_CUTOFF, scoreOrebro } from './orebro';

const agree = (...yes: number[]) =>
  Array.from({ length: 8 }, (_, i) => yes.includes(i + 1)) as unknown as SbtAnswers['agree'];

describe('NRS', () => {
  it('[NRS-1] refuses ratings outside 0–10 integers', () => {
    expect(() => nrsChange(11, 3)).toThrow();
    expect(() => nrsChange(5, 2.5)).toThrow();
  });
  it('[NRS-3] 2 points or 30 % is a meaningful improvement', () => {
    expect(nrsChange(8, 6).meaningfulImprovement).toBe(true);
    expect(nrsChange(3, 2).meaningfulImprovement).toBe(true); // 33 %
    expect(nrsChange(8, 7).meaningfulImprovement).toBe(false); // 1 point, 12.5 %
    expect(nrsChange(0, 0).meaningfulImprovement).toBe(false);
    expect(nrsChange(2, 5).meaningfulWorsening).toBe(true);
  });
});

describe('STarT Back', () => {
  it('[SBT-4] all disagree, bothered slightly: 0/0 low', () => {
    expect(scoreStartBack({ agree: agree(), bother: 'slightly' })).toEqual({
      total: 0,
      psychosocial: 0,
      risk: 'low',
    });
  });
  it('[SBT-4] items 1–4 agree, moderately: 4/0 medium', () => {
    expect(scoreStartBack({ agree: agree(1, 2, 3, 4), bother: 'moderately' })).toEqual({
      total: 4,
      psychosocial: 0,
      risk: 'medium',
    });
  });
  it('[SBT-4] items 5–8 agree, slightly: 4/4 high', () => {
    expect(scoreStartBack({ agree: agree(5, 6, 7, 8), bother: 'slightly' })).toEqual({
      total: 4,
      psychosocial: 4,
      risk: 'high',
    });
  });
  it('[SBT-4] items 5–7 agree, moderately: 3/3 low', () => {
    expect(scoreStartBack({ agree: agree(5, 6, 7), bother: 'moderately' })).toEqual({
      total: 3,
      psychosocial: 3,
      risk: 'low',
    });
  });
  it('[SBT-2] bother scores only for very much and extremely', () => {
    expect(scoreStartBack({ agree: agree(), bother: 'very-much' }).total).toBe(1);
    expect(scoreStartBack({ agree: agree(), bother: 'extremely' }).psychosocial).toBe(1);
    expect(scoreStartBack({ agree: agree(), bother: 'moderately' }).total).toBe(0);
  });
});

describe('ODI', () => {
  it('[ODI-2] sum 16 of 10 sections is 32 %', () => {
    expect(scoreOdi([2, 2, 2, 2, 2, 2, 1, 1, 1, 1]).percent).toBe(32);
  });
  it('[ODI-2][ODI-3] sum 16 of 9 sections is 35.56 %, shown 35.6', () => {
    const r = scoreOdi([2, 2, 2, 2, 2, 2, 2, 1, 1, null]);
    expect(r.percent).toBeCloseTo(35.5556, 4);
    expect(roundOneDecimal(r.percent)).toBe(35.6);
    expect(r.missing).toBe(1);
  });
  it('[ODI-4] bands', () => {
    expect(scoreOdi([2, 2, 2, 2, 2, 0, 0, 0, 0, 0]).band).toBe('minimal'); // 20
    expect(scoreOdi([2, 2, 2, 2, 2, 1, 0, 0, 0, 0]).band).toBe('moderate'); // 22
    expect(scoreOdi([5, 5, 5, 5, 5, 5, 5, 5, 5, 5]).band).toBe('bed-bound');
  });
  it('[ODI-1] refuses out-of-range and empty forms', () => {
    expect(() => scoreOdi([6, 0, 0, 0, 0, 0, 0, 0, 0, 0])).toThrow();
    expect(() => scoreOdi(Array(10).fill(null))).toThrow();
  });
});

describe('NDI', () => {
  it('[NDI-3] raw 24 is moderate (48 %), raw 25 severe (50 %)', () => {
    const moderate = scoreNdi([3, 3, 3, 3, 3, 3, 2, 2, 1, 1]);
    expect([moderate.raw, moderate.percent, moderate.band]).toEqual([24, 48, 'moderate']);
    const severe = scoreNdi([3, 3, 3, 3, 3, 3, 3, 2, 1, 1]);
    expect([severe.raw, severe.percent, severe.band]).toEqual([25, 50, 'severe']);
  });
  it('[NDI-2] a missing item takes the mean of the answered ones', () => {
    const r = scoreNdi([3, 3, 3, 3, 3, 3, 3, 3, 3, null]);
    expect(r.raw).toBe(30);
    expect(r.missing).toBe(1);
  });
});

describe('PSFS', () => {
  it('[PSFS-2] is the mean of the ratings', () => {
    expect(
      scorePsfs([
        { activity: 'lifting a child', rating: 3 },
        { activity: 'driving', rating: 6 },
      ]).mean,
    ).toBe(4.5);
  });
  it('[PSFS-4] carries a code for the panel and the mean', () => {
    expect(PSFS_CODES).toEqual({
      system: 'https://backpack.health/fhir/CodeSystem/instrument',
      panel: 'psfs',
      mean: 'psfs-mean',
    });
  });
  it('[PSFS-1] takes one to five activities rated 0–10', () => {
    expect(() => scorePsfs([])).toThrow();
    expect(() => scorePsfs([{ activity: 'x', rating: 11 }])).toThrow();
  });
});

describe('Örebro short form', () => {
  // Duration, pain, tense, depressed, risk, chance working (rev), stop, not work, light work
  // (rev), sleep (rev).
  it('[ORE-2][ORE-3] reverses items 6, 9 and 10 and sums to 1–100', () => {
    expect(scoreOrebro([1, 0, 0, 0, 0, 10, 0, 0, 10, 10])).toEqual({ total: 1, risk: 'lower' });
    expect(scoreOrebro([10, 10, 10, 10, 10, 0, 10, 10, 0, 0])).toEqual({
      total: 100,
      risk: 'raised',
    });
    // 5 + 6 + 4 + 3 + 5 + (10 − 7) + 6 + 2 + (10 − 8) + (10 − 4) = 42
    expect(scoreOrebro([5, 6, 4, 3, 5, 7, 6, 2, 8, 4]).total).toBe(42);
  });
  it('[ORE-4][ORE-5] 50 or more is raised risk, 49 lower', () => {
    expect(ORE_CUTOFF).toBe(50);
    // 5 + 6 + 4 + 3 + 5 + 3 + 6 + 2 + 2 + 6 = 42, +8 on item 8 → 50
    expect(scoreOrebro([5, 6, 4, 3, 5, 7, 6, 10, 8, 4])).toEqual({ total: 50, risk: 'raised' });
    expect(scoreOrebro([5, 6, 4, 3, 5, 7, 6, 9, 8, 4])).toEqual({ total: 49, risk: 'lower' });
  });
  it('[ORE-1][ORE-3] refuses a duration of 0, values over 10, and missing items', () => {
    expect(() => scoreOrebro([0, 0, 0, 0, 0, 0, 0, 0, 0, 0])).toThrow(/item 1/);
    expect(() => scoreOrebro([1, 11, 0, 0, 0, 0, 0, 0, 0, 0])).toThrow(/item 2/);
    expect(() => scoreOrebro([1, 2, 3, 4, 5, 6, 7, 8, 9, null])).toThrow(/every item/);
    expect(() => scoreOrebro([1, 2, 3])).toThrow(/ten items/);
  });
});
