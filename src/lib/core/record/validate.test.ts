import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { randomBytes } from '../crypto/index';
import { MISSING_STATE } from '../sync/binding';
import { toHex, type Role } from '../sync/protocol';
import {
  deleteEntry,
  entriesMap,
  entryIdTag,
  isEntryIdOf,
  newEntryId,
  putEntry,
  readEntry,
  type Entry,
} from './entries';
import { craftUpdate, copyDoc, itemAt, nextClock } from './testing';
import { validateRecordUpdate } from './validate';

const patient = { hex: toHex(randomBytes(32)), role: 'owner' as Role };
const physio = { hex: toHex(randomBytes(32)), role: 'professional' as Role };
const sister = { hex: toHex(randomBytes(32)), role: 'delegate' as Role };
const HIGH = 0xfffffff0;

function entry(
  by: { hex: string; role: Role },
  text: string,
  id: string = newEntryId(by.hex),
): Entry {
  return {
    id: id as Entry['id'],
    type: 'note',
    at: new Date(Date.UTC(2026, 0, 5)).toISOString(),
    author: { deviceId: by.hex, role: by.role },
    data: { text },
    v: 1,
  };
}

/** The patient's device with one entry of the patient's; and that entry. */
function recordWithPatientEntry(): { doc: Y.Doc; mine: Entry } {
  const doc = new Y.Doc();
  const mine = entry(patient, 'pain 7 after lifting');
  putEntry(doc, mine);
  return { doc, mine };
}

/** What the update would do if applied without the rules: proves the attack is real. */
function unguarded(doc: Y.Doc, update: Uint8Array): Y.Doc {
  const copy = copyDoc(doc);
  Y.applyUpdate(copy, update);
  return copy;
}

/** Asserts the update is refused (not deferred) and that judging it changed nothing. */
function expectRefused(
  doc: Y.Doc,
  update: Uint8Array,
  by: { hex: string; role: Role },
  reason?: RegExp,
): void {
  const before = Y.encodeStateAsUpdate(doc);
  const verdict = validateRecordUpdate(update, doc, by);
  expect(verdict).not.toBeNull();
  expect(verdict).not.toBe(MISSING_STATE);
  if (reason) expect(verdict).toMatch(reason);
  expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
}

function localUpdate(doc: Y.Doc, change: (d: Y.Doc) => void): Uint8Array {
  const sv = Y.encodeStateVector(doc);
  change(doc);
  return Y.encodeStateAsUpdate(doc, sv);
}

describe('entry ids', () => {
  it('name their writer, sort by time, and keep the base-36 alphabet', () => {
    const a = newEntryId(patient.hex, 1_000);
    const b = newEntryId(patient.hex, 2_000);
    expect(a).toMatch(/^[0-9a-z]{43}$/);
    expect(a < b).toBe(true);
    expect(a.endsWith(entryIdTag(patient.hex))).toBe(true);
    expect(entryIdTag(patient.hex)).toHaveLength(24);
    expect(isEntryIdOf(a, patient.hex)).toBe(true);
    expect(isEntryIdOf(a, physio.hex)).toBe(false);
    // Ids written before tags existed (19 chars) belong to no grantee.
    expect(isEntryIdOf(a.slice(0, 19), patient.hex)).toBe(false);
    expect(
      isEntryIdOf(`${a.slice(0, 19)}${entryIdTag(physio.hex).toUpperCase()}`, physio.hex),
    ).toBe(false);
    expect(() => newEntryId('not-a-key')).toThrow(RangeError);
  });
});

describe('write rules: honest writers', () => {
  it('a grantee adds its own entries; an owner edits, corrects and deletes anything', () => {
    const { doc, mine } = recordWithPatientEntry();
    const theirs = entry(physio, 'Reviewed: keep walking daily');
    const add = localUpdate(copyDoc(doc), (d) => putEntry(d, theirs));
    expect(validateRecordUpdate(add, doc, physio)).toBeNull();
    Y.applyUpdate(doc, add);
    const ownerCopy = copyDoc(doc);
    const edits = [
      localUpdate(ownerCopy, (d) => putEntry(d, { ...mine, data: { text: 'pain 6' } })),
      localUpdate(ownerCopy, (d) =>
        putEntry(d, { ...theirs, author: { deviceId: patient.hex, role: 'owner' } }),
      ),
      localUpdate(ownerCopy, (d) =>
        deleteEntry(d, mine.id, { deviceId: patient.hex, role: 'owner' }, mine.at),
      ),
      localUpdate(ownerCopy, (d) => entriesMap(d).delete(theirs.id)),
      localUpdate(ownerCopy, (d) => d.getMap('meta').set('schema', 1)),
    ];
    for (const u of edits) {
      expect(validateRecordUpdate(u, doc, patient)).toBeNull();
      Y.applyUpdate(doc, u);
    }
    expect(readEntry(entriesMap(doc).get(mine.id))?.deleted).toBe(true);
  });
});

