import { describe, expect, it } from 'vitest';
import { INSTRUMENT } from '../instruments/definitions';
import { prng } from '../prng';
import { ORE_ITEMS } from '../scores/orebro';
import { MODEL_CARDS, OREBRO_MODEL, PICKUP_MODEL, STARTBACK_MODEL } from './cards';
import { evaluate, whatIf } from './evaluate';

describe('model cards', () => {
  it('[MOD-1] every card names its source, population, outcome, validation, use and limits', () => {
    for (const card of MODEL_CARDS) {
      for (const field of [card.source, card.population, card.outcome, card.intendedUse]) {
        expect(field.length, card.id).toBeGreaterThan(10);
      }
      expect(card.validation.length, card.id).toBeGreaterThan(0);
      for (const f of card.validation) expect(f.source, `${card.id}: ${f.what}`).not.toBe('');
      expect(card.limits.length, card.id).toBeGreaterThan(0);
    }
  });

  it('[MOD-4] PICKUP is withheld until its coefficients are verified, and says why', () => {
    expect(PICKUP_MODEL.kind).toBe('withheld');
    expect(PICKUP_MODEL.reason).toMatch(/not verified/);
    expect(JSON.stringify(PICKUP_MODEL)).not.toMatch(/coefficients":/);
  });
});

describe('points models agree with the instruments’ published scoring', () => {
  it('[MOD-2] on random answers, STarT Back and ÖMPSQ-10 give the instrument’s group', () => {
    const rand = prng(11);
    for (let n = 0; n < 500; n++) {
      for (const card of [STARTBACK_MODEL, OREBRO_MODEL]) {
        const def = INSTRUMENT[card.instrument];
        const answers = def.items.map(
          (item) => item.options[Math.floor(rand() * item.options.length)]!,
        );
        const model = evaluate(card, answers);
        const published = def.score(answers);
        expect(model.score).toBe(published.score);
        expect(model.group).toBe(published.band);
        if (card.instrument === 'startback') expect(model.subscale).toBe(published.subscale);
      }
    }
  });
});

describe('the ÖMPSQ-10 card follows the form', () => {
  it('[MOD-2][ORE-1] names the items in the published order', () => {
    const construct: Record<string, string> = {
      duration: 'duration',
      'pain-past-week': 'pain',
      'light-work-hour': 'function-light-work',
      'sleep-at-night': 'function-sleep',
      'tense-anxious': 'anxiety',
      depressed: 'depression',
      'risk-persistent': 'perceived-risk',
      'chance-working': 'work-expectancy',
      'pain-stop': 'fear-avoidance',
      'not-work-with-pain': 'fear-avoidance-work',
    };
    expect(OREBRO_MODEL.items.map((i) => i.construct)).toEqual(
      ORE_ITEMS.map((i) => construct[i.key]),
    );
    expect(OREBRO_MODEL.items.map((i) => i.item)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('what if', () => {
  // Leg pain, neck pain, walking, dressing agree; fear, worry, catastrophising, mood agree;
  // bothered very much: total 9, subscale 5 → high.
  const high = [1, 1, 1, 1, 1, 1, 1, 1, 3];

  it('[MOD-3] less worry and fear moves STarT Back from high to medium', () => {
    const r = whatIf(
      STARTBACK_MODEL,
      high,
      new Map([
        [4, 0],
        [5, 0],
      ]),
    );
    expect(r.before).toEqual({ score: 9, group: 'high', subscale: 5 });
    expect(r.after).toEqual({ score: 7, group: 'medium', subscale: 3 });
  });

  it('[MOD-3] refuses to change what care cannot change', () => {
    expect(() => whatIf(STARTBACK_MODEL, high, new Map([[0, 0]]))).toThrow(/not modifiable/);
  });

  it('[MOD-3] ÖMPSQ-10: sleeping better lowers the score (item 4 is reversed)', () => {
    // Published order (SPEC ORE-1): item 4 (index 3) is "I can sleep at night".
    const answers = [8, 6, 4, 2, 5, 5, 6, 3, 7, 6];
    const r = whatIf(OREBRO_MODEL, answers, new Map([[3, 8]]));
    expect(r.after.score).toBe(r.before.score - 6);
  });
});
