import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed } from '$lib/core/crypto/index';
import {
  COMPARTMENT_ORIGIN,
  ENTRY_TYPES,
  entriesMap,
  type Compartment,
} from '$lib/core/record/index';
import type { Role } from '$lib/core/sync/index';
import {
  compartmentFor,
  readVersionsOf,
  RECORD_VIEW,
  withdrawEntry,
  writeEntry,
  type EntryContext,
} from './record-entries';
import { SharingError, type OpenCompartment } from './session-types';
import { redFlagAnswers } from '$lib/core/record/clinical.testing';

/**
 * Where warning signs are written and read (issue 12 item 9): in `safety`; in a record made
 * before it existed, in `clinical` as then; an entry's corrections and reviews beside it.
 */

const me = deviceKeysFromSeed(newSeed());
const pro = deviceKeysFromSeed(newSeed());
const answers = redFlagAnswers('saddle-numbness');

function record(names: readonly Compartment[]) {
  const docs = new Map(names.map((n) => [n, new Y.Doc()]));
  const compartments = new Map(
    names.map((n) => [n, { name: n, docId: n, inner: docs.get(n)! } as unknown as OpenCompartment]),
  );
  const as = (role: Role, deviceId: string, recordHas?: (n: Compartment) => boolean) =>
    ({ compartments, role, deviceId, ...(recordHas ? { recordHas } : {}) }) as EntryContext;
  return { docs, compartments, as };
}

describe('the safety compartment', () => {
  it('is declared once: every type that moved names where it came from', () => {
    for (const spec of Object.values(ENTRY_TYPES)) {
      if (spec.formerly === undefined) continue;
      expect(COMPARTMENT_ORIGIN[spec.compartment]).toBe(spec.formerly);
    }
    expect(ENTRY_TYPES['red-flags'].compartment).toBe('safety');
    expect(ENTRY_TYPES['redflag-review'].compartment).toBe('safety');
  });

  it('holds new warning signs; a record without it keeps them in clinical', () => {
    const now = record(['clinical', 'safety']);
    const e = writeEntry(now.as('owner', me.deviceId), 'red-flags', { answers });
    expect(entriesMap(now.docs.get('safety')!).has(e.id)).toBe(true);
    expect(entriesMap(now.docs.get('clinical')!).size).toBe(0);

    const older = record(['clinical']);
    const o = writeEntry(
      older.as('owner', me.deviceId, () => false),
      'red-flags',
      { answers },
    );
    expect(entriesMap(older.docs.get('clinical')!).has(o.id)).toBe(true);
  });

  it('refuses a writer whose grant leaves it out, when the record has it', () => {
    const r = record(['clinical']);
    const delegate = r.as('delegate', me.deviceId, (n) => n === 'clinical' || n === 'safety');
    expect(() => writeEntry(delegate, 'red-flags', { answers })).toThrow(SharingError);
    expect(entriesMap(r.docs.get('clinical')!).size).toBe(0);
  });

  it('writes a review or a withdrawal beside the entry it names, and reads both as one record', () => {
    const r = record(['clinical', 'safety']);
    // A warning sign an older app wrote into clinical.
    const older = record(['clinical']);
    const legacy = writeEntry(
      older.as('owner', me.deviceId, () => false),
      'red-flags',
      {
        answers,
      },
    );
    entriesMap(r.docs.get('clinical')!).set(legacy.id, legacy);
    const review = writeEntry(r.as('professional', pro.deviceId), 'redflag-review', {
      target: legacy.id,
      action: 'assessed',
    });
    expect(entriesMap(r.docs.get('clinical')!).has(review.id)).toBe(true);
    expect(compartmentFor(r, 'red-flags', legacy.id)?.name).toBe('clinical');
    const fresh = writeEntry(r.as('owner', me.deviceId), 'red-flags', { answers });
    const gone = withdrawEntry(r.as('owner', me.deviceId), fresh, 'misclick');
    expect(entriesMap(r.docs.get('safety')!).has(gone.id)).toBe(true);
    const view = readVersionsOf(r.compartments, RECORD_VIEW);
    expect(view.current.map((e) => e.id).sort()).toEqual([legacy.id, review.id].sort());
    expect(view.info.get(fresh.id)?.withdrawnBy?.id).toBe(gone.id);
  });
});
