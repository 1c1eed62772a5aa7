import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed } from '../crypto/index';
import type { Role } from '../sync/protocol';
import { newEntryId, newestFirst, type Entry } from './entries';
import { extendFold, foldOf, foldVersions, mayCorrect, timelineItems } from './versions';
import { painSeries } from '../insights';

const patient = deviceKeysFromSeed(newSeed()).deviceId;
const sister = deviceKeysFromSeed(newSeed()).deviceId;
const physio = deviceKeysFromSeed(newSeed()).deviceId;

let clock = Date.UTC(2026, 2, 1);
function checkin(
  by: string,
  role: Role,
  back: number,
  extra: Partial<Entry> = {},
  at = '2026-03-01T08:00:00.000Z',
): Entry {
  clock += 60_000;
  return {
    id: newEntryId(by, clock),
    type: 'pain-checkin',
    at,
    author: { deviceId: by, role },
    data: { scores: { back } },
    v: 1,
    ...extra,
  };
}

describe('versions fold (issue 12 item 8)', () => {
  it('a correction replaces its entry; the old version stays in the history', () => {
    const first = checkin(patient, 'owner', 8);
    const fixed = checkin(patient, 'owner', 3, { supersedes: first.id });
    const v = foldVersions([fixed, first]);
    expect(v.current.map((e) => e.id)).toEqual([fixed.id]);
    expect(v.all).toHaveLength(2);
    expect(v.info.get(first.id)?.supersededBy?.id).toBe(fixed.id);
    expect(v.info.get(fixed.id)?.replaces?.id).toBe(first.id);
    expect(v.info.get(fixed.id)?.current).toBe(true);
  });

  it('a withdrawal leaves no current version and marks the whole history withdrawn', () => {
    const first = checkin(patient, 'owner', 8);
    const fixed = checkin(patient, 'owner', 3, { supersedes: first.id });
    const gone = checkin(patient, 'owner', 3, {
      supersedes: fixed.id,
      withdrawn: { reason: 'wrong day' },
    });
    const v = foldVersions([gone, fixed, first]);
    expect(v.current).toEqual([]);
    for (const e of [first, fixed, gone]) expect(v.info.get(e.id)?.withdrawnBy?.id).toBe(gone.id);
    expect(v.info.get(gone.id)?.withdrawal).toBe(true);
  });

  it('charts read current versions only', () => {
    const a = checkin(patient, 'owner', 9, {}, '2026-03-01T08:00:00.000Z');
    const b = checkin(patient, 'owner', 5, {}, '2026-03-02T08:00:00.000Z');
    const fixA = checkin(patient, 'owner', 2, { supersedes: a.id }, a.at);
    const gone = checkin(patient, 'owner', 5, { supersedes: b.id, withdrawn: { reason: 'x' } });
    const points = painSeries(foldVersions([gone, fixA, b, a]).current, 'back');
    expect(points.map((p) => p.value)).toEqual([2]);
  });

  it('a delegate’s correction of the patient’s entry is not honoured; of its own it is', () => {
    const mine = checkin(patient, 'owner', 8);
    const hers = checkin(sister, 'delegate', 6);
    const forged = checkin(sister, 'delegate', 0, { supersedes: mine.id });
    const own = checkin(sister, 'delegate', 4, { supersedes: hers.id });
    const v = foldVersions([own, forged, hers, mine]);
    expect(v.current.map((e) => e.id).sort()).toEqual([forged.id, mine.id, own.id].sort());
    expect(v.info.get(forged.id)?.replaces).toBeUndefined();
    expect(v.info.get(mine.id)?.supersededBy).toBeUndefined();
  });

  it('the patient corrects anyone’s entry; a professional only its own', () => {
    const hers = checkin(sister, 'delegate', 6);
    const note: Entry = {
      ...checkin(physio, 'professional', 0),
      type: 'note',
      data: { text: 'x' },
    };
    expect(mayCorrect({ deviceId: patient, role: 'owner' }, hers)).toBe(true);
    expect(mayCorrect({ deviceId: physio, role: 'professional' }, hers)).toBe(false);
    expect(mayCorrect({ deviceId: physio, role: 'professional' }, note)).toBe(true);
    expect(mayCorrect({ deviceId: sister, role: 'delegate' }, note)).toBe(false);
    expect(mayCorrect({ deviceId: sister, role: 'viewer' }, hers)).toBe(false);
  });

  it('a supersedes across types, of a missing entry, or of a withdrawal is not honoured', () => {
    const first = checkin(patient, 'owner', 8);
    const crossType: Entry = {
      ...checkin(patient, 'owner', 0),
      type: 'note',
      data: { text: 'x' },
      supersedes: first.id,
    };
    const orphan = checkin(patient, 'owner', 1, { supersedes: newEntryId(patient, 5) });
    const gone = checkin(patient, 'owner', 8, { supersedes: first.id, withdrawn: { reason: 'x' } });
    const revive = checkin(patient, 'owner', 7, { supersedes: gone.id });
    const v = foldVersions([revive, gone, orphan, crossType, first]);
    expect(v.info.get(crossType.id)?.replaces).toBeUndefined();
    expect(v.info.get(orphan.id)?.current).toBe(true);
    expect(v.info.get(revive.id)?.replaces).toBeUndefined();
    expect(v.info.get(first.id)?.supersededBy?.id).toBe(gone.id);
  });

  it('concurrent corrections: the greatest id wins on every device, whatever the order', () => {
    const first = checkin(patient, 'owner', 8);
    const a = checkin(patient, 'owner', 3, { supersedes: first.id });
    const b = checkin(patient, 'owner', 4, { supersedes: first.id });
    const win = a.id > b.id ? a : b;
    const lose = win === a ? b : a;
    for (const order of [
      [first, a, b],
      [b, a, first],
      [a, first, b],
    ]) {
      const v = foldVersions(order);
      expect(v.current.map((e) => e.id)).toEqual([win.id]);
      expect(v.info.get(lose.id)?.supersededBy?.id).toBe(win.id);
    }
  });

  it('a loop of supersedes (hand-made by an owner) is dropped', () => {
    const x = checkin(patient, 'owner', 1);
    const y = checkin(patient, 'owner', 2, { supersedes: x.id });
    const loopX = { ...x, supersedes: y.id };
    const v = foldVersions([loopX, y]);
    expect(v.all).toEqual([]);
    expect(v.current).toEqual([]);
  });
});

