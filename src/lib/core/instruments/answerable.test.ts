import { describe, expect, it } from 'vitest';
import { schedule } from './schedule';
import { splitDue } from './answerable';

describe('[SCH-3] due means answerable', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  const items = schedule(
    new Map([['startback', '2026-11-25T12:00:00Z']]),
    new Set(['back', 'neck'] as const),
    now,
  );

  it('counts as due only what this device has the wording for', () => {
    const split = splitDue(items, new Set(['startback']));
    expect(split.due).toEqual([]);
    expect(split.later.map((d) => d.instrument)).toEqual(['startback']);
    expect(split.clinic.map((d) => d.instrument).sort()).toEqual(['ndi', 'odi', 'orebro']);
  });

  it('an installed pack makes its questionnaire due again', () => {
    const split = splitDue(items, new Set(['startback', 'odi']));
    expect(split.due.map((d) => d.instrument)).toEqual(['odi']);
    expect(split.clinic.map((d) => d.instrument).sort()).toEqual(['ndi', 'orebro']);
  });
});
