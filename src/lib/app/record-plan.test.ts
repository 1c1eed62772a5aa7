import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed } from '$lib/core/crypto/index';
import { entriesMap } from '$lib/core/record/index';
import type { Role } from '$lib/core/sync/index';
import { writeEntry, type EntryContext } from './record-entries';
import { SharingError, type OpenCompartment } from './session-types';

/** The plan's write rules at the one writer (issue 12 items 4, 5; THREAT_MODEL rule 27). */

function context(role: Role): { ctx: EntryContext; clinical: Y.Doc } {
  const clinical = new Y.Doc();
  const open = {
    name: 'clinical',
    docId: 'clinical',
    inner: clinical,
  } as unknown as OpenCompartment;
  const ctx = {
    compartments: new Map([['clinical', open]]),
    role,
    deviceId: deviceKeysFromSeed(newSeed()).deviceId,
  };
  return { ctx, clinical };
}

const exercise = {
  kind: 'exercise' as const,
  title: 'Bird dog',
  dose: { sets: 3, reps: 10 },
  times: 1,
  per: 'day' as const,
};

describe('plan write rules at the writer', () => {
  it('a professional writes plan items and appointments; the patient and a delegate do not write plan items', () => {
    const pro = context('professional');
    writeEntry(pro.ctx, 'plan-item', exercise);
    writeEntry(pro.ctx, 'appointment', { when: '2026-03-10T08:30:00.000Z', with: 'Ana Jensen' });
    expect(entriesMap(pro.clinical).size).toBe(2);
    expect(() => writeEntry(pro.ctx, 'goal', { text: 'Walk' })).toThrow(SharingError);
    expect(() => writeEntry(pro.ctx, 'work-status', { status: 'working' })).toThrow(SharingError);
    expect(() => writeEntry(pro.ctx, 'visit-question', { text: 'Run?' })).toThrow(SharingError);
    for (const role of ['owner', 'delegate'] as const) {
      const p = context(role);
      expect(() => writeEntry(p.ctx, 'plan-item', exercise)).toThrow(SharingError);
      writeEntry(p.ctx, 'goal', { text: 'Walk 30 minutes' });
      writeEntry(p.ctx, 'work-status', { status: 'sick-leave', from: '2026-03-01' });
      writeEntry(p.ctx, 'exercise-done', { item: '0'.repeat(19), day: '2026-03-02', done: true });
      expect(entriesMap(p.clinical).size).toBe(3);
    }
    expect(() => writeEntry(context('viewer').ctx, 'goal', { text: 'Walk' })).toThrow(SharingError);
  });

  it('refuses malformed plan data before writing', () => {
    const pro = context('professional');
    expect(() => writeEntry(pro.ctx, 'plan-item', { ...exercise, times: 0 })).toThrow(RangeError);
    expect(entriesMap(pro.clinical).size).toBe(0);
  });
});
