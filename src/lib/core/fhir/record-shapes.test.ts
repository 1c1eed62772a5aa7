import { describe, expect, it } from 'vitest';
import { isAllergy, isCondition } from '../record/problems';
import { checkBundle } from './check';
import { exportBundle } from './export';
import { importBundle } from './import';
import type { EntryInput, GoalInput, RecordView, WorkStatusInput } from './input';
import { medplumIssues } from './medplum.testing';
import {
  allergyFromRecord,
  allergyToRecord,
  conditionFromRecord,
  conditionToRecord,
  goalFromRecord,
  goalToRecord,
  workStatusFromRecord,
  workStatusToRecord,
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

describe('the record’s own goals and work status in FHIR (issue 13)', () => {
  const goals = [
    { text: 'Walk to work again', targetDate: '2026-09-01' },
    { text: 'Lift my grandchild' },
  ];
  const work = [
    { status: 'sick-leave', from: '2026-05-01', to: '2026-05-20' },
    { status: 'reduced-hours', percent: 50, from: '2026-05-21' },
    { status: 'job-seeking' },
    { status: 'other', text: 'Studying', from: '2026-06-01' },
    { status: 'working', from: '2026-06-20' },
  ];
  const record: RecordView = {
    recordId: 'r1',
    profile: { given: ['Mette'], family: 'Sørensen', birthDate: '1981-04-12' },
    entries: [
      ...goals.map((g, i) => entry(`g${i}`, 'goal', g)),
      ...work.map((w, i) => entry(`w${i}`, 'work-status', w)),
    ],
    grants: [],
  };

  it('exports them as Goals and work Observations that Medplum and the own checks pass', () => {
    const bundle = exportBundle(record, { now: '2026-07-01T00:00:00.000Z' });
    expect(checkBundle(bundle)).toEqual([]);
    expect(medplumIssues(bundle).errors).toEqual([]);
    const types = bundle.entry!.map((e) => e.resource?.resourceType);
    expect(types.filter((t) => t === 'Goal')).toHaveLength(2);
    expect(JSON.stringify(bundle)).toContain('Studying');
  });

  it('comes back as the same goals and work statuses', () => {
    const back = importBundle(exportBundle(record, { now: '2026-07-01T00:00:00.000Z' }));
    const g = back.entries.filter((e) => e.type === 'goal').map((e) => e.data as GoalInput);
    expect(g.map(goalToRecord)).toEqual(goals);
    const w = back.entries
      .filter((e) => e.type === 'work-status')
      .map((e) => workStatusToRecord(e.data as WorkStatusInput));
    // A status without "since" is exported as of the day it was written, and read back so.
    expect(w).toEqual(
      work.map((x) => (x.status === 'job-seeking' ? { ...x, from: '2026-06-01' } : x)),
    );
  });

  it('keeps out what the record has no place for', () => {
    expect(goalToRecord({ text: 'Run 5 km', status: 'completed' })).toBeNull();
    expect(goalToRecord({ text: 'Run 5 km', status: 'cancelled' })).toBeNull();
    expect(goalToRecord({ text: 'x'.repeat(400), status: 'active' })?.text).toHaveLength(300);
    expect(workStatusToRecord({ status: 'not-working' })).toBeNull();
    expect(workStatusToRecord({ status: 'reduced-hours' })).toBeNull();
    expect(workStatusToRecord({ status: 'reduced-hours', percent: 100 })).toBeNull();
    expect(workStatusToRecord({ status: 'other' })).toBeNull();
    expect(goalFromRecord({ text: 'Walk', owner: 'x' })).toBeNull();
    expect(workStatusFromRecord({ status: 'retired' })).toBeNull();
  });
});
