import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nrsChange } from '../scores/nrs';
import { roundOneDecimal } from '../scores/oswestry';
import { scorePsfs } from '../scores/psfs';
import { assess, INSTRUMENT, INSTRUMENTS } from './definitions';
import { PackError, parsePack } from './pack';

/**
 * Every instrument checked against its published form, through the definitions the app scores
 * with: vectors are given in the form's own item order and numbering (SPEC SBT, ORE, ODI, NDI,
 * PSFS, NRS).
 */

const shipped = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../../../static/packs/startback-en.json', import.meta.url)),
    'utf8',
  ),
) as Record<string, unknown>;

/** A made-up pack for an instrument's structure (test wording, never the licensed text). */
function testPack(id: (typeof INSTRUMENTS)[number]) {
  const def = INSTRUMENT[id];
  return {
    format: 'backpack-instrument-pack',
    version: 1,
    instrument: id,
    instrumentVersion: def.version,
    language: 'en',
    title: 'Test form',
    instructions: 'Test instructions.',
    notice: 'Test notice: not the licensed wording.',
    items: def.items.map((item, i) => ({
      key: item.key,
      text: `Test question ${i + 1}`,
      options: item.options.map((o) => `A${o}`),
    })),
  };
}

describe('STarT Back in the form’s order (Hill 2008; Keele scoring)', () => {
  // 1 leg pain, 2 shoulder/neck, 3 walking, 4 dressing, 5 not safe, 6 worry, 7 never better,
  // 8 no enjoyment: disagree 0 / agree 1; 9 bothersome: not at all 0 … extremely 4.
  const sbt = INSTRUMENT.startback;
  it('[SBT-1][SBT-2] nine items: eight agree/disagree, then five bother answers', () => {
    expect(sbt.items.map((i) => i.options.length)).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 5]);
    expect(sbt.items.map((i) => i.key)).toEqual(
      (shipped['items'] as { key: string }[]).map((i) => i.key),
    );
  });
  it('[SBT-3][SBT-4] extremes: all disagree, not at all → 0/0 low; all agree, extremely → 9/5 high', () => {
    expect(sbt.score([0, 0, 0, 0, 0, 0, 0, 0, 0])).toMatchObject({
      score: 0,
      subscale: 0,
      band: 'low',
    });
    expect(sbt.score([1, 1, 1, 1, 1, 1, 1, 1, 4])).toMatchObject({
      score: 9,
      subscale: 5,
      band: 'high',
    });
  });
  it('[SBT-2][SBT-4] bother “moderately” scores 0, “very much” 1: total 4 with subscale 3 is medium', () => {
    expect(sbt.score([1, 0, 0, 0, 1, 1, 1, 0, 2])).toMatchObject({
      score: 4,
      subscale: 3,
      band: 'medium',
    });
    expect(sbt.score([0, 0, 0, 0, 1, 1, 1, 0, 3])).toMatchObject({
      score: 4,
      subscale: 4,
      band: 'high',
    });
    expect(sbt.score([1, 1, 1, 0, 0, 0, 0, 0, 3])).toMatchObject({
      score: 4,
      subscale: 1,
      band: 'medium',
    });
    expect(sbt.score([1, 1, 1, 0, 0, 0, 0, 0, 2])).toMatchObject({ score: 3, band: 'low' });
  });
  it('[SBT-5] one blank item: not scored, 1 missing of at most 0', () => {
    expect(assess(sbt, [1, 1, 1, 1, 1, 1, 1, 1, null])).toEqual({
      instrument: 'startback',
      scored: false,
      missing: 1,
      maxMissing: 0,
    });
  });
});

