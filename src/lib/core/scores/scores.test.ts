import { describe, expect, it } from 'vitest';
import { nrsChange } from './nrs';
import { scoreStartBack, type SbtAnswers } from './startback';
import { roundOneDecimal, scoreOdi } from './oswestry';
import { scoreNdi } from './ndi';
import { PSFS_CODES, scorePsfs } from './psfs';
import { ORE_CUTOFF, ORE_ITEMS, orebroFromV1, scoreOrebro } from './orebro';

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
  // The published order (Linton 2011): 1 duration, 2 pain, 3 light work (rev), 4 sleep (rev),
  // 5 tense, 6 depressed, 7 risk of persisting, 8 chance of working (rev), 9 pain-stop, 10 not work.
  it('[ORE-1][ORE-2] follows the published item order and reverses items 3, 4 and 8', () => {
    expect(ORE_ITEMS.map((i) => i.key)).toEqual([
      'duration',
      'pain-past-week',
      'light-work-hour',
      'sleep-at-night',
      'tense-anxious',
      'depressed',
      'risk-persistent',
      'chance-working',
      'pain-stop',
      'not-work-with-pain',
    ]);
    expect(ORE_ITEMS.flatMap((item, i) => (item.reversed ? [i + 1] : []))).toEqual([3, 4, 8]);
    expect([ORE_ITEMS[0].min, ORE_ITEMS[0].max]).toEqual([1, 10]);
  });
  it('[ORE-3] totals 1 and 100 at the extremes', () => {
    expect(scoreOrebro([1, 0, 10, 10, 0, 0, 0, 10, 0, 0])).toEqual({ total: 1, risk: 'lower' });
    expect(scoreOrebro([10, 10, 0, 0, 10, 10, 10, 0, 10, 10])).toEqual({
      total: 100,
      risk: 'raised',
    });
  });
  it('[ORE-2][ORE-3] the research notes’ worked example in form order totals 47', () => {
    // duration 6–8 weeks → 5; pain 6; light work 4 → 6; sleep 7 → 3; tense 5; depressed 3;
    // risk 6; chance of working 8 → 2; pain-stop 7; not work 4.
    expect(scoreOrebro([5, 6, 4, 7, 5, 3, 6, 8, 7, 4])).toEqual({ total: 47, risk: 'lower' });
  });
  it('[ORE-4][ORE-5] 50 or more is raised risk, 49 lower', () => {
    expect(ORE_CUTOFF).toBe(50);
    expect(scoreOrebro([5, 6, 4, 7, 5, 3, 6, 8, 7, 6])).toEqual({ total: 49, risk: 'lower' });
    expect(scoreOrebro([5, 6, 4, 7, 5, 3, 6, 8, 7, 7])).toEqual({ total: 50, risk: 'raised' });
  });
  it('[ORE-2] the issue’s forms: 57 (raised) and 1 (lower), not 47 and 61', () => {
    expect(scoreOrebro([8, 7, 2, 0, 0, 6, 7, 5, 6, 0])).toEqual({ total: 57, risk: 'raised' });
    expect(scoreOrebro([1, 0, 10, 10, 0, 0, 0, 10, 0, 0]).total).toBe(1);
  });
  it('[ORE-7] answers stored in the old order are put into the published order', () => {
    // Old order: duration, pain, tense, depressed, risk, chance, stop, not work, light, sleep.
    const old = [8, 7, 0, 6, 7, 5, 6, 0, 2, 0];
    expect(orebroFromV1(old)).toEqual([8, 7, 2, 0, 0, 6, 7, 5, 6, 0]);
    expect(scoreOrebro(orebroFromV1(old)).total).toBe(57);
    expect(() => orebroFromV1([1, 2, 3])).toThrow(/ten items/);
  });
  it('[ORE-1][ORE-3] refuses a duration of 0, values over 10, and missing items', () => {
    expect(() => scoreOrebro([0, 0, 0, 0, 0, 0, 0, 0, 0, 0])).toThrow(/item 1/);
    expect(() => scoreOrebro([1, 11, 0, 0, 0, 0, 0, 0, 0, 0])).toThrow(/item 2/);
    expect(() => scoreOrebro([1, 2, 3, 4, 5, 6, 7, 8, 9, null])).toThrow(/every item/);
    expect(() => scoreOrebro([1, 2, 3])).toThrow(/ten items/);
  });
});
