import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed } from '../crypto/index';
import type { Role } from '../sync/protocol';
import en from '../../i18n/en';
import da from '../../i18n/da';
import nl from '../../i18n/nl';
import es from '../../i18n/es';
import nb from '../../i18n/nb';
import { listEntries, newEntryId, putEntry, type Entry } from './entries';
import {
  ENTRY_TYPE_NAMES,
  ENTRY_TYPES,
  entryType,
  isValidEntry,
  timelineTitle,
  type EntryStoredMap,
  type EntryType,
} from './registry';
import { validateRecordUpdate } from './validate';
import { copyDoc } from './testing';
import { PLAN_MALFORMED, PLAN_VALID } from './plan.testing';

/**
 * The entry-type registry (THREAT_MODEL rule 2, "Roles write only their entry types"): every
 * type's guard against malformed data from another device, the write-rule matrix through
 * `validateRecordUpdate` with real Yjs updates, and the timeline keys in every catalogue.
 */

const patient = deviceKeysFromSeed(newSeed());
const DEVICE = 'a'.repeat(64);
/** The id of the patient's warning-signs entry in `patientRecord`, which a review names. */
const RED_FLAGS_ID = newEntryId(patient.deviceId);

/** One well-formed value per type, as another device stores it. */
const VALID: { [K in EntryType]: EntryStoredMap[K] } = {
  'pain-checkin': { scores: { back: 4, leg: 0 }, note: 'after the walk' },
  // Entered from the paper form with the patient: valid from every role that writes it.
  questionnaire: {
    instrument: 'ndi',
    answers: [1, 2, 3, 4, 5, 0, 1, 2, 3, null],
    enteredWithPatient: true,
  },
  psfs: { activities: [{ activity: 'Driving', rating: 6 }] },
  'motion-test': { test: 'neck', source: 'sensor', planes: { rotation: { a: 70, b: 65 } } },
  'red-flags': {
    answers: {
      'bladder-bowel': false,
      'saddle-numbness': false,
      'leg-weakness': false,
      fever: false,
      'weight-loss': false,
      'cancer-history': false,
      trauma: false,
      'night-pain': true,
    },
  },
  medication: { name: 'Ibuprofen', dose: '400 mg', stopped: '2026-03-02' },
  'care-event': { kind: 'visit', label: 'Physiotherapy, first session' },
  profile: {
    name: 'Mette Jensen',
    birthDate: '1984-05-17',
    language: 'da',
    contact: '+45 12 34 56 78',
    gp: 'Lægehuset Nord',
    nationalId: '170584-1234',
  },
  condition: { code: 'sciatica', side: 'left', onset: '2026-01-10', status: 'active' },
  allergy: { kind: 'allergy', substance: 'Penicillin', reaction: 'Rash', criticality: 'low' },
  note: { text: 'Start graded walking, 10 minutes a day.' },
  message: { text: 'Can I run?', replyTo: 'x', forVisit: true },
  document: {
    blobId: 'a'.repeat(32),
    key: 'A'.repeat(43),
    size: 1234,
    mediaType: 'application/pdf',
    fileName: 'discharge-letter.pdf',
    sha256: 'b'.repeat(64),
    title: 'Discharge letter',
  },
  'document-removed': { document: '0'.repeat(19) + 'a'.repeat(24), blobId: 'a'.repeat(32) },
  diary: { text: 'Slept badly; the walk helped.' },
  'redflag-review': { target: RED_FLAGS_ID, action: 'contacted', note: 'Phoned; seen today.' },
  goniometry: { region: 'cervical', degrees: { flexion: 45, 'rotation-left': 70 }, note: 'Stiff' },
  'treatment-session': { components: ['education', 'exercise-therapy'], minutes: 30 },
  'neuro-screen': {
    items: { reflexes: { result: 'normal' }, 'slr-left': { result: 'abnormal', angle: 40 } },
    text: 'Reproduces leg pain',
  },
  access: {
    action: 'granted',
    device: DEVICE,
    person: {
      kind: 'professional',
      name: 'Jonas Berg',
      profession: 'physiotherapist',
      organisation: 'Fysio Nord',
      sector: 'physiotherapy',
    },
    role: 'professional',
    compartments: ['clinical', 'messages'],
    notAfter: null,
    manifestVersion: 3,
  },
  'device-name': { device: DEVICE, name: 'Kitchen tablet', kind: 'tablet' },
  observation: {
    code: { system: 'http://loinc.org', code: '4548-4' },
    text: 'HbA1c',
    value: 38,
    unit: 'mmol/mol',
    source: { from: 'Region Hovedstaden', date: '2026-10-01', key: 'urn:uuid:1#obs' },
  },
  ...PLAN_VALID,
};

