import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { questionnaireResults, scoredResponses } from '../insights';
import { asDeviceId, type EntryId } from '../ids';
import { ORE_ITEMS } from '../scores/orebro';
import { QUESTIONNAIRE } from './clinical';
import {
  entriesMap,
  META,
  putEntry,
  SCHEMA_VERSION,
  schemaVersion,
  type Entry,
  type EntryAuthor,
} from './entries';
import { migrate, reorderOrebro } from './migrate';
import { validateRecordUpdate } from './validate';

const OWNER = 'a1'.repeat(32);
const OTHER_OWNER = 'b2'.repeat(32);
const owner: EntryAuthor = { deviceId: asDeviceId(OWNER), role: 'owner' };

/** Published-order answers as version 2 stores them: keyed by item. */
const keyed = (answers: Array<number | null>) =>
  Object.fromEntries(ORE_ITEMS.map((item, i) => [item.key, answers[i]]));

let n = 0;
function entry(data: unknown, author: EntryAuthor = owner, at = '2026-03-01T10:00:00.000Z') {
  n++;
  const e: Entry = {
    id: `00000000${n}questionnaire`.slice(-19) as EntryId,
    type: QUESTIONNAIRE,
    at,
    author,
    data,
    v: 1,
  };
  return e;
}

/** A record written by the app before ORE-7: schema 1, ÖMPSQ-10 answers in the old order. */
function oldRecord() {
  const doc = new Y.Doc();
  // Old order: duration, pain, tense, depressed, risk, chance (rev), stop, not work, light (rev),
  // sleep (rev). The same person's form as [8, 7, 2, 0, 0, 6, 7, 5, 6, 0] in published order: 57.
  const raised = entry({ instrument: 'orebro', answers: [8, 7, 0, 6, 7, 5, 6, 0, 2, 0] });
  // Old-order extreme: 1 point (chance, light and sleep at 10).
  const lowest = entry(
    { instrument: 'orebro', answers: [1, 0, 0, 0, 0, 10, 0, 0, 10, 10] },
    owner,
    '2026-04-01T10:00:00.000Z',
  );
  const ndi = entry({ instrument: 'ndi', answers: [3, 3, 3, 3, 3, 3, 3, 3, 3, null] });
  const fromOtherDevice = entry(
    { instrument: 'orebro', answers: [8, 7, 0, 6, 7, 5, 6, 0, 2, 0] },
    { deviceId: asDeviceId(OTHER_OWNER), role: 'owner', name: 'Laptop' },
    '2026-05-01T10:00:00.000Z',
  );
  doc.transact(() => {
    for (const e of [raised, lowest, ndi, fromOtherDevice]) putEntry(doc, e);
    doc.getMap(META).set('schema', 1);
  });
  return { doc, raised, lowest, ndi, fromOtherDevice };
}

const totals = (doc: Y.Doc) =>
  scoredResponses([...entriesMap(doc).values()] as Entry[]).map((s) => [
    s.entry.id,
    s.result.score,
    s.result.band,
  ]);

