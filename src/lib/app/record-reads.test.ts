import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed } from '$lib/core/crypto/index';
import {
  deleteEntry,
  entriesMap,
  isValidEntry,
  listEntries,
  newestFirst,
  RED_FLAG_ITEMS,
  type Compartment,
  type RedFlagItem,
  type Entry,
} from '$lib/core/record/index';
import { foldVersions, type RecordVersions } from '$lib/core/record/versions';
import { cachedVersionsOf, readCounts } from './record-reads';
import {
  RECORD_VIEW,
  correctEntry,
  withdrawEntry,
  writeEntry,
  type EntryContext,
} from './record-entries';
import type { OpenCompartment } from './session-types';

/** What a read gave before the cache: every entry listed and folded again. */
function foldedAnew(
  c: ReadonlyMap<string, Pick<OpenCompartment, 'inner'>>,
  names: readonly Compartment[],
): RecordVersions {
  const seen = new Set<string>();
  const all: Entry[] = [];
  for (const name of names) {
    const doc = c.get(name)?.inner;
    if (!doc) continue;
    for (const e of listEntries(doc)) {
      if (seen.has(e.id) || !isValidEntry(e, name)) continue;
      seen.add(e.id);
      all.push(e);
    }
  }
  if (names.length > 1) all.sort(newestFirst);
  return foldVersions(all);
}

/** A small seeded generator (mulberry32), so that a failing history can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const compartments = () => {
  const open = (name: string) =>
    ({ name, docId: name, inner: new Y.Doc() }) as unknown as OpenCompartment;
  return new Map(['clinical', 'safety'].map((n) => [n, open(n)] as const));
};

/** A writer of the patient's own devices, on `c`. */
const ownerOf = (c: EntryContext['compartments']): EntryContext => ({
  compartments: c,
  role: 'owner',
  deviceId: deviceKeysFromSeed(newSeed()).deviceId,
});

const NO_FLAGS = Object.fromEntries(RED_FLAG_ITEMS.map((q) => [q, false])) as Record<
  RedFlagItem,
  boolean
>;