const long = (n: number) => 'x'.repeat(n);
const VALID_PROFILE = VALID.profile;
const flags = VALID['red-flags'].answers;
const access = VALID.access;
const pdf = VALID.document;
const VALID_RESULT = VALID.observation;

/** Malformed values per type: wrong types, out of range, oversize strings, extra junk. */
/** Import provenance (issue 13) that no guard takes: each a malformed `source`. */
const BAD_SOURCES: readonly unknown[] = [
  'Hospital',
  null,
  {},
  { from: 'Hospital', date: '2026-10-01' },
  { from: ' ', date: '2026-10-01', key: 'k' },
  { from: 'Hospital', date: '2026-02-30', key: 'k' },
  { from: 'Hospital', date: '1 October', key: 'k' },
  { from: 'Hospital\u0000', date: '2026-10-01', key: 'k' },
  { from: long(201), date: '2026-10-01', key: 'k' },
  { from: 'Hospital', date: '2026-10-01', key: long(301) },
  { from: 'Hospital', date: '2026-10-01', key: 'k', author: 'Dr No' },
];

const MALFORMED: { [K in EntryType]: readonly unknown[] } = {
  'pain-checkin': [
    null,
    'pain 4',
    {},
    { scores: {} },
    { scores: { back: 11 } },
    { scores: { back: -1 } },
    { scores: { back: 4.5 } },
    { scores: { back: '4' } },
    { scores: { knee: 3 } },
    { scores: { back: 4 }, note: 5 },
    { scores: { back: 4 }, note: long(2001) },
    ...BAD_SOURCES.map((source) => ({ scores: { back: 4 }, source })),
  ],
  questionnaire: [
    null,
    { instrument: 'ndi', answers: [1, 2, 3] },
    { instrument: 'sf36', answers: [] },
    { instrument: 'ndi', answers: Array(10).fill(9) },
    { instrument: 'ndi', answers: 'all fine' },
    { instrument: 'ndi', version: '1', answers: Array(10).fill(0) },
    { instrument: 'ndi', version: 99, answers: Array(10).fill(0) },
    { instrument: 'ndi', answers: Array(10).fill(0), enteredWithPatient: 'yes' },
    { instrument: 'ndi', answers: Array(10).fill(0), enteredWithPatient: false },
    ...BAD_SOURCES.map((source) => ({ instrument: 'ndi', answers: Array(10).fill(0), source })),
  ],
  goniometry: [
    null,
    { region: 'cervical', degrees: {} },
    { region: 'thoracic', degrees: { flexion: 40 } },
    { region: 'cervical', degrees: { flexion: 91 } },
    { region: 'lumbar', degrees: { extension: 61 } },
    { region: 'cervical', degrees: { flexion: -5 } },
    { region: 'cervical', degrees: { flexion: 40.5 } },
    { region: 'cervical', degrees: { flexion: '40' } },
    { region: 'cervical', degrees: { twist: 10 } },
    { region: 'cervical', degrees: { flexion: 40 }, note: long(2001) },
    { region: 'cervical', degrees: { flexion: 40 }, note: ' ' },
    { region: 'cervical', degrees: { flexion: 40 }, extra: true },
    { region: 'cervical', degrees: [40] },
  ],
  'treatment-session': [
    null,
    { components: [], minutes: 30 },
    { components: ['surgery'], minutes: 30 },
    { components: ['education', 'education'], minutes: 30 },
    { components: ['education'], minutes: 0 },
    { components: ['education'], minutes: 241 },
    { components: ['education'], minutes: 12.5 },
    { components: 'education', minutes: 30 },
    { components: ['education'], minutes: 30, text: long(2001) },
    { components: ['education'], minutes: 30, patient: 'Mette' },
  ],
  'neuro-screen': [
    null,
    { items: {} },
    { items: { reflexes: { result: 'odd' } } },
    { items: { reflexes: 'normal' } },
    { items: { gait: { result: 'normal' } } },
    { items: { reflexes: { result: 'normal', angle: 30 } } },
    { items: { 'slr-right': { result: 'abnormal', angle: 91 } } },
    { items: { 'slr-right': { result: 'abnormal', angle: 45.5 } } },
    { items: { 'slr-right': { result: 'abnormal', extra: 1 } } },
    { items: { power: { result: 'normal' } }, text: long(2001) },
    { items: { power: { result: 'normal' } }, extra: true },
  ],
  psfs: [
    null,
    { activities: [] },
    { activities: 'Driving' },
    { activities: [{ activity: 'Driving', rating: 10.5 }] },
    { activities: [{ activity: 'Driving', rating: 11 }] },
    { activities: [{ activity: ' ', rating: 3 }] },
    { activities: [{ activity: long(121), rating: 3 }] },
    { activities: Array(6).fill({ activity: 'Driving', rating: 3 }) },
    ...BAD_SOURCES.map((source) => ({ activities: [{ activity: 'Driving', rating: 3 }], source })),
  ],
  'motion-test': [
    null,
    { ...VALID['motion-test'], planes: {} },
    { ...VALID['motion-test'], planes: { twist: { a: 1, b: 1 } } },
    { ...VALID['motion-test'], planes: { rotation: { a: 190, b: 1 } } },
    { ...VALID['motion-test'], planes: { rotation: { a: Number.NaN, b: 1 } } },
    { ...VALID['motion-test'], planes: { rotation: { a: 10, b: 1, sparc: 2 } } },
    { ...VALID['motion-test'], source: 'guess' },
    { ...VALID['motion-test'], test: 'knee' },
  ],
  'red-flags': [
    null,
    { answers: { fever: true } },
    { answers: { ...flags, extra: true } },
    { answers: { ...flags, fever: 'yes' } },
    { answers: null },
  ],
  medication: [
    null,
    { name: '' },
    { name: long(201) },
    { name: 'Ibuprofen', dose: 5 },
    { name: 'Ibuprofen', dose: long(201) },
    { name: 'Ibuprofen', stopped: 'March' },
    { name: 'Ibuprofen', stopped: '2026-02-31' },
    { name: 'Ibuprofen', action: 'pause' },
    { name: 'Ibuprofen', action: 'start', ref: 'a'.repeat(19) },
    { name: 'Ibuprofen', action: 'change', dose: '200 mg' },
    { name: 'Ibuprofen', action: 'change', ref: 'a'.repeat(19) },
    { name: 'Ibuprofen', action: 'change', dose: '200 mg', ref: 'not an id' },
    { name: 'Ibuprofen', action: 'stop', ref: 5 },
    { name: 'Ibuprofen', action: 'stop', ref: 'a'.repeat(19), reason: long(201) },
    { name: 'Ibuprofen', dose: '400 mg', extra: 'junk' },
    ['Ibuprofen'],
  ],
  profile: [
    null,
    [],
    {},
    { ...VALID_PROFILE, name: '' },
    { ...VALID_PROFILE, name: long(121) },
    { ...VALID_PROFILE, name: 'Mette\nJensen' },
    { ...VALID_PROFILE, name: 42 },
    { ...VALID_PROFILE, birthDate: '17/05/1984' },
    { ...VALID_PROFILE, birthDate: '1984-02-30' },
    { ...VALID_PROFILE, birthDate: '1850-01-01' },
    { ...VALID_PROFILE, language: 'Danish' },
    { ...VALID_PROFILE, language: 5 },
    { ...VALID_PROFILE, contact: long(201) },
    { ...VALID_PROFILE, gp: '' },
    { ...VALID_PROFILE, nationalId: long(41) },
    { ...VALID_PROFILE, nationalId: '<script>' },
    { ...VALID_PROFILE, photo: 'data:image/png;base64,AAAA' },
    { name: 'Mette Jensen', language: 'da' },
  ],
  condition: [
    null,
    { side: 'left', status: 'active' },
    { code: 'flu', side: 'left', status: 'active' },
    { code: 'toString', side: 'left', status: 'active' },
    { code: 'sciatica', text: 'and more', side: 'left', status: 'active' },
    { text: ' ', side: 'none', status: 'active' },
    { text: long(201), side: 'none', status: 'active' },
    { code: 'sciatica', side: 'up', status: 'active' },
    { code: 'sciatica', side: 'left', status: 'cured' },
    { code: 'sciatica', side: 'left', status: 'active', onset: 'last year' },
    { code: 'sciatica', side: 'left', status: 'active', icd10: 'M54.3' },
  ],
  allergy: [
    null,
    { kind: 'none', substance: 'Penicillin' },
    { kind: 'allergy' },
    { kind: 'allergy', substance: '' },
    { kind: 'allergy', substance: long(201) },
    { kind: 'allergy', substance: 'Penicillin', reaction: 7 },
    { kind: 'allergy', substance: 'Penicillin', criticality: 'deadly' },
    { kind: 'rash', substance: 'Penicillin' },
    { kind: 'intolerance', substance: 'Lactose', extra: true },
  ],
  'care-event': [
    null,
    { kind: 'party', label: 'GP' },
    { kind: 'visit', label: ' ' },
    { kind: 'visit', label: long(201) },
    { kind: 'visit' },
  ],
  note: [null, {}, { text: '' }, { text: '   ' }, { text: 5 }, { text: long(4001) }],
  message: [
    null,
    { text: '' },
    { text: long(4001) },
    { text: 'Hi', replyTo: 5 },
    { text: 'Hi', forVisit: 'yes' },
  ],
  document: [
    null,
    'letter.pdf',
    { ...pdf, blobId: 'A'.repeat(32) },
    { ...pdf, blobId: '../../etc/passwd' },
    { ...pdf, key: 'short' },
    { ...pdf, key: 5 },
    { ...pdf, size: 0 },
    { ...pdf, size: 20 * 1024 * 1024 + 1 },
    { ...pdf, size: 12.5 },
    { ...pdf, size: '1234' },
    { ...pdf, mediaType: 'text/html' },
    { ...pdf, mediaType: 'image/svg+xml' },
    { ...pdf, fileName: '' },
    { ...pdf, fileName: long(201) },
    { ...pdf, fileName: 'a\u0000.pdf' },
    { ...pdf, sha256: 'B'.repeat(64) },
    { ...pdf, title: ' ' },
    { ...pdf, title: long(201) },
    { ...pdf, title: 7 },
    { ...pdf, extra: 'junk' },
  ],
  'document-removed': [
    null,
    {},
    { document: 'x', blobId: 'short' },
    { document: 5, blobId: 'a'.repeat(32) },
    { document: 'Bad Id!', blobId: 'a'.repeat(32) },
    { ...VALID['document-removed'], reason: 'junk' },
  ],
  diary: [null, {}, { text: '' }, { text: ' ' }, { text: long(8001) }, { text: 'x', mood: 3 }],
  'redflag-review': [
    null,
    { action: 'contacted' },
    { target: 'not an id', action: 'contacted' },
    { target: RED_FLAGS_ID, action: 'ignored' },
    { target: RED_FLAGS_ID, action: 'referred', note: '' },
    { target: RED_FLAGS_ID, action: 'referred', note: long(1001) },
    { target: RED_FLAGS_ID, action: 'referred', extra: true },
  ],
  access: [
    null,
    { ...access, action: 'stolen' },
    { ...access, device: 'zz' },
    { ...access, person: null },
    { ...access, person: { ...access.person, kind: 'robot' } },
    { ...access, person: { ...access.person, name: long(1001) } },
    { ...access, role: 'owner' },
    { ...access, compartments: 'clinical' },
    { ...access, notAfter: 'soon' },
    { ...access, manage: 'yes' },
    { ...access, manifestVersion: -1 },
  ],
  'device-name': [
    null,
    { device: 'zz', name: 'Phone', kind: 'phone' },
    { device: DEVICE, name: '', kind: 'phone' },
    { device: DEVICE, name: long(61), kind: 'phone' },
    { device: DEVICE, name: 'Phone\u0007', kind: 'phone' },
    { device: DEVICE, name: 'Phone', kind: 'toaster' },
    { device: DEVICE, name: 'Phone', kind: 'phone', extra: 1 },
  ],
  observation: [
    null,
    { ...VALID_RESULT, source: undefined },
    { ...VALID_RESULT, code: { system: 'http://loinc.org' } },
    { ...VALID_RESULT, value: Number.POSITIVE_INFINITY },
    { ...VALID_RESULT, value: { nested: 1 } },
    { ...VALID_RESULT, text: long(201) },
    { ...VALID_RESULT, unit: long(51) },
    { ...VALID_RESULT, source: { ...VALID_RESULT.source, date: 'yesterday' } },
    { ...VALID_RESULT, extra: 1 },
  ],
  ...PLAN_MALFORMED,
};