describe('timeline items', () => {
  it('one card per history: the head with its earlier versions, newest first', () => {
    const first = checkin(patient, 'owner', 8);
    const fixed = checkin(patient, 'owner', 3, { supersedes: first.id });
    const other = checkin(patient, 'owner', 5);
    const items = timelineItems(foldVersions([fixed, other, first]));
    expect(items.map((i) => i.head.id)).toEqual([fixed.id, other.id]);
    expect(items[0]!.earlier.map((e) => e.id)).toEqual([first.id]);
    expect(items[1]!.earlier).toEqual([]);
  });
});

describe('timeline items with concurrent corrections', () => {
  it('the losing version is listed under the winning one', () => {
    const first = checkin(patient, 'owner', 8);
    const a = checkin(patient, 'owner', 3, { supersedes: first.id });
    const b = checkin(patient, 'owner', 4, { supersedes: first.id });
    const win = a.id > b.id ? a : b;
    const lose = win === a ? b : a;
    const items = timelineItems(foldVersions([b, a, first]));
    expect(items.map((i) => i.head.id)).toEqual([win.id]);
    expect(items[0]!.earlier.map((e) => e.id).sort()).toEqual([first.id, lose.id].sort());
  });
});

describe('extendFold: adding to a fold without folding again', () => {
  const sorted = (xs: Entry[]) => xs.slice().sort(newestFirst);

  it('adds plain new entries in the record order, as a fold of everything would', () => {
    const a = checkin(patient, 'owner', 1, {}, '2026-03-03T08:00:00.000Z');
    const b = checkin(patient, 'owner', 2, {}, '2026-03-01T08:00:00.000Z');
    const fix = checkin(patient, 'owner', 3, { supersedes: b.id }, b.at);
    const fold = foldOf(sorted([a, b, fix]));
    const c = checkin(sister, 'delegate', 4, {}, '2026-03-02T08:00:00.000Z');
    const d = checkin(sister, 'delegate', 5, {}, '2026-03-04T08:00:00.000Z');
    const next = extendFold(fold, [c, d], newestFirst);
    expect(next?.versions).toEqual(foldVersions(sorted([a, b, fix, c, d])));
    expect(next?.input).toEqual(sorted([a, b, fix, c, d]));
    expect(fold.versions.current).toHaveLength(2); // the fold it came from is unchanged
  });

  it('declines whatever could change another verdict: a full fold is needed', () => {
    const a = checkin(patient, 'owner', 1);
    const awaitedId = newEntryId(patient, (clock += 60_000));
    const early = checkin(patient, 'owner', 2, { supersedes: awaitedId });
    const fold = foldOf(sorted([a, early]));
    expect(fold.awaited.has(awaitedId)).toBe(true);
    const correction = checkin(patient, 'owner', 3, { supersedes: a.id });
    const withdrawal = checkin(patient, 'owner', 3, {
      supersedes: a.id,
      withdrawn: { reason: 'mistake' },
    });
    const target: Entry = { ...checkin(patient, 'owner', 4), id: awaitedId };
    const twice = checkin(patient, 'owner', 5);
    for (const added of [[correction], [withdrawal], [target], [{ ...a }], [twice, twice]])
      expect(extendFold(fold, added, newestFirst)).toBeNull();
    expect(extendFold(fold, [], newestFirst)).toBe(fold);
  });
});
