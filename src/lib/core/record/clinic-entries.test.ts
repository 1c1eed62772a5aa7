import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed } from '../crypto/index';
import type { Role } from '../sync/protocol';
import { listEntries, newEntryId, putEntry, type Entry, type EntryAuthor } from './entries';
import { isValidEntry } from './registry';
import { validateRecordUpdate } from './validate';
import { copyDoc } from './testing';
import {
  abnormalItems,
  enteredWithPatient,
  isGoniometry,
  isNeuroScreen,
  isTreatmentSession,
} from './clinic-entries';
import { isClinicEntry, romColumns, romRows } from './clinic-read';

/**
 * The professional clinical entries (issue 12 item 6) and the rules where a grantee's update is
 * accepted: THREAT_MODEL rule 29 (bounded author fields) and rule 30 (a professional's
 * questionnaire says it was entered with the patient; only professionals write clinic types).
 */

const patient = deviceKeysFromSeed(newSeed()).deviceId;
const physio = { hex: deviceKeysFromSeed(newSeed()).deviceId, role: 'professional' as Role };
const sister = { hex: deviceKeysFromSeed(newSeed()).deviceId, role: 'delegate' as Role };

const ROM = { region: 'lumbar', degrees: { flexion: 60, extension: 20 } } as const;
const ODI = { instrument: 'odi', answers: [2, 1, 1, 2, 1, 0, 1, 0, 1, 1] } as const;

function entryOf(
  type: string,
  data: unknown,
  by: { hex: string; role: Role },
  author: Partial<EntryAuthor> = {},
  at = '2026-03-01T10:00:00.000Z',
): Entry {
  return {
    id: newEntryId(by.hex),
    type,
    at,
    author: { deviceId: by.hex, role: by.role, ...author },
    data,
    v: 1,
  };
}

function record(): Y.Doc {
  const doc = new Y.Doc();
  putEntry(doc, entryOf('note', { text: 'Patient note' }, { hex: patient, role: 'owner' }));
  return doc;
}

function adding(doc: Y.Doc, e: Entry): Uint8Array {
  const writer = copyDoc(doc);
  const before = Y.encodeStateVector(writer);
  putEntry(writer, e);
  return Y.encodeStateAsUpdate(writer, before);
}

/** Judges `e` from `by` on the patient's record and checks the record is unchanged. */
function verdict(e: Entry, by: { hex: string; role: Role }): string | null {
  const doc = record();
  const before = Y.encodeStateAsUpdate(doc);
  const problem = validateRecordUpdate(adding(doc, e), doc, by);
  expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
  return problem;
}

describe('clinic entry guards', () => {
  it('accept well-formed measurements, sessions and screens', () => {
    expect(isGoniometry(ROM)).toBe(true);
    expect(isGoniometry({ region: 'cervical', degrees: { 'rotation-right': 110 } })).toBe(true);
    expect(isTreatmentSession({ components: ['taping'], minutes: 240, text: 'Kinesio' })).toBe(
      true,
    );
    expect(
      isNeuroScreen({ items: { 'slr-right': { result: 'normal', angle: 90 } }, text: 'Fine' }),
    ).toBe(true);
  });

  it('refuse implausible degrees per region and movement, not one shared limit', () => {
    expect(isGoniometry({ region: 'cervical', degrees: { flexion: 90 } })).toBe(true);
    expect(isGoniometry({ region: 'cervical', degrees: { flexion: 91 } })).toBe(false);
    expect(isGoniometry({ region: 'lumbar', degrees: { flexion: 120 } })).toBe(true);
    expect(isGoniometry({ region: 'lumbar', degrees: { 'rotation-left': 61 } })).toBe(false);
    expect(isGoniometry({ region: 'lumbar', degrees: { flexion: Number.POSITIVE_INFINITY } })).toBe(
      false,
    );
  });

  it('abnormal items come in list order; the flag reads only as true', () => {
    expect(
      abnormalItems({
        items: {
          'slr-left': { result: 'abnormal', angle: 35 },
          reflexes: { result: 'abnormal' },
          power: { result: 'normal' },
        },
      }),
    ).toEqual(['reflexes', 'slr-left']);
    expect(enteredWithPatient({ ...ODI, enteredWithPatient: true })).toBe(true);
    expect(enteredWithPatient({ ...ODI, enteredWithPatient: 'true' })).toBe(false);
    expect(enteredWithPatient(null)).toBe(false);
  });
});

