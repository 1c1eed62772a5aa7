import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed } from '../crypto/index';
import { MISSING_STATE } from '../sync/binding';
import type { Role } from '../sync/protocol';
import { listEntries, newEntryId, putEntry, type Entry } from './entries';
import { ENTRY_TYPE_NAMES, ENTRY_TYPES, type EntryType } from './registry';
import { copyDoc } from './testing';
import { validateRecordUpdate } from './validate';
import { foldVersions } from './versions';

/**
 * Corrections, withdrawals and reviews from a hostile grantee with valid keys (THREAT_MODEL
 * rules 24–25): refused where the update is accepted, and the record stays as it was.
 */

type Writer = { hex: string; role: Role };
const person = (role: Role): Writer => ({ hex: deviceKeysFromSeed(newSeed()).deviceId, role });
const patient = person('owner');

const FLAGS = {
  answers: {
    'bladder-bowel': true,
    'saddle-numbness': false,
    'leg-weakness': false,
    fever: false,
    'weight-loss': false,
    'cancer-history': false,
    trauma: false,
    'night-pain': true,
  },
};

function entryOf(by: Writer, type: string, data: unknown, extra: Partial<Entry> = {}): Entry {
  return {
    id: newEntryId(by.hex),
    type,
    at: '2026-03-01T08:00:00.000Z',
    author: { deviceId: by.hex, role: by.role },
    data,
    v: 1,
    ...extra,
  };
}

function updateAdding(record: Y.Doc, entry: Entry): Uint8Array {
  const writerDoc = copyDoc(record);
  const before = Y.encodeStateVector(writerDoc);
  putEntry(writerDoc, entry);
  return Y.encodeStateAsUpdate(writerDoc, before);
}

function record(...entries: Entry[]): Y.Doc {
  const doc = new Y.Doc();
  for (const e of entries) putEntry(doc, e);
  return doc;
}

function expectRefused(doc: Y.Doc, entry: Entry, by: Writer, reason: RegExp): void {
  const before = Y.encodeStateAsUpdate(doc);
  expect(validateRecordUpdate(updateAdding(doc, entry), doc, by)).toMatch(reason);
  expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
}

describe('corrections where updates are accepted (validate.ts rule 6)', () => {
  it('a delegate correcting the patient’s check-in is refused; the record stays intact', () => {
    const sister = person('delegate');
    const mine = entryOf(patient, 'pain-checkin', { scores: { back: 7 } });
    const doc = record(mine);
    const forged = entryOf(
      sister,
      'pain-checkin',
      { scores: { back: 0 } },
      { supersedes: mine.id },
    );
    expectRefused(doc, forged, sister, /only its own entries/);
    expect(foldVersions(listEntries(doc)).current.map((e) => e.id)).toEqual([mine.id]);
  });

  it('a professional withdrawing the patient’s warning signs is refused', () => {
    const physio = person('professional');
    const flags = entryOf(patient, 'red-flags', FLAGS);
    const doc = record(flags);
    const gone = entryOf(physio, 'red-flags', FLAGS, {
      supersedes: flags.id,
      withdrawn: { reason: 'not relevant' },
    });
    expectRefused(doc, gone, physio, /may not write entries of type red-flags/);
    const note = entryOf(physio, 'note', { text: 'x' }, { supersedes: flags.id });
    expectRefused(doc, note, physio, /only its own entries/);
  });

  it('a forged supersedes across types is refused, even of the writer’s own entry', () => {
    const sister = person('delegate');
    const hers = entryOf(sister, 'note', { text: 'Walked 2 km' });
    const doc = record(hers);
    const cross = entryOf(sister, 'pain-checkin', { scores: { back: 1 } }, { supersedes: hers.id });
    expectRefused(doc, cross, sister, /keeps its entry’s type/);
  });

  it('a delegate corrects and withdraws its own entry; a correction of one not here yet waits', () => {
    const sister = person('delegate');
    const hers = entryOf(sister, 'pain-checkin', { scores: { back: 6 } });
    const doc = record(hers);
    const fix = entryOf(sister, 'pain-checkin', { scores: { back: 4 } }, { supersedes: hers.id });
    expect(validateRecordUpdate(updateAdding(doc, fix), doc, sister)).toBeNull();
    const gone = entryOf(sister, 'pain-checkin', hers.data, {
      supersedes: hers.id,
      withdrawn: { reason: 'wrong day' },
    });
    expect(validateRecordUpdate(updateAdding(doc, gone), doc, sister)).toBeNull();
    const ahead = entryOf(sister, 'pain-checkin', hers.data, {
      supersedes: newEntryId(sister.hex, 5),
    });
    expect(validateRecordUpdate(updateAdding(doc, ahead), doc, sister)).toBe(MISSING_STATE);
  });

  it('malformed corrections are refused', () => {
    const sister = person('delegate');
    const hers = entryOf(sister, 'note', { text: 'x' });
    const doc = record(hers);
    for (const extra of [
      { supersedes: 'not an id' },
      { supersedes: 5 },
      { withdrawn: { reason: 'no target' } },
      { supersedes: hers.id, withdrawn: { reason: '' } },
      { supersedes: hers.id, withdrawn: { reason: 'x'.repeat(501) } },
      { supersedes: hers.id, withdrawn: 'oops' },
    ]) {
      const bad = { ...entryOf(sister, 'note', { text: 'y' }), ...extra } as unknown as Entry;
      expectRefused(doc, bad, sister, /malformed correction/);
    }
  });

  it('a review by a non-professional is refused; a professional’s must name warning signs', () => {
    const flags = entryOf(patient, 'red-flags', FLAGS);
    const note = entryOf(patient, 'note', { text: 'x' });
    const doc = record(flags, note);
    const review = (by: Writer, target: string) =>
      entryOf(by, 'redflag-review', { target, action: 'contacted' });
    const sister = person('delegate');
    const viewer = person('viewer');
    const physio = person('professional');
    expectRefused(doc, review(sister, flags.id), sister, /may not write entries of type/);
    expectRefused(doc, review(viewer, flags.id), viewer, /may not write entries of type/);
    expectRefused(doc, review(patient, flags.id), patient, /owner may not write/);
    expectRefused(doc, review(physio, note.id), physio, /names an entry of type red-flags/);
    const missing = review(physio, newEntryId(patient.hex, 7));
    expect(validateRecordUpdate(updateAdding(doc, missing), doc, physio)).toBe(MISSING_STATE);
    expect(
      validateRecordUpdate(updateAdding(doc, review(physio, flags.id)), doc, physio),
    ).toBeNull();
  });
});

