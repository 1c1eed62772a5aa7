import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed } from '$lib/core/crypto/index';
import { entriesMap, type Entry } from '$lib/core/record/index';
import type { Role } from '$lib/core/sync/index';
import {
  correctEntry,
  readEntries,
  readVersions,
  withdrawEntry,
  writeEntry,
  type EntryContext,
} from './record-entries';
import { SharingError, type OpenCompartment } from './session-types';

/** The writer's side of corrections and withdrawals: it refuses what every client would. */

const compartments = () => {
  const open = (name: string) =>
    ({ name, docId: name, inner: new Y.Doc() }) as unknown as OpenCompartment;
  return new Map([
    ['clinical', open('clinical')],
    ['journal', open('journal')],
  ]);
};
const as = (c: EntryContext['compartments'], role: Role): EntryContext => ({
  compartments: c,
  role,
  deviceId: deviceKeysFromSeed(newSeed()).deviceId,
});

describe('correctEntry and withdrawEntry', () => {
  it('the patient corrects a delegate’s check-in: a new version, same time, old one in history', () => {
    const c = compartments();
    const sister = as(c, 'delegate');
    const patient = as(c, 'owner');
    const hers = writeEntry(sister, 'pain-checkin', { scores: { back: 8 } });
    const fixed = correctEntry(patient, hers, 'pain-checkin', { scores: { back: 4 } });
    expect(fixed).toMatchObject({ supersedes: hers.id, at: hers.at });
    expect(readEntries(c, 'clinical').map((e) => e.id)).toEqual([fixed.id]);
    expect(readVersions(c, 'clinical').info.get(hers.id)?.supersededBy?.id).toBe(fixed.id);
  });

  it('refuses a grantee changing another’s entry, and a viewer anything; nothing is written', () => {
    const c = compartments();
    const patient = as(c, 'owner');
    const mine: Entry = writeEntry(patient, 'red-flags', {
      answers: {
        'bladder-bowel': true,
        'saddle-numbness': false,
        'leg-weakness': false,
        fever: false,
        'weight-loss': false,
        'cancer-history': false,
        trauma: false,
        'night-pain': false,
      },
    });
    const size = () => entriesMap(c.get('clinical')!.inner).size;
    for (const role of ['delegate', 'professional', 'viewer'] as const) {
      const other = as(c, role);
      expect(() => withdrawEntry(other, mine, 'misclick')).toThrow(SharingError);
      expect(() => correctEntry(other, mine, 'red-flags', mine.data as never)).toThrow(
        SharingError,
      );
    }
    expect(() => withdrawEntry(patient, mine, '   ')).toThrow(RangeError);
    expect(() => correctEntry(patient, mine, 'pain-checkin', { scores: { back: 1 } })).toThrow(
      RangeError,
    );
    expect(size()).toBe(1);
    withdrawEntry(patient, mine, 'Pressed yes by mistake');
    expect(readEntries(c, 'clinical')).toEqual([]);
    expect(readVersions(c, 'clinical').info.get(mine.id)?.withdrawnBy?.withdrawn?.reason).toBe(
      'Pressed yes by mistake',
    );
  });

  it('a diary entry goes to the journal, never to the clinical compartment', () => {
    const c = compartments();
    const patient = as(c, 'owner');
    const d = writeEntry(patient, 'diary', { text: 'Slept badly.' });
    expect(readEntries(c, 'journal').map((e) => e.id)).toEqual([d.id]);
    expect(readEntries(c, 'clinical')).toEqual([]);
    expect(() => writeEntry(as(c, 'professional'), 'diary', { text: 'x' })).toThrow(SharingError);
  });
});