describe('ÖMPSQ-10 in the form’s order (Linton, Nicholas & MacDonald 2011)', () => {
  const ore = INSTRUMENT.orebro;
  it('[ORE-1] duration takes 1–10, items 2–10 take 0–10', () => {
    expect(ore.items.map((i) => [i.options[0], i.options.at(-1)])).toEqual([
      [1, 10],
      ...Array.from({ length: 9 }, () => [0, 10]),
    ]);
  });
  it('[ORE-3][ORE-4] totals 1 and 100; 49 is lower risk and 50 raised', () => {
    expect(ore.score([1, 0, 10, 10, 0, 0, 0, 10, 0, 0])).toMatchObject({ score: 1, band: 'lower' });
    expect(ore.score([10, 10, 0, 0, 10, 10, 10, 0, 10, 10])).toMatchObject({
      score: 100,
      band: 'raised',
      concern: true,
    });
    expect(ore.score([5, 6, 4, 7, 5, 3, 6, 8, 7, 6])).toMatchObject({ score: 49, band: 'lower' });
    expect(ore.score([5, 6, 4, 7, 5, 3, 6, 8, 7, 7])).toMatchObject({ score: 50, band: 'raised' });
  });
  it('[ORE-3] a blank item: not scored, 1 missing of at most 0', () => {
    expect(assess(ore, [5, 6, 4, 7, 5, 3, 6, 8, 7, null])).toMatchObject({
      scored: false,
      missing: 1,
      maxMissing: 0,
    });
  });
});

describe('ODI 2.1a (Fairbank & Pynsent 2000)', () => {
  const odi = INSTRUMENT.odi;
  it('[ODI-1] ten sections of six statements, scored 0–5', () => {
    expect(odi.items.map((i) => i.options)).toEqual(Array(10).fill([0, 1, 2, 3, 4, 5]));
  });
  it('[ODI-2] extremes 0 % and 100 %; sum 16 of 10 is 32 %', () => {
    expect(odi.score(Array(10).fill(0)).score).toBe(0);
    expect(odi.score(Array(10).fill(5))).toMatchObject({ score: 100, band: 'bed-bound' });
    expect(odi.score([2, 2, 2, 2, 2, 2, 1, 1, 1, 1]).score).toBe(32);
  });
  it('[ODI-2][ODI-3] one section blank: 16/45 = 35.56 %, shown 35.6; 1/40 = 2.5 % stays 2.5', () => {
    const r = odi.score([2, 2, 2, 2, 2, 2, 2, 1, 1, null]);
    expect(r.score).toBeCloseTo(35.5556, 4);
    expect(roundOneDecimal(r.score)).toBe(35.6);
    expect(r.missing).toBe(1);
    expect(roundOneDecimal(odi.score([1, 0, 0, 0, 0, 0, 0, 0, null, null]).score)).toBe(2.5);
    expect(roundOneDecimal(0.25)).toBe(0.3); // half away from zero
  });
  it('[ODI-4] band edges: 20 % minimal, 22 % moderate, 40/60/80 % stay in the lower band', () => {
    const band = (sum: number) => {
      const a = Array<number>(10).fill(0);
      for (let i = 0; i < sum; i++) a[i % 10]! += 1;
      return odi.score(a).band;
    };
    expect([
      band(10),
      band(11),
      band(20),
      band(21),
      band(30),
      band(31),
      band(40),
      band(41),
    ]).toEqual([
      'minimal',
      'moderate',
      'moderate',
      'severe',
      'severe',
      'crippled',
      'crippled',
      'bed-bound',
    ]);
  });
  it('[ODI-2] every section blank: not scored, 10 missing of at most 9', () => {
    expect(assess(odi, Array(10).fill(null))).toEqual({
      instrument: 'odi',
      scored: false,
      missing: 10,
      maxMissing: 9,
    });
  });
});

describe('NDI (Vernon & Mior 1991)', () => {
  const ndi = INSTRUMENT.ndi;
  it('[NDI-1] ten items scored 0–5; extremes raw 0 and 50 (0 % and 100 %)', () => {
    expect(ndi.items.map((i) => i.options.length)).toEqual(Array(10).fill(6));
    expect(ndi.score(Array(10).fill(0))).toMatchObject({ score: 0, band: 'none' });
    expect(ndi.score(Array(10).fill(5))).toMatchObject({ score: 50, band: 'complete' });
  });
  it('[NDI-3] band edges on the raw score: 4/5, 14/15, 24/25, 34/35', () => {
    const raw = (sum: number) => {
      const a = Array<number>(10).fill(0);
      for (let i = 0; i < sum; i++) a[i % 10]! += 1;
      return ndi.score(a).band;
    };
    expect([4, 5, 14, 15, 24, 25, 34, 35].map(raw)).toEqual([
      'none',
      'mild',
      'mild',
      'moderate',
      'moderate',
      'severe',
      'severe',
      'complete',
    ]);
  });
  it('[NDI-2] two blanks take the mean of the eight answered: 20 × 10 / 8 = 25 (severe)', () => {
    expect(ndi.score([3, 3, 3, 3, 2, 2, 2, 2, null, null])).toMatchObject({
      score: 25,
      missing: 2,
      band: 'severe',
    });
  });
  it('[NDI-2] every item blank: not scored, 10 missing of at most 9', () => {
    expect(assess(ndi, Array(10).fill(null))).toMatchObject({
      scored: false,
      missing: 10,
      maxMissing: 9,
    });
  });
});

