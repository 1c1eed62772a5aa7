import { describe, expect, it } from 'vitest';
import {
  isCareEvent,
  isMedication,
  isQuestionnaireResponse,
  isMotionTest,
  isPsfsResponse,
  isRedFlags,
  positiveFlags,
  RED_FLAG_ITEMS,
} from './clinical';
import { isTextEntry } from './types';

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

  it('care events, medications and messages for the next visit', () => {
    expect(isCareEvent({ kind: 'visit', label: 'GP' })).toBe(true);
    expect(isCareEvent({ kind: 'party', label: 'GP' })).toBe(false);
    expect(isCareEvent({ kind: 'visit', label: ' ' })).toBe(false);
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