describe('reading the record again after a change (record-reads.ts)', () => {
  it('gives what folding everything again gives, over random histories delivered in any order', () => {
    const before = { ...readCounts };
    for (let seed = 1; seed <= 12; seed++) {
      const rnd = random(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      // Entries are written on a "sender" (with the real write rules) and delivered to the
      // device under test in random order, batches and transactions, as a relay might.
      const sender = compartments();
      const device = compartments();
      const owner = ownerOf(sender);
      const sister: EntryContext = {
        ...owner,
        role: 'delegate',
        deviceId: deviceKeysFromSeed(newSeed()).deviceId,
      };
      const queue: { name: string; key: string }[] = [];
      const written = (name: string, e: Entry) => queue.push({ name, key: e.id });
      const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n, 8));
      const check = () => {
        for (const names of [['clinical'] as const, RECORD_VIEW]) {
          expect(cachedVersionsOf(device, names)).toEqual(foldedAnew(device, names));
        }
      };
      for (let step = 0; step < 120; step++) {
        const r = rnd();
        const current = foldedAnew(sender, ['clinical']).current;
        if (r < 0.45 || current.length === 0) {
          const who = rnd() < 0.7 ? owner : sister;
          const e = writeEntry(
            who,
            'pain-checkin',
            { scores: { back: step % 11 } },
            day(Math.floor(rnd() * 20)),
          );
          written('clinical', e);
        } else if (r < 0.55) {
          written(
            'clinical',
            correctEntry(owner, pick(current), 'pain-checkin', { scores: { back: 3 } }),
          );
        } else if (r < 0.62) {
          written('clinical', withdrawEntry(owner, pick(current), 'entered by mistake'));
        } else if (r < 0.68) {
          const target = pick(current);
          deleteEntry(
            sender.get('clinical')!.inner,
            target.id,
            target.author,
            new Date().toISOString(),
          );
          written('clinical', target);
        } else if (r < 0.76) {
          written(
            'safety',
            writeEntry(owner, 'red-flags', { answers: NO_FLAGS }, day(Math.floor(rnd() * 20))),
          );
        } else if (r < 0.72) {
          // A withdrawal that replaces nothing: no entry (`isRevision`), on either path.
          const e = writeEntry(owner, 'pain-checkin', { scores: { back: 1 } }, day(3));
          entriesMap(sender.get('clinical')!.inner).set(e.id, {
            ...e,
            withdrawn: { reason: 'odd' },
          });
          written('clinical', e);
        } else if (r < 0.8) {
          // Something that is not an entry, under a new key and under an entry's key.
          const map = entriesMap(device.get('clinical')!.inner);
          map.set(rnd() < 0.5 ? `junk-${step}` : pick(current).id, { nonsense: step });
        }
        // Deliver some of what is queued: in random order, one transaction or several.
        const n = Math.floor(rnd() * Math.min(queue.length + 1, 4));
        const batch = Array.from(
          { length: n },
          () => queue.splice(Math.floor(rnd() * queue.length), 1)[0]!,
        );
        const deliver = (item: { name: string; key: string }) => {
          const value = entriesMap(sender.get(item.name)!.inner).get(item.key);
          entriesMap(device.get(item.name)!.inner).set(item.key, value);
        };
        if (rnd() < 0.5) {
          const doc = device.get('clinical')!.inner;
          doc.transact(() => {
            for (const item of batch) deliver(item);
            // A read in the middle of a transaction sees what the map holds now.
            if (rnd() < 0.3) check();
          });
        } else for (const item of batch) deliver(item);
        if (rnd() < 0.7) check();
      }
      for (const item of queue.splice(0)) {
        const value = entriesMap(sender.get(item.name)!.inner).get(item.key);
        entriesMap(device.get(item.name)!.inner).set(item.key, value);
      }
      check();
    }
    // Both ways were taken: a test of one alone would not show they agree.
    expect(readCounts.extended - before.extended).toBeGreaterThan(100);
    expect(readCounts.full - before.full).toBeGreaterThan(100);
  });

  it('hands out its own arrays: sorting what a read returned does not change the next read', () => {
    const c = compartments();
    const owner = ownerOf(c);
    writeEntry(owner, 'pain-checkin', { scores: { back: 1 } }, new Date('2026-01-01'));
    writeEntry(owner, 'pain-checkin', { scores: { back: 2 } }, new Date('2026-01-02'));
    const first = cachedVersionsOf(c, ['clinical']);
    first.current.reverse();
    first.all.length = 0;
    expect(cachedVersionsOf(c, ['clinical'])).toEqual(foldedAnew(c, ['clinical']));
  });

  it('folds anew when more changes came than the log keeps (64 transactions)', () => {
    const c = compartments();
    const owner = ownerOf(c);
    writeEntry(owner, 'pain-checkin', { scores: { back: 1 } });
    cachedVersionsOf(c, ['clinical']);
    for (let i = 0; i < 70; i++) writeEntry(owner, 'pain-checkin', { scores: { back: i % 11 } });
    const full = readCounts.full;
    expect(cachedVersionsOf(c, ['clinical'])).toEqual(foldedAnew(c, ['clinical']));
    expect(readCounts.full).toBe(full + 1);
    // Within the log's reach, new check-ins are added to the fold.
    writeEntry(owner, 'pain-checkin', { scores: { back: 2 } });
    const extended = readCounts.extended;
    expect(cachedVersionsOf(c, ['clinical'])).toEqual(foldedAnew(c, ['clinical']));
    expect(readCounts.extended).toBe(extended + 1);
  });

  it('folds a compartment opened anew (another document) from scratch', () => {
    const c = compartments();
    const owner = ownerOf(c);
    writeEntry(owner, 'pain-checkin', { scores: { back: 1 } });
    expect(cachedVersionsOf(c, ['clinical']).current).toHaveLength(1);
    c.set('clinical', {
      name: 'clinical',
      docId: 'clinical',
      inner: new Y.Doc(),
    } as unknown as OpenCompartment);
    expect(cachedVersionsOf(c, ['clinical']).current).toHaveLength(0);
  });
});