describe('where a grantee’s clinic entry is accepted (validate.ts)', () => {
  it('a professional records range of motion, a session and a screen', () => {
    expect(verdict(entryOf('goniometry', ROM, physio), physio)).toBeNull();
    expect(
      verdict(
        entryOf('treatment-session', { components: ['education'], minutes: 30 }, physio),
        physio,
      ),
    ).toBeNull();
    expect(
      verdict(entryOf('neuro-screen', { items: { power: { result: 'normal' } } }, physio), physio),
    ).toBeNull();
  });

  it('refuses a delegate writing range of motion (rule 30)', () => {
    expect(verdict(entryOf('goniometry', ROM, sister), sister)).toMatch(
      /a delegate may not write entries of type goniometry/,
    );
    expect(
      verdict(entryOf('neuro-screen', { items: { power: { result: 'normal' } } }, sister), sister),
    ).toMatch(/may not write/);
  });

  it('refuses a professional’s questionnaire that does not say it was entered with the patient', () => {
    expect(verdict(entryOf('questionnaire', ODI, physio), physio)).toMatch(/only with the patient/);
    expect(
      verdict(entryOf('questionnaire', { ...ODI, enteredWithPatient: 'yes' }, physio), physio),
    ).toMatch(/malformed questionnaire/);
    expect(
      verdict(entryOf('questionnaire', { ...ODI, enteredWithPatient: true }, physio), physio),
    ).toBeNull();
    // The patient's relative answers as the patient would: no flag needed.
    expect(verdict(entryOf('questionnaire', ODI, sister), sister)).toBeNull();
  });

  it('refuses forged author fields over their bounds (rule 29)', () => {
    const ok = { name: 'Ana', profession: 'Physiotherapist', organisation: 'Fysio Nord' };
    expect(verdict(entryOf('goniometry', ROM, physio, ok), physio)).toBeNull();
    for (const forged of [
      { profession: 'x'.repeat(121) },
      { organisation: 'x'.repeat(5000) },
      { name: 'Ana\nDr. House, Chief of Surgery' },
      { profession: 42 },
      { sector: 'Hospital <b>' },
      { sector: 'x'.repeat(41) },
    ]) {
      const e = entryOf('goniometry', ROM, physio, forged as Partial<EntryAuthor>);
      expect(verdict(e, physio), JSON.stringify(forged).slice(0, 60)).toMatch(/an author's/);
      // And a reader skips such an entry, whoever delivered it.
      expect(isValidEntry(e)).toBe(false);
    }
  });

  it('malformed clinic data from another device is refused and the record stays intact', () => {
    const doc = record();
    const before = Y.encodeStateAsUpdate(doc);
    for (const bad of [
      { region: 'lumbar', degrees: { flexion: 500 } },
      { region: 'lumbar', degrees: {} },
      { region: 'hip', degrees: { flexion: 10 } },
    ]) {
      const update = adding(doc, entryOf('goniometry', bad, physio));
      expect(validateRecordUpdate(update, doc, physio)).toMatch(/malformed goniometry/);
    }
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
    expect(listEntries(doc)).toHaveLength(1);
  });
});

describe('reading clinic entries', () => {
  it('romRows puts goniometer visits in time order with the latest sensor test beside them', () => {
    const owner = { hex: patient, role: 'owner' as Role };
    const entries = [
      entryOf('goniometry', ROM, physio, {}, '2026-03-10T10:00:00.000Z'),
      entryOf(
        'goniometry',
        { region: 'lumbar', degrees: { flexion: 40, 'rotation-left': 20 } },
        physio,
        {},
        '2026-02-01T10:00:00.000Z',
      ),
      entryOf('goniometry', { region: 'cervical', degrees: { flexion: 45 } }, physio),
      entryOf(
        'motion-test',
        {
          test: 'back',
          source: 'sensor',
          planes: { 'flexion-extension': { a: 55.4, b: 18.6 }, lateral: { a: 20, b: 22 } },
        },
        owner,
        {},
        '2026-03-05T10:00:00.000Z',
      ),
      entryOf(
        'motion-test',
        { test: 'back', source: 'sensor', planes: { rotation: { a: 1, b: 1 } } },
        owner,
        {},
        '2026-01-05T10:00:00.000Z',
      ),
    ];
    const rows = romRows(entries, 'lumbar');
    expect(rows.map((r) => [r.source, r.entry.at.slice(0, 10)])).toEqual([
      ['goniometer', '2026-02-01'],
      ['sensor', '2026-03-05'],
      ['goniometer', '2026-03-10'],
    ]);
    expect(rows[1]!.degrees).toEqual({
      flexion: 55,
      extension: 19,
      'lateral-flexion-left': 20,
      'lateral-flexion-right': 22,
    });
    expect(romColumns(rows)).toEqual([
      'flexion',
      'extension',
      'lateral-flexion-left',
      'lateral-flexion-right',
      'rotation-left',
    ]);
    expect(entries.filter(isClinicEntry)).toHaveLength(3);
  });
});
