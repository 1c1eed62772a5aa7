import { describe, expect, it } from 'vitest';
import {
  importedPainSeries,
  mcidBand,
  painInsight,
  painRegions,
  painSeries,
  questionnaireSchedule,
  scoredResponses,
  scoreInsight,
} from './insights';
import type { Entry } from './record/entries';
import type { EntryId } from './ids';

let n = 0;
const entry = (type: string, at: string, data: unknown): Entry => ({
  id: `id${n++}` as EntryId,
  type,
  at,
  author: { deviceId: 'aa', role: 'owner' },
  data,
  v: 1,
});
const pain = (at: string, scores: Record<string, number>) => entry('pain-checkin', at, { scores });
const odi = (at: string, answers: Array<number | null>) =>
  entry('questionnaire', at, { instrument: 'odi', answers });

describe('insights', () => {
  const entries = [
    pain('2026-03-10T08:00:00Z', { back: 5 }),
    pain('2026-03-02T08:00:00Z', { back: 7, neck: 2 }),
    pain('2026-03-20T08:00:00Z', { back: 4 }),
    entry('pain-checkin', '2026-03-21T08:00:00Z', { scores: { back: 12 } }), // invalid: skipped
  ];

  it('[SCH-2] knows which regions were ever rated', () => {
    expect([...painRegions(entries)].sort()).toEqual(['back', 'neck']);
  });

  it('[SCH-1][SCH-2] schedules from the record: rated regions and last answers', () => {
    const withOdi = [...entries, odi('2026-03-10T08:00:00Z', [1, 1, 1, 1, 1, 1, 1, 1, 1, 1])];
    const due = questionnaireSchedule(withOdi, new Date('2026-03-20T08:00:00Z'));
    expect(due.map((d) => [d.instrument, d.due])).toEqual([
      ['startback', true],
      ['orebro', true],
      ['odi', false],
      ['ndi', true],
    ]);
  });

  it('builds a series per region, oldest first, skipping invalid entries', () => {
    expect(painSeries(entries, 'back').map((p) => p.value)).toEqual([7, 5, 4]);
    expect(painSeries(entries, 'neck').map((p) => p.value)).toEqual([2]);
  });

  it('keeps ratings imported from elsewhere out of the own series, and lists them with their source (issue 13)', () => {
    const source = { from: 'Fysio Nord', date: '2026-03-15', key: 'k1' };
    const withImported = [
      ...entries,
      entry('pain-checkin', '2026-03-15T10:00:00Z', { scores: { back: 9 }, source }),
    ];
    expect(painSeries(withImported, 'back').map((p) => p.value)).toEqual([7, 5, 4]);
    expect(painInsight(painSeries(withImported, 'back'))).toEqual(
      painInsight(painSeries(entries, 'back')),
    );
    expect(
      importedPainSeries(withImported, 'back').map((p) => [p.at, p.value, p.source.from]),
    ).toEqual([['2026-03-15T10:00:00Z', 9, 'Fysio Nord']]);
    expect(importedPainSeries(withImported, 'neck')).toEqual([]);
  });

  it('[INS-1][NRS-3] back pain dropped 3 points since 2 March: meaningful', () => {
    expect(painInsight(painSeries(entries, 'back'))).toEqual({
      from: 7,
      to: 4,
      since: '2026-03-02T08:00:00Z',
      improvement: 3,
      direction: 'better',
      meaningful: true,
    });
  });

  it('[INS-1] one point of eight is not meaningful; one rating or one day gives nothing', () => {
    const s = painSeries(
      [pain('2026-03-01T08:00:00Z', { leg: 8 }), pain('2026-03-05T08:00:00Z', { leg: 7 })],
      'leg',
    );
    expect(painInsight(s)).toMatchObject({ direction: 'better', meaningful: false });
    expect(painInsight(s.slice(0, 1))).toBeNull();
    const sameDay = painSeries(
      [pain('2026-03-01T08:00:00Z', { leg: 8 }), pain('2026-03-01T18:00:00Z', { leg: 2 })],
      'leg',
    );
    expect(painInsight(sameDay)).toBeNull();
  });

  it('[INS-2][ODI-5] ODI from 42 % to 30 % is a meaningful improvement', () => {
    const r = scoredResponses([
      odi('2026-04-01T08:00:00Z', [3, 2, 2, 2, 2, 2, 2, 2, 2, 2]), // 21/50 = 42 %
      odi('2026-05-01T08:00:00Z', [2, 2, 2, 1, 1, 1, 2, 2, 1, 1]), // 15/50 = 30 %
      entry('questionnaire', '2026-05-02T08:00:00Z', { instrument: 'odi', answers: [9] }),
    ]);
    expect(r).toHaveLength(2);
    expect(scoreInsight(r)).toMatchObject({ from: 42, to: 30, improvement: 12, meaningful: true });
  });
});

describe('MCID bands', () => {
  it('[INS-3][NRS-3] pain: 30 % below a low baseline, 2 points otherwise', () => {
    expect(mcidBand('nrs', 8)).toEqual({ low: 6, high: 10 });
    expect(mcidBand('nrs', 3)).toEqual({ low: 2.1, high: 5 });
    expect(mcidBand('nrs', 0)).toEqual({ low: 0, high: 2 });
  });
  it('[INS-3][ODI-5][NDI-4] ODI ±10, NDI ±7.5, clamped', () => {
    expect(mcidBand('odi', 42)).toEqual({ low: 32, high: 52 });
    expect(mcidBand('odi', 95)).toEqual({ low: 85, high: 100 });
    expect(mcidBand('ndi', 5)).toEqual({ low: 0, high: 12.5 });
  });
});
