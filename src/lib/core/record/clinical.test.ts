import { describe, expect, it } from 'vitest';
import {
  isCareEvent,
  isMedication,
  isQuestionnaireResponse,
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
});