describe('write rules: a grantee never replaces or removes another author’s entry', () => {
  it('refuses a concurrent-looking replacement: no origin and a high client id', () => {
    const { doc, mine } = recordWithPatientEntry();
    const forged = { ...entry(physio, 'no pain at all', mine.id) };
    const attack = craftUpdate([
      { client: HIGH, clock: 0, parent: 'entries', key: mine.id, value: forged },
    ]);
    expect(entriesMap(unguarded(doc, attack)).get(mine.id)).toEqual(forged);
    expectRefused(doc, attack, physio, /tag/);
    // Naming the patient as author instead does not help.
    const inPatientsName = craftUpdate([
      { client: HIGH, clock: 0, parent: 'entries', key: mine.id, value: { ...mine, data: {} } },
    ]);
    expectRefused(doc, inPatientsName, sister, /author/);
  });

  it('refuses a sequential replacement whose delete set was stripped, and one that kept it', () => {
    const { doc, mine } = recordWithPatientEntry();
    const target = itemAt(doc, mine.id)!;
    const forged = entry(sister, 'edited by my sister', mine.id);
    const client = 4242;
    const stripped = craftUpdate([{ client, clock: 0, origin: target.lastId, value: forged }]);
    expect(entriesMap(unguarded(doc, stripped)).get(mine.id)).toEqual(forged);
    expect(Y.decodeUpdate(stripped).ds.clients.size).toBe(0);
    expectRefused(doc, stripped, sister);
    const withDs = localUpdate(copyDoc(doc), (d) => putEntry(d, forged));
    expect(Y.decodeUpdate(withDs).ds.clients.size).toBe(1);
    expectRefused(doc, withDs, sister);
  });

  it('refuses right-origin tricks and items placed by an origin in the same update', () => {
    const { doc, mine } = recordWithPatientEntry();
    const target = itemAt(doc, mine.id)!;
    const mineId = newEntryId(physio.hex);
    const cases = [
      // Only a right origin: the parent comes from the patient's item.
      [{ client: HIGH, clock: 0, rightOrigin: target.id, value: entry(physio, 'x', mine.id) }],
      // Both origins around the patient's item.
      [
        {
          client: HIGH,
          clock: 0,
          origin: target.lastId,
          rightOrigin: target.id,
          value: entry(physio, 'x', mine.id),
        },
      ],
      // A fresh entry of its own, then a second item placed after it (parent by origin).
      [
        {
          client: HIGH,
          clock: 0,
          parent: 'entries',
          key: mineId,
          value: entry(physio, 'a', mineId),
        },
        { client: HIGH, clock: 1, origin: Y.createID(HIGH, 0), value: entry(physio, 'b', mineId) },
      ],
      // A chain that starts at the patient's item.
      [
        { client: HIGH, clock: 0, origin: target.lastId, value: entry(physio, 'x', mine.id) },
        { client: HIGH, clock: 1, origin: Y.createID(HIGH, 0), value: entry(physio, 'y', mine.id) },
      ],
    ];
    for (const items of cases) expectRefused(doc, craftUpdate(items), physio);
  });

  it('refuses several items for one key in one update, even under its own tag', () => {
    const doc = new Y.Doc();
    const id = newEntryId(physio.hex);
    const attack = craftUpdate([
      { client: 7, clock: 0, parent: 'entries', key: id, value: entry(physio, 'one', id) },
      { client: 8, clock: 0, parent: 'entries', key: id, value: entry(physio, 'two', id) },
    ]);
    expectRefused(doc, attack, physio, /one value/);
  });

  it('refuses any deletion: present items, items not received yet, deleted-content items, GC runs', () => {
    const { doc, mine } = recordWithPatientEntry();
    const target = itemAt(doc, mine.id)!;
    const del = craftUpdate([], [{ client: target.id.client, clock: target.id.clock, len: 1 }]);
    expect(entriesMap(unguarded(doc, del)).get(mine.id)).toBeUndefined();
    expectRefused(doc, del, sister, /owner deletes/);

    // The patient's next entry, deleted before it arrives: Yjs keeps the deletion pending.
    const patientDevice = copyDoc(doc);
    patientDevice.clientID = target.id.client;
    const next = entry(patient, 'next check-in');
    const clock = nextClock(doc, target.id.client);
    const early = craftUpdate([], [{ client: target.id.client, clock, len: 1 }]);
    const later = localUpdate(patientDevice, (d) => putEntry(d, next));
    const naked = unguarded(doc, early);
    Y.applyUpdate(naked, later);
    expect(entriesMap(naked).get(next.id)).toBeUndefined();
    expectRefused(doc, early, sister, /owner deletes/);

    const id = newEntryId(sister.hex);
    expectRefused(
      doc,
      craftUpdate([{ client: HIGH, clock: 0, parent: 'entries', key: id, deleted: 1 }]),
      sister,
    );
    expectRefused(doc, craftUpdate([{ client: target.id.client, clock, gc: 3 }]), sister);
  });

  it('refuses meta writes, nested types and keys outside its own tag', () => {
    const { doc, mine } = recordWithPatientEntry();
    const meta = copyDoc(doc);
    meta.getMap('meta').set('schema', 1);
    const metaItem = itemAt(meta, 'schema', 'meta')!;
    doc.getMap('meta');
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(meta, Y.encodeStateVector(doc)));
    expectRefused(
      doc,
      craftUpdate([{ client: HIGH, clock: 0, parent: 'meta', key: 'schema', value: 99 }]),
      physio,
      /metadata/,
    );
    expectRefused(
      doc,
      craftUpdate([{ client: HIGH, clock: 0, origin: metaItem.lastId, value: 99 }]),
      physio,
    );
    const nested = newEntryId(physio.hex);
    expectRefused(
      doc,
      craftUpdate([
        { client: HIGH, clock: 0, parent: itemAt(doc, mine.id)!.id, key: nested, value: 1 },
      ]),
      physio,
    );
    // The patient's tag, an untagged (pre-tag) id, or another grantee's tag.
    for (const id of [newEntryId(patient.hex), mine.id.slice(0, 19), newEntryId(sister.hex)]) {
      expectRefused(
        doc,
        craftUpdate([
          { client: HIGH, clock: 0, parent: 'entries', key: id, value: entry(physio, 'x', id) },
        ]),
        physio,
        /tag/,
      );
    }
  });

  it('refuses replacing an owner’s visible value under the grantee’s own tag', () => {
    const doc = new Y.Doc();
    const theirs = entry(physio, 'exercise plan');
    putEntry(doc, theirs);
    putEntry(doc, { ...theirs, author: { deviceId: patient.hex, role: 'owner' }, data: {} });
    const again = craftUpdate([
      { client: HIGH, clock: 0, parent: 'entries', key: theirs.id, value: theirs },
    ]);
    expectRefused(doc, again, physio, /another author/);
  });
});

describe('write rules: Yjs client ids', () => {
  it('refuses a grantee’s own entry sent under the patient’s client id and next clock', () => {
    const { doc } = recordWithPatientEntry();
    const patientDevice = copyDoc(doc);
    const client = itemAt(doc, [...entriesMap(doc).keys()][0]!)!.id.client;
    patientDevice.clientID = client;
    const id = newEntryId(sister.hex);
    const squat = craftUpdate([
      {
        client,
        clock: nextClock(doc, client),
        parent: 'entries',
        key: id,
        value: entry(sister, 'x', id),
      },
    ]);
    // Without the rule, the patient's next entry would be dropped here as already known.
    const next = entry(patient, 'next check-in');
    const naked = unguarded(doc, squat);
    Y.applyUpdate(
      naked,
      localUpdate(patientDevice, (d) => putEntry(d, next)),
    );
    expect(entriesMap(naked).get(next.id)).toBeUndefined();
    expectRefused(doc, squat, sister, /client id/);
  });
});