/** A sample of each type's data, enough for the write rules (guards are tested elsewhere). */
function sample(type: EntryType, target: string): unknown {
  const samples: Partial<Record<EntryType, unknown>> = {
    'pain-checkin': { scores: { back: 4 } },
    'red-flags': FLAGS,
    note: { text: 'x' },
    message: { text: 'x' },
    diary: { text: 'x' },
    'redflag-review': { target, action: 'assessed' },
    psfs: { activities: [{ activity: 'Driving', rating: 6 }] },
    'care-event': { kind: 'visit', label: 'GP' },
    condition: { text: 'Back pain', side: 'none', status: 'active' },
    allergy: { kind: 'none' },
    medication: { name: 'Ibuprofen' },
  };
  return samples[type];
}

// Written out by hand: what the roles mean (issue 12 item 9). Per role, the types whose entries
// it may correct when they are its own ('own') or anyone's ('any').
const CORRECTS: Readonly<Record<Role, { own: readonly string[]; any: readonly string[] }>> = {
  owner: { own: [], any: [] }, // owners are trusted writers; the fold holds them to `any`
  delegate: {
    own: [
      'pain-checkin',
      'red-flags',
      'note',
      'message',
      'diary',
      'psfs',
      'care-event',
      'condition',
      'allergy',
      'medication',
    ],
    any: [],
  },
  professional: { own: ['note', 'message', 'redflag-review', 'condition'], any: [] },
  viewer: { own: [], any: [] },
};

describe('write-rule matrix: role × type × own/others’ entry, correct (driven by the registry)', () => {
  it('every grantee role, every type with a sample: correct own and others’ entries', () => {
    const flags = entryOf(patient, 'red-flags', FLAGS);
    let checked = 0;
    for (const role of ['delegate', 'professional', 'viewer'] as const) {
      const writer = person(role);
      for (const type of ENTRY_TYPE_NAMES) {
        const data = sample(type, flags.id);
        if (data === undefined) continue;
        const spec = ENTRY_TYPES[type];
        const compartmentDoc = record(flags);
        const others = entryOf(patient, type, data);
        const own = entryOf(writer, type, data);
        putEntry(compartmentDoc, others);
        putEntry(compartmentDoc, own);
        for (const [whose, target] of [
          ['own', own],
          ['others', others],
        ] as const) {
          const fix = entryOf(writer, type, data, { supersedes: target.id });
          const verdict = validateRecordUpdate(
            updateAdding(compartmentDoc, fix),
            compartmentDoc,
            writer,
          );
          const expected =
            whose === 'own'
              ? CORRECTS[role].own.includes(type) || CORRECTS[role].any.includes(type)
              : CORRECTS[role].any.includes(type);
          expect(verdict === null, `${role} corrects ${whose} ${type}: ${verdict}`).toBe(expected);
          // The registry says the same as the table.
          const rule = spec.writers[role];
          expect(
            rule.write && (rule.corrects === 'any' || (whose === 'own' && rule.corrects === 'own')),
          ).toBe(expected);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3 * 11 * 2);
  });

  it('the patient may correct any author’s entry of every type it writes (the fold honours it)', () => {
    const sister = person('delegate');
    for (const type of ENTRY_TYPE_NAMES) {
      const data = sample(type, 'x');
      if (data === undefined || !ENTRY_TYPES[type].writers.owner.write) continue;
      const hers = entryOf(sister, type, data);
      const fix = entryOf(patient, type, data, { supersedes: hers.id });
      const v = foldVersions([fix, hers]);
      expect(
        v.current.map((e) => e.id),
        type,
      ).toEqual([fix.id]);
    }
  });
});
