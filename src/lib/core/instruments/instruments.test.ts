import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { answersProblem, INSTRUMENT, INSTRUMENTS, LOINC } from './definitions';
import { PACK_FORMAT, PackError, parsePack } from './pack';
import { schedule } from './schedule';

const shipped = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../../../static/packs/startback-en.json', import.meta.url)),
    'utf8',
  ),
) as Record<string, unknown>;

describe('instrument definitions', () => {
  it('every instrument and result carries a code', () => {
    for (const id of INSTRUMENTS) {
      const def = INSTRUMENT[id];
      expect(def.panel.code, id).not.toBe('');
      const answers = def.items.map((item) => item.options[0]!);
      expect(def.score(answers).code.code, id).not.toBe('');
      if (def.panel.system === LOINC) expect(def.panel.code).toMatch(/^\d+-\d$/);
    }
  });

  it('[SBT-3][SBT-4] scores STarT Back from stored answers (item 9 as 0–4)', () => {
    const r = INSTRUMENT.startback.score([0, 0, 0, 0, 1, 1, 1, 1, 3]);
    expect(r).toMatchObject({ score: 5, subscale: 5, band: 'high', concern: true });
    expect(r.code).toEqual({ system: LOINC, code: '91351-7' });
    expect(INSTRUMENT.startback.score([1, 0, 0, 0, 0, 0, 0, 0, 2])).toMatchObject({
      score: 1,
      band: 'low',
      concern: false,
    });
  });

  it('[ODI-2] and [NDI-2] keep missing items; [ORE-3] and [SBT-5] need every item', () => {
    expect(INSTRUMENT.odi.score([2, 2, 2, 2, 2, 2, 2, 1, 1, null])).toMatchObject({
      missing: 1,
      unit: '%',
    });
    expect(INSTRUMENT.ndi.score([3, 3, 3, 3, 3, 3, 3, 3, 3, null]).score).toBe(30);
    expect(() => INSTRUMENT.orebro.score([1, 2, 3, 4, 5, 6, 7, 8, 9, null])).toThrow();
    expect(() => INSTRUMENT.startback.score([0, 0, 0, 0, 0, 0, 0, 0, null])).toThrow();
  });

  it('checks answers against the structure', () => {
    expect(answersProblem(INSTRUMENT.odi, [1, 2])).toBe('count');
    expect(answersProblem(INSTRUMENT.odi, [6, 0, 0, 0, 0, 0, 0, 0, 0, 0])).toBe('value');
    expect(answersProblem(INSTRUMENT.odi, Array(10).fill(null))).toBe('incomplete');
    expect(
      answersProblem(INSTRUMENT.odi, [1, null, null, null, null, null, null, null, null, null]),
    ).toBeNull();
    expect(answersProblem(INSTRUMENT.orebro, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0])).toBe('value');
    expect(answersProblem(INSTRUMENT.startback, [0, 0, 0, 0, 0, 0, 0, 0, '1'])).toBe('value');
  });
});

describe('instrument packs', () => {
  it('the shipped STarT Back pack is valid and keeps Keele’s notice', () => {
    const pack = parsePack(shipped);
    expect(pack.items).toHaveLength(9);
    expect(pack.items[8]!.options).toHaveLength(5);
    expect(pack.notice).toMatch(/©2007.*Keele University.*Arthritis Research UK/s);
  });

  it('only STarT Back ships wording; the licensed ones need a pack', () => {
    expect(INSTRUMENTS.filter((id) => INSTRUMENT[id].wordingShipped)).toEqual(['startback']);
  });

  it('refuses malformed packs with a clear reason and no partial result', () => {
    const bad = (change: Record<string, unknown>) => () => parsePack({ ...shipped, ...change });
    expect(() => parsePack('hello')).toThrow(PackError);
    expect(bad({ format: 'other' })).toThrow(/not an instrument pack/);
    expect(bad({ version: 2 })).toThrow(/version 2/);
    expect(bad({ instrument: 'sf36' })).toThrow(/Unknown instrument/);
    expect(bad({ language: 'en US' })).toThrow(/language/);
    expect(bad({ items: (shipped['items'] as unknown[]).slice(1) })).toThrow(/9 items/);
    expect(bad({ notice: '' })).toThrow(/copyright notice/);
    const items = structuredClone(shipped['items']) as Array<{ options: string[] }>;
    items[8]!.options.pop();
    expect(bad({ items })).toThrow(/Item 9 needs 5 answer labels/);
    expect(bad({ title: 'x'.repeat(1001) })).toThrow(/longer than/);
    expect(PACK_FORMAT).toBe(shipped['format']);
  });
});

describe('schedule', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  it('[SCH-1] never answered or past the interval is due; otherwise it says when', () => {
    const last = new Map([
      ['startback', '2026-05-20T12:00:00Z'],
      ['orebro', '2026-01-01T12:00:00Z'],
    ] as const);
    const s = schedule(last, new Set(['back']), now);
    expect(s.find((d) => d.instrument === 'startback')).toEqual({
      instrument: 'startback',
      last: '2026-05-20T12:00:00Z',
      due: false,
      next: '2026-06-17T12:00:00.000Z',
    });
    expect(s.find((d) => d.instrument === 'orebro')?.due).toBe(true);
    expect(s.find((d) => d.instrument === 'odi')).toMatchObject({ due: true, last: null });
  });
  it('[SCH-2] offers ODI for back or leg pain and NDI for neck pain', () => {
    const ids = (regions: string[]) =>
      schedule(new Map(), new Set(regions as never[]), now).map((d) => d.instrument);
    expect(ids(['leg'])).toEqual(['startback', 'orebro', 'odi']);
    expect(ids(['neck'])).toEqual(['orebro', 'ndi']);
    expect(ids([])).toEqual(['orebro']);
    expect(
      schedule(new Map([['ndi', '2026-05-30T00:00:00Z']]), new Set(), now).map((d) => d.instrument),
    ).toEqual(['orebro', 'ndi']);
  });
});