function entryOf(
  type: string,
  data: unknown,
  by: { hex: string; role: Role },
  v = 1,
): Entry<unknown> {
  return {
    id: newEntryId(by.hex),
    type,
    at: new Date(Date.UTC(2026, 2, 1)).toISOString(),
    author: { deviceId: by.hex, role: by.role },
    data,
    v,
  };
}

/** The patient's record with one entry of each type, written by the patient. */
function patientRecord(): Y.Doc {
  const doc = new Y.Doc();
  for (const type of ENTRY_TYPE_NAMES) {
    const e = entryOf(type, VALID[type], { hex: patient.deviceId, role: 'owner' });
    putEntry(doc, type === 'red-flags' ? { ...e, id: RED_FLAGS_ID as Entry['id'] } : e);
  }
  return doc;
}

/** A real Yjs update: `writer`'s own doc, synced with the record, adds `entry`. */
function updateAdding(record: Y.Doc, entry: Entry<unknown>): Uint8Array {
  const writerDoc = copyDoc(record);
  const before = Y.encodeStateVector(writerDoc);
  putEntry(writerDoc, entry);
  return Y.encodeStateAsUpdate(writerDoc, before);
}

describe('entry-type registry', () => {
  it('every registered type has a valid sample and malformed ones, and its spec is complete', () => {
    expect(Object.keys(VALID).sort()).toEqual([...ENTRY_TYPE_NAMES].sort());
    for (const type of ENTRY_TYPE_NAMES) {
      const spec = entryType(type);
      expect(spec.type, type).toBe(type);
      expect(spec.version, type).toBeGreaterThanOrEqual(1);
      expect(spec.guard(VALID[type]), type).toBe(true);
      // Every type but the professional's: reviews of warning signs and plan items.
      expect(spec.writers.owner.write, type).toBe(
        type !== 'redflag-review' && type !== 'plan-item',
      );
      expect(spec.writers.viewer.write, type).toBe(false);
    }
  });

  it.each(ENTRY_TYPE_NAMES)('%s: the guard refuses every malformed value', (type) => {
    for (const bad of MALFORMED[type]) {
      expect(entryType(type).guard(bad), JSON.stringify(bad)?.slice(0, 80)).toBe(false);
      expect(isValidEntry(entryOf(type, bad, { hex: DEVICE, role: 'owner' }) as Entry)).toBe(false);
    }
  });

  it.each(ENTRY_TYPE_NAMES)(
    '%s: a malformed entry from a delegate is refused where it is accepted; the record stays intact',
    (type) => {
      const record = patientRecord();
      const before = Y.encodeStateAsUpdate(record);
      // A delegate, or a professional for the types only professionals write.
      const role: Role = entryType(type).writers.delegate.write ? 'delegate' : 'professional';
      const sister = { hex: deviceKeysFromSeed(newSeed()).deviceId, role };
      for (const bad of MALFORMED[type]) {
        const update = updateAdding(record, entryOf(type, bad, sister));
        // Only the patient's devices name devices: a delegate is refused before the guard.
        const refusal = type === 'device-name' ? /may not write/ : /malformed/;
        expect(validateRecordUpdate(update, record, sister)).toMatch(refusal);
      }
      expect(Y.encodeStateAsUpdate(record)).toEqual(before);
      expect(listEntries(record)).toHaveLength(ENTRY_TYPE_NAMES.length);
    },
  );

  it('a malformed entry from another of the patient’s devices is not shown; the rest is', () => {
    const record = patientRecord();
    const laptop = { hex: deviceKeysFromSeed(newSeed()).deviceId, role: 'owner' as Role };
    const ownerTypes = ENTRY_TYPE_NAMES.filter((t) => ENTRY_TYPES[t].writers.owner.write);
    for (const type of ownerTypes) {
      const update = updateAdding(record, entryOf(type, MALFORMED[type][1], laptop));
      // Owners are trusted writers: the update applies, and every reader skips the entry.
      expect(validateRecordUpdate(update, record, laptop)).toBeNull();
      Y.applyUpdate(record, update);
    }
    // An entry of a type this app does not know, and one of a newer schema version.
    Y.applyUpdate(record, updateAdding(record, entryOf('horoscope', { sign: 'leo' }, laptop)));
    Y.applyUpdate(record, updateAdding(record, entryOf('note', { words: ['v9'] }, laptop, 9)));
    const all = listEntries(record);
    expect(all).toHaveLength(ENTRY_TYPE_NAMES.length + ownerTypes.length + 2);
    const shown = all.filter((e) => isValidEntry(e));
    expect(shown.map((e) => e.author.deviceId)).toEqual(
      Array(ENTRY_TYPE_NAMES.length).fill(patient.deviceId),
    );
    expect(shown.map((e) => e.type).sort()).toEqual([...ENTRY_TYPE_NAMES].sort());
  });

  it('every type an import writes takes a valid `source` where entries are accepted (issue 13)', () => {
    const source = { from: 'Fysio Nord', date: '2026-10-01', key: 'k1' };
    const types = [
      'pain-checkin',
      'questionnaire',
      'psfs',
      'goal',
      'work-status',
      'condition',
      'allergy',
      'medication',
    ] as const;
    for (const type of types) {
      const data = { ...(VALID[type] as object), source };
      expect(entryType(type).guard(data), type).toBe(true);
      const record = patientRecord();
      const sister = { hex: deviceKeysFromSeed(newSeed()).deviceId, role: 'delegate' as Role };
      expect(
        validateRecordUpdate(updateAdding(record, entryOf(type, data, sister)), record, sister),
        type,
      ).toBeNull();
    }
  });

  it('an entry shows only in its own compartment', () => {
    const e = entryOf('message', VALID.message, { hex: DEVICE, role: 'owner' }) as Entry;
    expect(isValidEntry(e, 'messages')).toBe(true);
    expect(isValidEntry(e, 'clinical')).toBe(false);
  });

  // Written out by hand, not derived from the registry: this is what the roles mean (issue 12).
  const MAY_WRITE: Readonly<Record<Role, readonly EntryType[]>> = {
    owner: ENTRY_TYPE_NAMES.filter((t) => t !== 'redflag-review' && t !== 'plan-item'),
    delegate: ENTRY_TYPE_NAMES.filter(
      (t) =>
        ![
          'redflag-review',
          'device-name',
          'plan-item',
          'goniometry',
          'treatment-session',
          'neuro-screen',
        ].includes(t),
    ),
    professional: [
      'questionnaire',
      'condition',
      'note',
      'message',
      'document',
      'document-removed',
      'redflag-review',
      'plan-item',
      'appointment',
      'goniometry',
      'treatment-session',
      'neuro-screen',
    ],
    viewer: [],
  };

  it('write-rule matrix: role × every registered type, through validateRecordUpdate', () => {
    const record = patientRecord();
    const before = Y.encodeStateAsUpdate(record);
    const verdicts: string[] = [];
    for (const role of ['owner', 'delegate', 'professional', 'viewer'] as const) {
      const writer = { hex: deviceKeysFromSeed(newSeed()).deviceId, role };
      for (const type of ENTRY_TYPE_NAMES) {
        const update = updateAdding(record, entryOf(type, VALID[type], writer));
        const problem = validateRecordUpdate(update, record, writer);
        const expected = MAY_WRITE[role].includes(type);
        verdicts.push(`${role} ${type} ${problem === null ? 'allowed' : 'refused'}`);
        expect(problem === null, `${role} writes ${type}: ${problem}`).toBe(expected);
        if (!expected) expect(problem).toMatch(/may not write entries of type/);
      }
    }
    expect(verdicts).toHaveLength(4 * ENTRY_TYPE_NAMES.length);
    expect(Y.encodeStateAsUpdate(record)).toEqual(before);
  });

  it('refuses a grantee entry of an unknown type or naming another role', () => {
    const record = patientRecord();
    const physio = { hex: deviceKeysFromSeed(newSeed()).deviceId, role: 'professional' as Role };
    const sister = { hex: deviceKeysFromSeed(newSeed()).deviceId, role: 'delegate' as Role };
    const unknown = updateAdding(record, entryOf('horoscope', { sign: 'leo' }, sister));
    expect(validateRecordUpdate(unknown, record, sister)).toMatch(/may not write/);
    // A professional's note claiming to be the patient's would read as "the patient".
    const asPatient = {
      ...entryOf('note', VALID.note, physio),
      author: { deviceId: physio.hex, role: 'owner' as Role },
    };
    expect(validateRecordUpdate(updateAdding(record, asPatient), record, physio)).toMatch(
      /writer’s role/,
    );
    const noVersion = { ...entryOf('note', VALID.note, physio), v: 0 };
    expect(validateRecordUpdate(updateAdding(record, noVersion), record, physio)).toMatch(
      /schema version/,
    );
    // A newer app's entry is accepted (replicas agree) but not shown by this one.
    const newer = entryOf('note', { words: ['v2'] }, physio, 2);
    expect(validateRecordUpdate(updateAdding(record, newer), record, physio)).toBeNull();
    expect(isValidEntry(newer as Entry)).toBe(false);
  });

  it('timeline keys exist in every catalogue', () => {
    const catalogues = { en, da, nl, es, nb };
    const keys = new Set<string>();
    for (const type of ENTRY_TYPE_NAMES) {
      keys.add(ENTRY_TYPES[type].timeline.title);
      keys.add(timelineTitle(entryOf(type, VALID[type], { hex: DEVICE, role: 'owner' }) as Entry));
    }
    for (const test of ['neck', 'back']) keys.add(`motion.title.${test}`);
    for (const [name, cat] of Object.entries(catalogues)) {
      for (const key of keys) {
        let node: unknown = cat;
        for (const part of key.split('.')) node = (node as Record<string, unknown>)?.[part];
        expect(typeof node, `${name}: ${key}`).toBe('string');
      }
    }
  });
});