describe('PSFS (Stratford 1995) and NRS', () => {
  it('[PSFS-1][PSFS-2] extremes 0 and 10; the mean of three is exact (shown to one decimal)', () => {
    expect(scorePsfs([{ activity: 'a', rating: 0 }]).mean).toBe(0);
    expect(scorePsfs([{ activity: 'a', rating: 10 }]).mean).toBe(10);
    const r = scorePsfs([
      { activity: 'a', rating: 3 },
      { activity: 'b', rating: 4 },
      { activity: 'c', rating: 4 },
    ]);
    expect(roundOneDecimal(r.mean)).toBe(3.7);
  });
  it('[NRS-1][NRS-3] 0 and 10 are the ends; 10 → 0 is meaningful, 0 cannot improve', () => {
    expect(nrsChange(10, 0)).toMatchObject({ improvement: 10, meaningfulImprovement: true });
    expect(nrsChange(0, 0).meaningfulImprovement).toBe(false);
    expect(() => nrsChange(-1, 0)).toThrow();
  });
});

describe('[PACK-1] a wording pack is checked against its instrument', () => {
  it('accepts a pack that matches every instrument’s definition', () => {
    for (const id of INSTRUMENTS)
      expect(parsePack(testPack(id)).items).toHaveLength(INSTRUMENT[id].items.length);
    expect(parsePack(shipped).instrumentVersion).toBe(1);
  });
  it('refuses an ÖMPSQ-10 pack with its items in another order (the old order)', () => {
    const pack = testPack('orebro');
    const byKey = new Map(pack.items.map((i) => [i.key, i]));
    const oldOrder = [
      'duration',
      'pain-past-week',
      'tense-anxious',
      'depressed',
      'risk-persistent',
      'chance-working',
      'pain-stop',
      'not-work-with-pain',
      'light-work-hour',
      'sleep-at-night',
    ].map((k) => byKey.get(k)!);
    expect(() => parsePack({ ...pack, items: oldOrder })).toThrow(PackError);
    expect(() => parsePack({ ...pack, items: oldOrder })).toThrow(
      /Item 3 of the pack is “tense-anxious”, but item 3 of ÖMPSQ-10 is “light-work-hour”/,
    );
  });
  it('refuses a pack with a different item count, or without item keys', () => {
    const pack = testPack('orebro');
    expect(() => parsePack({ ...pack, items: pack.items.slice(0, 9) })).toThrow(
      /10 items; the pack does not/,
    );
    expect(() => parsePack({ ...pack, items: [...pack.items, pack.items[0]] })).toThrow(/10 items/);
    const noKeys = pack.items.map(({ text, options }) => ({ text, options }));
    expect(() => parsePack({ ...pack, items: noKeys })).toThrow(
      /Item 1 of the pack does not say which item it is \(its “key” should be “duration”\)/,
    );
  });
  it('refuses a pack made for another version of the instrument', () => {
    const unversioned: Partial<ReturnType<typeof testPack>> = testPack('orebro');
    delete unversioned.instrumentVersion;
    expect(() => parsePack(unversioned)).toThrow(
      /made for version 1 of ÖMPSQ-10; this app uses version 2/,
    );
    expect(() => parsePack({ ...testPack('ndi'), instrumentVersion: 2 })).toThrow(
      /version 2 of NDI/,
    );
  });
  it('refuses a pack whose item has the wrong number of answer labels', () => {
    const pack = testPack('orebro');
    const items = structuredClone(pack.items);
    items[0]!.options.push('A11'); // duration has ten categories, not eleven
    expect(() => parsePack({ ...pack, items })).toThrow(/Item 1 needs 10 answer labels/);
  });
});