describe('[ORE-7] record migration to schema 2: ÖMPSQ-10 answers in the published order', () => {
  it('old-order entries are reordered once, under the same key and author, and scores stay', () => {
    const { doc, raised, lowest, ndi, fromOtherDevice } = oldRecord();
    const before = totals(doc);
    expect(before).toEqual([
      [raised.id, 57, 'raised'],
      [ndi.id, 30, 'severe'],
      [lowest.id, 1, 'lower'],
      [fromOtherDevice.id, 57, 'raised'],
    ]);

    expect(migrate(doc, { deviceId: OWNER })).toEqual({ from: 1, to: SCHEMA_VERSION });
    expect(SCHEMA_VERSION).toBe(2);
    expect(schemaVersion(doc)).toBe(2);
    const stored = (e: Entry) => entriesMap(doc).get(e.id) as Entry;
    expect(stored(raised)).toEqual({
      ...raised,
      data: { instrument: 'orebro', version: 2, answers: keyed([8, 7, 2, 0, 0, 6, 7, 5, 6, 0]) },
    });
    expect(stored(lowest).data).toEqual({
      instrument: 'orebro',
      version: 2,
      answers: keyed([1, 0, 10, 10, 0, 0, 0, 10, 0, 0]),
    });
    // Keyed by item: an app from before the version finds no array to misread, and skips it.
    expect(Array.isArray((stored(raised).data as { answers: unknown }).answers)).toBe(false);
    expect((stored(raised).data as { answers: Record<string, number> }).answers).toMatchObject({
      'light-work-hour': 2,
      'sleep-at-night': 0,
      'chance-working': 5,
    });
    expect(stored(raised).author).toEqual(raised.author);
    // Other instruments, and entries this device may not rewrite, are left as they were.
    expect(stored(ndi)).toEqual(ndi);
    expect(stored(fromOtherDevice)).toEqual(fromOtherDevice);
    // Scores and charts are unchanged.
    expect(totals(doc)).toEqual(before);
  });

  it('a second run changes nothing', () => {
    const { doc } = oldRecord();
    migrate(doc, { deviceId: OWNER });
    const state = Y.encodeStateAsUpdate(doc);
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    expect(migrate(doc, { deviceId: OWNER })).toEqual({ from: 2, to: 2 });
    doc.transact(() => expect(reorderOrebro(doc, { deviceId: OWNER })).toBe(0));
    expect(updates).toEqual([]);
    expect(Y.encodeStateAsUpdate(doc)).toEqual(state);
  });

  it('the migration passes the record’s write rules as the owner device’s update', () => {
    const { doc } = oldRecord();
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc));
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    migrate(doc, { deviceId: OWNER });
    expect(updates).toHaveLength(1);
    expect(validateRecordUpdate(updates[0]!, replica, { hex: OWNER, role: 'owner' })).toBeNull();
    Y.applyUpdate(replica, updates[0]!);
    expect(totals(replica)).toEqual(totals(doc));
  });

  it('a response from a device that has not migrated is read in the old order', () => {
    const { doc, raised } = oldRecord();
    migrate(doc, { deviceId: OWNER });
    // An old app writes after the migration: no version, old order.
    const late = entry(
      { instrument: 'orebro', answers: [1, 0, 0, 0, 0, 10, 0, 0, 10, 10] },
      { deviceId: asDeviceId(OTHER_OWNER), role: 'owner' },
      '2026-06-01T10:00:00.000Z',
    );
    putEntry(doc, late);
    const results = questionnaireResults([...entriesMap(doc).values()] as Entry[], 'orebro');
    const byId = new Map(results.map((r) => [r.entry.id, r]));
    expect(byId.get(late.id)?.response.answers).toEqual([1, 0, 10, 10, 0, 0, 0, 10, 0, 0]);
    expect(byId.get(late.id)?.result).toMatchObject({ scored: true, score: 1, band: 'lower' });
    expect(byId.get(raised.id)?.result).toMatchObject({ score: 57, band: 'raised' });
  });

  it('leaves tombstones, forged versions and unreadable answers alone', () => {
    const doc = new Y.Doc();
    const tomb: Entry = { ...entry(null), deleted: true };
    const forged = entry({ instrument: 'orebro', version: 99, answers: Array(10).fill(1) });
    const broken = entry({ instrument: 'orebro', answers: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] });
    const short = entry({ instrument: 'orebro', answers: [1, 2, 3] });
    for (const e of [tomb, forged, broken, short]) putEntry(doc, e);
    migrate(doc, { deviceId: OWNER });
    for (const e of [tomb, forged, broken, short]) expect(entriesMap(doc).get(e.id)).toEqual(e);
    expect(questionnaireResults([forged, broken, short])).toEqual([]);
  });

  it('a blank item stays blank and the response reads as not scored', () => {
    const doc = new Y.Doc();
    const blank = entry({ instrument: 'orebro', answers: [8, 7, 0, 6, 7, 5, 6, 0, 2, null] });
    putEntry(doc, blank);
    migrate(doc, { deviceId: OWNER });
    expect((entriesMap(doc).get(blank.id) as Entry).data).toEqual({
      instrument: 'orebro',
      version: 2,
      answers: keyed([8, 7, 2, null, 0, 6, 7, 5, 6, 0]),
    });
    expect(questionnaireResults([entriesMap(doc).get(blank.id) as Entry])[0]?.result).toEqual({
      instrument: 'orebro',
      scored: false,
      missing: 1,
      maxMissing: 0,
    });
  });
});
