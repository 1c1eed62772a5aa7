import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed, rootKeysFromSeed, type DeviceKeys } from '../crypto/index';
import { scoredResponses } from '../insights';
import {
  addOwnerDevice,
  createRecordManifest,
  ManifestKeyring,
  openLockboxes,
} from '../sharing/manifest';
import { grantAccess } from '../sharing/grants';
import { EncryptedDocBinding } from '../sync/binding';
import type { Role, SignedManifest } from '../sync/protocol';
import { QUESTIONNAIRE } from './clinical';
import { entriesMap, listEntries, META, newEntryId, putEntry, schemaVersion } from './entries';
import { migrate, reorderOrebro } from './migrate';
import { validateRecordUpdate } from './validate';

/**
 * [ORE-7] The schema-2 migration through the real encrypted binding: an owner device rewrites its
 * own old-order ÖMPSQ-10 entries, every other device accepts the update under the write rules,
 * and everyone reads the same scores before and after.
 */

const t0 = 1_800_000_000_000;
const root = rootKeysFromSeed(newSeed());
const phone = deviceKeysFromSeed(newSeed());
const laptop = deviceKeysFromSeed(newSeed());
const sister = deviceKeysFromSeed(newSeed());

function sync(a: Y.Doc, b: Y.Doc) {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

function device(keys: DeviceKeys, role: Role, manifest: SignedManifest, docId: string) {
  const keyring = new ManifestKeyring(manifest, openLockboxes(manifest, keys), () => t0 + 10);
  const inner = new Y.Doc();
  const outer = new Y.Doc();
  const binding = new EncryptedDocBinding({
    docId,
    inner,
    outer,
    keyring,
    author: { ...keys, role },
    validate: validateRecordUpdate,
    batchMs: 0,
  });
  /** What the app before ORE-7 wrote: no version, answers in the old order. */
  const writeOld = (answers: number[], at: string) =>
    putEntry(inner, {
      id: newEntryId(keys.deviceId, Date.parse(at)),
      type: QUESTIONNAIRE,
      at,
      author: { deviceId: keys.deviceId, role },
      data: { instrument: 'orebro', answers },
      v: 1,
    });
  const scores = () =>
    scoredResponses(listEntries(inner)).map((s) => [s.entry.at, s.result.score, s.result.band]);
  return { inner, outer, binding, writeOld, scores, keys };
}

describe('[ORE-7] schema-2 migration over the encrypted binding', () => {
  it('the owner rewrites its own entries; other devices accept it and read the same scores', () => {
    const { manifest: m1, keys } = createRecordManifest(root, phone, t0);
    const clinical = m1.compartments.find((c) => c.name === 'clinical')!.docId;
    const m2 = addOwnerDevice(m1, root, laptop, keys, t0);
    const m3 = grantAccess(
      m2,
      root,
      { device: sister, role: 'viewer', compartments: [clinical], notAfter: null },
      keys,
      t0,
    );
    const p = device(phone, 'owner', m3, clinical);
    const l = device(laptop, 'owner', m3, clinical);
    const s = device(sister, 'viewer', m3, clinical);
    // An old record: schema 1, old-order answers from two owner devices.
    p.inner.getMap(META).set('schema', 1);
    p.writeOld([8, 7, 0, 6, 7, 5, 6, 0, 2, 0], '2026-03-01T10:00:00.000Z'); // 57, raised
    l.writeOld([1, 0, 0, 0, 0, 10, 0, 0, 10, 10], '2026-04-01T10:00:00.000Z'); // 1, lower
    sync(p.outer, l.outer);
    sync(p.outer, s.outer);
    const before = [
      ['2026-03-01T10:00:00.000Z', 57, 'raised'],
      ['2026-04-01T10:00:00.000Z', 1, 'lower'],
    ];
    for (const d of [p, l, s]) expect(d.scores()).toEqual(before);

    expect(migrate(p.inner, { deviceId: phone.deviceId })).toEqual({ from: 1, to: 2 });
    sync(p.outer, l.outer);
    sync(p.outer, s.outer);
    for (const d of [p, l, s]) {
      expect(d.binding.stats().rejected).toEqual([]);
      expect(schemaVersion(d.inner)).toBe(2);
      expect(d.scores()).toEqual(before);
      const versions = [...entriesMap(d.inner).values()].map(
        (e) => (e as { data: { version?: number } }).data.version,
      );
      // The phone's entry is rewritten (version 2); the laptop's is the laptop's to rewrite.
      expect(versions.sort()).toEqual([2, undefined]);
    }

    // The laptop opens later: the schema is already 2, so nothing runs again.
    expect(migrate(l.inner, { deviceId: laptop.deviceId })).toEqual({ from: 2, to: 2 });
  });

  it('why only its own: rewriting another device’s entry is refused by every other device', () => {
    const { manifest: m1, keys } = createRecordManifest(root, phone, t0);
    const clinical = m1.compartments.find((c) => c.name === 'clinical')!.docId;
    const m2 = addOwnerDevice(m1, root, laptop, keys, t0);
    const p = device(phone, 'owner', m2, clinical);
    const l = device(laptop, 'owner', m2, clinical);
    l.writeOld([1, 0, 0, 0, 0, 10, 0, 0, 10, 10], '2026-04-01T10:00:00.000Z');
    sync(p.outer, l.outer);
    // The phone acting as if it were the laptop's migration: the entry names the laptop.
    reorderOrebro(p.inner, { deviceId: laptop.deviceId });
    sync(p.outer, l.outer);
    expect(l.binding.stats().rejected.map((r) => r.detail)).toEqual([
      'an entry must name its writer as author',
    ]);
    // The laptop still reads its own entry, in the old order, correctly.
    expect(l.scores()).toEqual([['2026-04-01T10:00:00.000Z', 1, 'lower']]);
  });
});
