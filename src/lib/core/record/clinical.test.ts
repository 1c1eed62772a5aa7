import { describe, expect, it } from 'vitest';
import {
  isCareEvent,
  isMedication,
  isQuestionnaireResponse,
  isMotionTest,
  newQuestionnaireResponse,
  readQuestionnaireResponse,
  isPsfsResponse,
  isRedFlags,
  positiveFlags,
  RED_FLAG_ITEMS,
} from './clinical';
import { isTextEntry } from './types';
import { ORE_ITEMS } from '../scores/orebro';

const flags = (yes: string[] = []) => ({
  answers: Object.fromEntries(RED_FLAG_ITEMS.map((k) => [k, yes.includes(k)])),
});

describe('clinical entry guards (data from other devices is outside input)', () => {
  it('accepts only questionnaire answers the instrument can score', () => {
    expect(
      isQuestionnaireResponse({ instrument: 'ndi', answers: [1, 2, 3, 4, 5, 0, 1, 2, 3, null] }),
    ).toBe(true);
    expect(isQuestionnaireResponse({ instrument: 'ndi', answers: [1, 2, 3] })).toBe(false);
    expect(isQuestionnaireResponse({ instrument: 'sf36', answers: [] })).toBe(false);
    expect(isQuestionnaireResponse({ instrument: 'orebro', answers: Array(10).fill(0) })).toBe(
      false,
    );
    expect(isQuestionnaireResponse(null)).toBe(false);
  });

  it('[ORE-7] reads a response in any known version, in today’s item order', () => {
    const oldOrder = { instrument: 'orebro', answers: [8, 7, 0, 6, 7, 5, 6, 0, 2, 0] };
    const published = [8, 7, 2, 0, 0, 6, 7, 5, 6, 0];
    const keyed = Object.fromEntries(ORE_ITEMS.map((item, i) => [item.key, published[i]]));
    const current = { instrument: 'orebro', version: 2, answers: published };
    expect(readQuestionnaireResponse(oldOrder)).toEqual(current);
    expect(readQuestionnaireResponse({ instrument: 'orebro', version: 2, answers: keyed })).toEqual(
      current,
    );
    // Keys in another order in the object change nothing: each answer names its item.
    const reversedKeys = Object.fromEntries(Object.entries(keyed).reverse());
    expect(readQuestionnaireResponse({ ...current, answers: reversedKeys })).toEqual(current);
    expect(readQuestionnaireResponse({ instrument: 'ndi', answers: Array(10).fill(null) })).toEqual(
      { instrument: 'ndi', version: 1, answers: Array(10).fill(null) },
    );
    // Refused: unknown versions, a version-2 array (no keys), missing or extra keys, bad values.
    for (const version of [3, 0, 1.5, '2', null]) {
      expect(readQuestionnaireResponse({ ...oldOrder, version }), String(version)).toBeNull();
    }
    expect(readQuestionnaireResponse(current)).toBeNull();
    const nine: Record<string, unknown> = { ...keyed };
    delete nine['duration'];
    expect(readQuestionnaireResponse({ ...current, answers: nine })).toBeNull();
    expect(readQuestionnaireResponse({ ...current, answers: { ...nine, other: 1 } })).toBeNull();
    expect(
      readQuestionnaireResponse({ ...current, answers: { ...keyed, duration: 0 } }),
    ).toBeNull();
    expect(readQuestionnaireResponse({ instrument: 'ndi', version: 2, answers: {} })).toBeNull();
    expect(readQuestionnaireResponse({ instrument: 'orebro', answers: [1, 2] })).toBeNull();
    expect(
      readQuestionnaireResponse({ instrument: 'orebro', answers: Array(10).fill(11) }),
    ).toBeNull();
  });

  it('[ORE-7] writes only today’s version, stamped and keyed by item', () => {
    const published = [8, 7, 2, 0, 0, 6, 7, 5, 6, 0];
    // Without a version an ÖMPSQ-10 response is in the old order: not what this app writes.
    expect(isQuestionnaireResponse({ instrument: 'orebro', answers: published })).toBe(false);
    expect(isQuestionnaireResponse({ instrument: 'orebro', version: 2, answers: published })).toBe(
      true,
    );
    const stored = newQuestionnaireResponse({
      instrument: 'orebro',
      version: 2,
      answers: published,
    });
    expect(stored).toMatchObject({
      instrument: 'orebro',
      version: 2,
      answers: { duration: 8, 'light-work-hour': 2, 'chance-working': 5, 'not-work-with-pain': 0 },
    });
    expect(readQuestionnaireResponse(stored)?.answers).toEqual(published);
    expect(newQuestionnaireResponse({ instrument: 'ndi', answers: Array(10).fill(1) })).toEqual({
      instrument: 'ndi',
      answers: Array(10).fill(1),
    });
    expect(
      newQuestionnaireResponse({ instrument: 'orebro', version: 1, answers: published }),
    ).toBeNull();
  });

  it('care events, medications and messages for the next visit', () => {
    expect(isCareEvent({ kind: 'visit', label: 'GP' })).toBe(true);
    expect(isCareEvent({ kind: 'party', label: 'GP' })).toBe(false);
    expect(isCareEvent({ kind: 'visit', label: ' ' })).toBe(false);
    // Entered by its date alone: a real calendar day, never a time of day.
    expect(isCareEvent({ kind: 'visit', label: 'GP', date: '2026-06-05' })).toBe(true);
    expect(isCareEvent({ kind: 'visit', label: 'GP', date: '2026-02-31' })).toBe(false);
    expect(isCareEvent({ kind: 'visit', label: 'GP', date: '2026-06-05T11:00' })).toBe(false);
    expect(isMedication({ name: 'Ibuprofen', dose: '400 mg', stopped: '2026-03-02' })).toBe(true);
    expect(isMedication({ name: 'Ibuprofen', stopped: 'March' })).toBe(false);
    expect(isMedication({ name: 'x'.repeat(201) })).toBe(false);
    expect(isTextEntry({ text: 'Can I run?', forVisit: true })).toBe(true);
    expect(isTextEntry({ text: 'Can I run?', forVisit: 'yes' })).toBe(false);
  });

  it('[RF-1] red flags need every answer, and list the ones answered yes', () => {
    expect(isRedFlags(flags())).toBe(true);
    expect(isRedFlags({ answers: { fever: true } })).toBe(false);
    expect(isRedFlags({ answers: { ...flags().answers, extra: true } })).toBe(false);
    expect(positiveFlags(flags(['fever', 'bladder-bowel']) as never)).toEqual([
      'bladder-bowel',
      'fever',
    ]);
  });

  it('[PSFS-1] one to five named activities rated 0–10', () => {
    expect(isPsfsResponse({ activities: [{ activity: 'Driving', rating: 6 }] })).toBe(true);
    expect(isPsfsResponse({ activities: [] })).toBe(false);
    expect(isPsfsResponse({ activities: [{ activity: ' ', rating: 6 }] })).toBe(false);
    expect(isPsfsResponse({ activities: [{ activity: 'Driving', rating: 10.5 }] })).toBe(false);
    const six = Array.from({ length: 6 }, (_, i) => ({ activity: `a${i}`, rating: 1 }));
    expect(isPsfsResponse({ activities: six })).toBe(false);
  });

  it('[MOT-4] motion tests: known planes, angles 0–180, SPARC ≤ 0', () => {
    const ok = {
      test: 'neck',
      source: 'sensor',
      planes: { rotation: { a: 70, b: 65, sparc: -1.6 } },
    };
    expect(isMotionTest(ok)).toBe(true);
    expect(isMotionTest({ ...ok, planes: {} })).toBe(false);
    expect(isMotionTest({ ...ok, planes: { twist: { a: 1, b: 1 } } })).toBe(false);
    expect(isMotionTest({ ...ok, planes: { rotation: { a: 190, b: 1 } } })).toBe(false);
    expect(isMotionTest({ ...ok, planes: { rotation: { a: 10, b: 1, sparc: 2 } } })).toBe(false);
    expect(isMotionTest({ ...ok, source: 'guess' })).toBe(false);
    expect(isMotionTest({ ...ok, test: 'back' })).toBe(true);
    expect(isMotionTest({ ...ok, test: 'knee' })).toBe(false);
  });
});
