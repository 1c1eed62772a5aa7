import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { entriesMap, listEntries, newEntryId, putEntry, readEntry, type Entry } from './entries';
import { moveToNewCompartment } from './move';
import { redFlagAnswers } from './clinical.testing';

/** Moving the warning signs from `clinical` to `safety` (issue 12 item 9, THREAT_MODEL rule 26). */

const me = 'a'.repeat(64);
const pro = 'b'.repeat(64);
const owner = { deviceId: me, role: 'owner' as const };
const answers = redFlagAnswers('saddle-numbness');
const at = '2026-11-01T10:00:00.000Z';

function flags(by: string, extra: Partial<Entry> = {}): Entry {
  const role = by === me ? 'owner' : 'professional';
  return {
    id: newEntryId(by),
    type: 'red-flags',
    at,
    author: { deviceId: by, role },
    data: { answers },
    v: 1,
    ...extra,
  };
}

function setup() {
  const clinical = new Y.Doc();
  const safety = new Y.Doc();
  const checkin: Entry = {
    id: newEntryId(me),
    type: 'pain-checkin',
    at,
    author: owner,
    data: { scores: { back: 5 } },
    v: 1,
  };
  putEntry(clinical, checkin);
  return { clinical, safety, checkin };
}

describe('moveToNewCompartment', () => {
  it('moves this device’s warning signs with their whole history, leaving tombstones', () => {
    const { clinical, safety, checkin } = setup();
    const first = flags(me);
    const fixed = flags(me, { supersedes: first.id });
    putEntry(clinical, first);
    putEntry(clinical, fixed);
    expect(moveToNewCompartment(clinical, safety, 'clinical', 'safety', owner, at)).toBe(2);
    expect(
      listEntries(safety)
        .map((e) => e.id)
        .sort(),
    ).toEqual([first.id, fixed.id].sort());
    expect(listEntries(safety).find((e) => e.id === fixed.id)?.supersedes).toBe(first.id);
    // The check-in stays; the warning signs leave tombstones by this device.
    expect(listEntries(clinical).map((e) => e.id)).toEqual([checkin.id]);
    const tomb = readEntry(entriesMap(clinical).get(first.id));
    expect(tomb).toMatchObject({ deleted: true, data: null, author: owner });
    // Idempotent.
    expect(moveToNewCompartment(clinical, safety, 'clinical', 'safety', owner, at)).toBe(0);
  });

  it('leaves a history that a professional’s review names, and another device’s entries', () => {
    const { clinical, safety } = setup();
    const reviewed = flags(me);
    const review: Entry = {
      id: newEntryId(pro),
      type: 'redflag-review',
      at,
      author: { deviceId: pro, role: 'professional' },
      data: { target: reviewed.id, action: 'assessed' },
      v: 1,
    };
    const theirs = flags('c'.repeat(64), { author: { deviceId: 'c'.repeat(64), role: 'owner' } });
    // A withdrawal by this device of another device's entry cannot move without its target.
    const withdrawn: Entry = {
      ...flags(me),
      supersedes: theirs.id,
      withdrawn: { reason: 'misclick' },
    };
    for (const e of [reviewed, review, theirs, withdrawn]) putEntry(clinical, e);
    expect(moveToNewCompartment(clinical, safety, 'clinical', 'safety', owner, at)).toBe(0);
    expect(listEntries(safety)).toEqual([]);
    expect(listEntries(clinical)).toHaveLength(5);
  });

  it('moves nothing of types that did not change compartment', () => {
    const { clinical, safety } = setup();
    expect(moveToNewCompartment(clinical, safety, 'clinical', 'journal', owner, at)).toBe(0);
    expect(moveToNewCompartment(clinical, safety, 'clinical', 'safety', owner, at)).toBe(0);
    expect(listEntries(clinical)).toHaveLength(1);
  });
});
