import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import {
  deviceKeysFromSeed,
  newSeed,
  rootKeysFromSeed,
  sealEnvelopeBytes,
  type DeviceKeys,
} from '../crypto/index';
import {
  entriesMap,
  listEntries,
  newEntryId,
  putEntry,
  validateRecordUpdate,
  type Entry,
} from '../record/index';
import { craftUpdate, itemAt, nextClock } from '../record/testing';
import { EncryptedDocBinding, OUTER_ARRAY } from '../sync/binding';
import type { Role, SignedManifest } from '../sync/protocol';
import { grantAccess } from './grants';
import { createRecordManifest, ManifestKeyring, openLockboxes } from './manifest';

/**
 * THREAT_MODEL rule 2 through the real path: envelopes signed by a professional who holds a valid
 * grant, carrying raw Yjs updates crafted to replace or remove the patient's entry.
 */

const t0 = 1_800_000_000_000;
const root = rootKeysFromSeed(newSeed());
const phone = deviceKeysFromSeed(newSeed());
const physio = deviceKeysFromSeed(newSeed());
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
  const note = (text: string, id: string = newEntryId(keys.deviceId)): Entry => ({
    id: id as Entry['id'],
    type: 'note',
    at: new Date(t0).toISOString(),
    author: { deviceId: keys.deviceId, role },
    data: { text },
    v: 1,
  });
  const write = (text: string) => {
    const e = note(text);
    putEntry(inner, e);
    return e;
  };
  const texts = () =>
    listEntries(inner)
      .map((e) => (e.data as { text: string }).text)
      .sort();
  /** Signs and publishes a raw inner update as this device, as a hostile client would. */
  const send = (update: Uint8Array, seq: number) => {
    const current = keyring.current(docId)!;
    const env = sealEnvelopeBytes(
      {
        kind: 'update',
        docId,
        epoch: current.epoch,
        author: keys.signPublic,
        seq,
        covers: new Map(),
      },
      current.key,
      update,
      keys.signSecret,
    );
    outer.getArray<Uint8Array>(OUTER_ARRAY).push([env]);
    return env;
  };
  return { keyring, inner, outer, binding, note, write, texts, send, keys };
}

function setup() {
  const { manifest: m1, keys } = createRecordManifest(root, phone, t0);
  const clinical = m1.compartments.find((c) => c.name === 'clinical')!.docId;
  const m2 = grantAccess(
    m1,
    root,
    { device: physio, role: 'professional', compartments: [clinical], notAfter: null },
    keys,
    t0,
  );
  const m3 = grantAccess(
    m2,
    root,
    { device: sister, role: 'delegate', compartments: [clinical], notAfter: null },
    keys,
    t0,
  );
  return {
    manifest: m3,
    clinical,
    patient: device(phone, 'owner', m3, clinical),
    pro: device(physio, 'professional', m3, clinical),
    sis: device(sister, 'delegate', m3, clinical),
  };
}

const rejections = (d: { binding: EncryptedDocBinding }) =>
  d.binding.stats().rejected.map((r) => `${r.reason}: ${r.detail ?? ''}`);

describe('a grantee cannot replace or remove the patient’s entry (through the binding)', () => {
  it('refuses and reports crafted replacements and deletions; the patient keeps writing', () => {
    const { patient, pro, sis } = setup();
    const mine = patient.write('pain 7 after lifting');
    sync(patient.outer, pro.outer);
    sync(patient.outer, sis.outer);
    const target = itemAt(pro.inner, mine.id)!;
    const forged = pro.note('no pain, discharged', mine.id);
    const victim = patient.inner.clientID;
    // Sent with seqs far above the professional's own, so its honest writes are not replays.
    pro.send(
      craftUpdate([
        { client: 0xfffffff0, clock: 0, parent: 'entries', key: mine.id, value: forged },
      ]),
      101,
    );
    pro.send(craftUpdate([{ client: 77, clock: 0, origin: target.lastId, value: forged }]), 102);
    pro.send(
      craftUpdate([], [{ client: victim, clock: nextClock(pro.inner, victim), len: 1 }]),
      103,
    );
    for (const d of [patient, sis]) sync(pro.outer, d.outer);

    for (const d of [patient, sis]) {
      expect(d.texts()).toEqual(['pain 7 after lifting']);
      expect(entriesMap(d.inner).get(mine.id)).toEqual(mine);
      const reported = rejections(d);
      expect(reported).toHaveLength(3);
      expect(reported.every((r) => r.startsWith('forbidden-change: '))).toBe(true);
      expect(reported[0]).toContain('tag');
      expect(reported[2]).toContain('only the owner deletes');
    }
    // The patient's next entry is exactly what the refused pending deletion aimed at.
    patient.write('pain 5, walked 20 minutes');
    const note = pro.write('physio: start graded walking');
    for (let i = 0; i < 2; i++) for (const d of [pro, sis]) sync(patient.outer, d.outer);
    const expected = [
      'pain 5, walked 20 minutes',
      'pain 7 after lifting',
      'physio: start graded walking',
    ];
    for (const d of [patient, sis]) {
      expect(d.texts()).toEqual(expected);
      expect(rejections(d)).toHaveLength(3);
    }
    expect(entriesMap(sis.inner).get(note.id)).toEqual(note);
  });

  it('a fresh device that gets the forged write before the patient’s entry still shows the patient’s', () => {
    const { manifest, clinical, patient, pro } = setup();
    const mine = patient.write('pain 7 after lifting');
    const forged = pro.note('no pain, discharged', mine.id);
    const attack = pro.send(
      craftUpdate([
        { client: 0xfffffff0, clock: 0, parent: 'entries', key: mine.id, value: forged },
      ]),
      101,
    );
    const honest = patient.outer.getArray<Uint8Array>(OUTER_ARRAY).toArray();
    // A hostile relay delivers the forgery first, then the patient's entry, to devices that
    // have neither: the patient's restored phone and the delegate's new laptop.
    for (const [keys, role] of [
      [phone, 'owner'],
      [sister, 'delegate'],
    ] as const) {
      const fresh = device(keys, role, manifest, clinical);
      const array = fresh.outer.getArray<Uint8Array>(OUTER_ARRAY);
      array.push([attack]);
      for (const env of honest) array.push([env]);
      expect(fresh.texts()).toEqual(['pain 7 after lifting']);
      expect(rejections(fresh)).toEqual([
        "forbidden-change: an entry id must carry its writer's tag",
      ]);
      // Still usable: the device writes, and what it writes reaches the patient.
      const text = role === 'owner' ? 'from the restored phone' : 'sister: drove to physio';
      fresh.write(text);
      sync(fresh.outer, patient.outer);
      expect(patient.texts()).toContain(text);
      expect(patient.texts()).toContain('pain 7 after lifting');
    }
  });
});
