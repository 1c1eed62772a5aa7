import { describe, expect, it } from 'vitest';
import { isAllergy, isCondition } from '../record/problems';
import { checkBundle } from './check';
import { exportBundle } from './export';
import { importBundle } from './import';
import type { EntryInput, RecordView } from './input';
import {
  allergyFromRecord,
  allergyToRecord,
  conditionFromRecord,
  conditionToRecord,
} from './record-shapes';

const PATIENT = { deviceId: 'a'.repeat(64), role: 'owner' as const };
const entry = (
  id: string,
  type: string,
  data: unknown,
  at = '2026-06-01T10:00:00.000Z',
): EntryInput => ({
  id: `${id.padEnd(16, '0')}${'a'.repeat(24)}`,
  type,
  at,
  compartment: 'clinical',
  author: PATIENT,
  data,
});

describe('the record’s own conditions and allergies in FHIR', () => {
  it('exports coded and free-text conditions and allergies written by the app', () => {
    const record: RecordView = {
      recordId: 'r1',
      profile: { given: ['Mette'], family: 'Sørensen', birthDate: '1981-04-12' },
      entries: [
        entry('c1', 'condition', { code: 'sciatica', side: 'left', status: 'active' }),
        entry('c2', 'condition', { text: 'Migraine', side: 'none', status: 'resolved' }),
        entry('a1', 'allergy', { kind: 'allergy', substance: 'Penicillin', reaction: 'Rash' }),
        // An older "no known allergies", superseded by the penicillin allergy added later.
        entry('a2', 'allergy', { kind: 'none' }, '2026-05-01T10:00:00.000Z'),
      ],
      grants: [],
    };
    const bundle = exportBundle(record, { now: '2026-07-01T00:00:00.000Z' });
    expect(checkBundle(bundle)).toEqual([]);
    const conditions = bundle.entry!.filter((e) => e.resource?.resourceType === 'Condition');
    expect(conditions.map((c) => JSON.stringify(c.resource))).toEqual([
      expect.stringContaining('23056005'),
      expect.stringContaining('Migraine'),
    ]);
    const allergies = bundle.entry!.filter(
      (e) => e.resource?.resourceType === 'AllergyIntolerance',
    );
    expect(allergies).toHaveLength(1);
    expect(JSON.stringify(allergies[0])).toContain('Penicillin');
  });

  it('exports "no known allergies" as SNOMED CT 716186003 when it is the newest allergy entry', () => {
    const record: RecordView = {
      recordId: 'r1',
      profile: { given: ['Mette'], family: 'Sørensen', birthDate: '1981-04-12' },
      entries: [
        entry(
          'a1',
          'allergy',
          { kind: 'allergy', substance: 'Penicillin' },
          '2026-05-01T10:00:00.000Z',
        ),
        entry('a2', 'allergy', { kind: 'none' }),
      ],
      grants: [],
    };
    const bundle = exportBundle(record, { now: '2026-07-01T00:00:00.000Z' });
    expect(checkBundle(bundle)).toEqual([]);
    const allergies = bundle.entry!.filter(
      (e) => e.resource?.resourceType === 'AllergyIntolerance',
    );
    expect(allergies).toHaveLength(1);
    expect(JSON.stringify(allergies[0])).toContain('"code":"716186003"');
    // And it comes back as the record's own "no known allergies".
    const back = importBundle(bundle);
    expect(back.entries.filter((e) => e.type === 'allergy').map((e) => e.data)).toEqual([
      { noKnownAllergies: true },
    ]);
  });

  it('maps imported conditions and allergies to entries that pass the registry guards', () => {
    const coded = conditionToRecord({
      text: 'Iskias',
      snomed: { code: '23056005', display: 'Sciatica' },
      clinicalStatus: 'active',
    });
    expect(coded).toEqual({ code: 'sciatica', side: 'none', status: 'active' });
    const free = conditionToRecord({
      text: '  Type 2   diabetes ',
      clinicalStatus: 'remission',
      onset: '2019-03-01',
    });
    expect(free).toEqual({
      text: 'Type 2 diabetes',
      side: 'none',
      status: 'resolved',
      onset: '2019-03-01',
    });
    expect(isCondition(free)).toBe(true);
    const allergy = allergyToRecord({ substance: 'Peanut', clinicalStatus: 'active' });
    expect(isAllergy(allergy)).toBe(true);
    // And back: the same clinical facts.
    expect(conditionFromRecord(coded)?.snomed?.code).toBe('23056005');
    expect(allergyFromRecord(allergy)?.substance).toBe('Peanut');
    expect(conditionToRecord({ text: ' ', clinicalStatus: 'active' })).toBeNull();
  });
});
