import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed } from '$lib/core/crypto/index';
import type { Role } from '$lib/core/sync/index';
import { readEntries, writeEntry, type EntryContext } from './record-entries';
import { SharingError, type OpenCompartment } from './session-types';
import { collectDemo, DEMO_PHYSIO } from './demo/index';
import { exportBundle } from '$lib/core/fhir/export';

/** The writer names a professional with profession and organisation; rule 30 at the writer. */

function context(role: Role, authorInfo?: EntryContext['authorInfo']): EntryContext {
  const clinical = new Y.Doc();
  const compartments = new Map([
    [
      'clinical',
      { name: 'clinical', docId: 'clinical', inner: clinical } as unknown as OpenCompartment,
    ],
  ]);
  return { compartments, role, deviceId: deviceKeysFromSeed(newSeed()).deviceId, authorInfo };
}

const ODI = { instrument: 'odi', version: 1, answers: [2, 1, 1, 2, 1, 0, 1, 0, 1, 1] } as const;

describe('the writer of professional entries', () => {
  it('names the professional with profession and organisation from the profile', () => {
    const ctx = context('professional', {
      name: 'Ana Jensen',
      sector: 'physiotherapy',
      profession: 'Physiotherapist',
      organisation: 'Fysio Nord',
    });
    const e = writeEntry(ctx, 'goniometry', { region: 'cervical', degrees: { flexion: 40 } });
    expect(e.author).toMatchObject({
      role: 'professional',
      name: 'Ana Jensen',
      sector: 'physiotherapy',
      profession: 'Physiotherapist',
      organisation: 'Fysio Nord',
    });
    expect(readEntries(ctx.compartments, 'clinical')).toHaveLength(1);
  });

  it('leaves out empty profile fields and refuses oversize ones without writing', () => {
    const plain = context('delegate', {
      name: 'Maja',
      sector: 'family',
      profession: ' ',
      organisation: '',
    });
    const e = writeEntry(plain, 'note', { text: 'Picked up the prescription' });
    expect(Object.keys(e.author).sort()).toEqual(['deviceId', 'name', 'role', 'sector']);
    const huge = context('professional', {
      name: 'Ana',
      sector: 'physiotherapy',
      profession: 'x'.repeat(121),
    });
    expect(() => writeEntry(huge, 'note', { text: 'Hi' })).toThrow(RangeError);
    expect(readEntries(huge.compartments, 'clinical')).toHaveLength(0);
  });

  it('a professional enters a questionnaire only with the patient; a delegate may not write ROM', () => {
    const pro = context('professional');
    expect(() => writeEntry(pro, 'questionnaire', ODI)).toThrow(SharingError);
    expect(readEntries(pro.compartments, 'clinical')).toHaveLength(0);
    const e = writeEntry(pro, 'questionnaire', { ...ODI, enteredWithPatient: true });
    expect(e.data).toMatchObject({ instrument: 'odi', enteredWithPatient: true });
    const sister = context('delegate');
    expect(() =>
      writeEntry(sister, 'goniometry', { region: 'lumbar', degrees: { flexion: 50 } }),
    ).toThrow(SharingError);
  });

  it('the demo physiotherapist’s entries carry profession and organisation', () => {
    const clinical = collectDemo(new Date('2026-12-01T12:00:00Z')).get('clinical') ?? [];
    const byPhysio = clinical.filter((e) => e.author.role === 'professional');
    expect(byPhysio.length).toBeGreaterThan(0);
    for (const e of byPhysio) {
      expect(e.author).toMatchObject({
        name: DEMO_PHYSIO.name,
        profession: DEMO_PHYSIO.profession,
        organisation: DEMO_PHYSIO.organisation,
      });
    }
  });

  it('the FHIR export names the physiotherapist’s profession and organisation', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    const clinical = collectDemo(now).get('clinical') ?? [];
    const bundle = exportBundle(
      {
        recordId: 'demo',
        profile: null,
        entries: clinical.map((e) => ({ ...e, compartment: 'clinical' })),
        grants: [],
      },
      { now: now.toISOString() },
    );
    const resources = (bundle.entry ?? []).map((b) => b.resource);
    const role = resources.find((r) => r?.resourceType === 'PractitionerRole');
    const org = resources.find((r) => r?.resourceType === 'Organization');
    expect(JSON.stringify(role)).toContain(DEMO_PHYSIO.profession);
    expect(org).toMatchObject({ name: DEMO_PHYSIO.organisation });
  });
});
