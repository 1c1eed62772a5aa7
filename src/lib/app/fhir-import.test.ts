import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed } from '$lib/core/crypto/index';
import { exportBundle } from '$lib/core/fhir/index';
import { checkBundle } from '$lib/core/fhir/check';
import { medplumIssues } from '$lib/core/fhir/medplum.testing';
import { assess, INSTRUMENT } from '$lib/core/instruments/definitions';
import {
  readQuestionnaireResponse,
  type Entry,
  type EntryDataMap,
  type EntryType,
} from '$lib/core/record/index';
import { importSourceOf } from '$lib/core/record/provenance';
import type { Role } from '$lib/core/sync/index';
import { applyImport, previewImport, type ImportTarget } from './fhir-import';
import { recordViewOf } from './fhir-record';
import { readEntries, readVersions, withdrawEntry, writeEntry } from './record-entries';
import type { OpenCompartment } from './session-types';

/**
 * Export → import into a fresh record (issue 13): the same clinical facts come back, each with
 * where it came from, and importing again adds nothing. Real inner docs, no relay.
 */

function record(role: Role = 'owner') {
  const clinical = new Y.Doc();
  const compartments = new Map([
    [
      'clinical',
      { name: 'clinical', docId: 'clinical', inner: clinical } as unknown as OpenCompartment,
    ],
  ]);
  const ctx = { compartments, role, deviceId: deviceKeysFromSeed(newSeed()).deviceId };
  const target: ImportTarget & { ctx: typeof ctx } = {
    ctx,
    role,
    entries: (name = 'clinical', type?: string) => readEntries(compartments, name, type),
    versions: (name = 'clinical') => readVersions(compartments, name),
    write: <K extends EntryType>(type: K, data: EntryDataMap[K], at?: Date) =>
      writeEntry(ctx, type, data, at),
  };
  return target;
}

const at = (day: number, hour = 9) => new Date(Date.UTC(2026, 8, day, hour));
const ODI = [2, 1, 3, 2, 1, 2, 0, 1, 2, 1];
const SBT = [1, 0, 1, 0, 1, 1, 0, 1, 2];

function patientRecord() {
  const me = record();
  me.write('profile', { name: 'Mette Sørensen', birthDate: '1981-04-12', language: 'da' });
  me.write('pain-checkin', { scores: { back: 6, leg: 3 }, sleep: 'poor' }, at(1));
  me.write('pain-checkin', { scores: { back: 4 }, note: 'after the walk' }, at(8));
  me.write('pain-checkin', { scores: { neck: 2 } }, at(15, 18));
  me.write('questionnaire', { instrument: 'odi', answers: ODI }, at(2));
  me.write('questionnaire', { instrument: 'startback', answers: SBT }, at(2, 10));
  me.write('psfs', { activities: [{ activity: 'Driving', rating: 4 }] }, at(3));
  me.write('goal', { text: 'Walk to work again', targetDate: '2026-12-01' }, at(3));
  me.write('goal', { text: 'Lift my grandchild' }, at(4));
  me.write('work-status', { status: 'sick-leave', from: '2026-09-01', to: '2026-09-14' }, at(1));
  me.write('work-status', { status: 'reduced-hours', percent: 50, from: '2026-09-15' }, at(15));
  return me;
}

function exported(me: ImportTarget) {
  const view = recordViewOf('rec-1', new Map([['clinical', me.entries('clinical')]]));
  return JSON.parse(JSON.stringify(exportBundle(view, { now: '2026-10-01T00:00:00.000Z' })));
}

/** The facts of a record, without ids, authors or provenance. */
function facts(target: ImportTarget) {
  const of = (type: string) =>
    target
      .entries('clinical', type)
      .map((e: Entry) => {
        const { source: _source, ...data } = e.data as Record<string, unknown>;
        void _source;
        return { at: e.at, data };
      })
      .sort(
        (a, b) => a.at.localeCompare(b.at) || JSON.stringify(a).localeCompare(JSON.stringify(b)),
      );
  const pain = of('pain-checkin').flatMap(({ at, data }) =>
    Object.entries(data['scores'] as Record<string, number>).map(([region, value]) => ({
      at,
      region,
      value,
      ...(data['note'] ? { note: data['note'] } : {}),
    })),
  );
  const questionnaires = target.entries('clinical', 'questionnaire').map((e) => {
    const r = readQuestionnaireResponse(e.data)!;
    const result = assess(INSTRUMENT[r.instrument], r.answers);
    return {
      at: e.at,
      instrument: r.instrument,
      answers: r.answers,
      score: result.scored && result.score,
    };
  });
  return {
    pain: pain.sort((a, b) => a.at.localeCompare(b.at) || a.region.localeCompare(b.region)),
    questionnaires: questionnaires.sort((a, b) => a.instrument.localeCompare(b.instrument)),
    psfs: of('psfs').map((x) => x.data),
    goals: of('goal').map((x) => x.data),
    work: of('work-status').map((x) => x.data),
  };
}

describe('export → import into a fresh record', () => {
  it('gives the same pain ratings, questionnaires, PSFS, goals and work status, each with provenance; again adds nothing', () => {
    const me = patientRecord();
    const bundle = exported(me);
    const fresh = record();
    const preview = previewImport(fresh, bundle);
    // The score Observations: the app scores the answers again itself.
    expect(preview.skipped.map((s) => s.code)).toEqual(Array(3).fill('derived-score'));
    expect(preview.items.map((i) => i.type).sort()).toEqual(
      [
        ...Array(4).fill('pain-checkin'), // one Observation per region
        'questionnaire',
        'questionnaire',
        'psfs',
        'goal',
        'goal',
        'work-status',
        'work-status',
      ].sort(),
    );
    expect(applyImport(fresh, preview)).toBe(11);

    const before = facts(me);
    const after = facts(fresh);
    // Sleep and pain medicine are the patient's own check-in's, not part of an imported rating.
    expect(after.pain).toEqual(before.pain);
    expect(after.questionnaires).toEqual(before.questionnaires);
    expect(after.questionnaires.map((q) => q.score)).toEqual([30, 5]); // ODI 15 of 50 = 30 %
    expect(after.psfs).toEqual(before.psfs);
    expect(after.goals).toEqual(before.goals);
    expect(after.work).toEqual(before.work);

    // Every imported entry says where it came from; the record's own say nothing.
    const imported = fresh.entries('clinical');
    expect(imported).toHaveLength(11);
    for (const e of imported) {
      expect(importSourceOf(e.data), e.type).toEqual({
        from: 'Mette Sørensen',
        date: e.at.slice(0, 10),
        key: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
    }
    expect(me.entries('clinical').every((e) => importSourceOf(e.data) === undefined)).toBe(true);

    // The same file again, or a later export of the same record: nothing twice.
    const again = previewImport(fresh, bundle);
    expect(again.items).toEqual([]);
    expect(again.alreadyIn).toBe(11);
    expect(applyImport(fresh, preview)).toBe(0);
    expect(fresh.entries('clinical')).toHaveLength(11);
  });

  it('an imported entry exported again names its first source as author, and this record as who entered it', () => {
    const fresh = record();
    applyImport(fresh, previewImport(fresh, exported(patientRecord())));
    fresh.write('profile', { name: 'Mette S. Jensen', birthDate: '1981-04-12', language: 'da' });
    const bundle = exported(fresh);
    expect(checkBundle(bundle)).toEqual([]);
    expect(medplumIssues(bundle).errors).toEqual([]);
    const provenances = (bundle.entry as { resource: Record<string, unknown> }[])
      .map((e) => e.resource)
      .filter((r) => r['resourceType'] === 'Provenance');
    const agents = (p: Record<string, unknown>) =>
      (p['agent'] as { type: { coding: { code: string }[] }; who: { display?: string } }[]).map(
        (a) => [a.type.coding[0]!.code, a.who.display ?? null],
      );
    expect(provenances.some((p) => agents(p)[0]?.join() === 'author,Mette Sørensen')).toBe(true);
    expect(
      provenances
        .filter((p) => agents(p).length === 2)
        .every((p) => agents(p)[1]![0] === 'enterer'),
    ).toBe(true);
    // A third record reads the first source, not the record that passed it on.
    const third = record();
    applyImport(third, previewImport(third, bundle));
    const sources = third.entries('clinical').map((e) => importSourceOf(e.data)?.from);
    expect(sources.length).toBeGreaterThan(0);
    expect(new Set(sources)).toEqual(new Set(['Mette Sørensen']));
  });

  it('a withdrawn imported entry is not brought back by importing the same file again', () => {
    const bundle = exported(patientRecord());
    const fresh = record();
    applyImport(fresh, previewImport(fresh, bundle));
    const goal = fresh.entries('clinical', 'goal')[0]!;
    withdrawEntry(fresh.ctx, goal, 'Not my goal');
    expect(fresh.entries('clinical', 'goal')).toHaveLength(1);
    expect(previewImport(fresh, bundle).items).toEqual([]);
  });

  it('answers that do not score are skipped with their code; nothing else is lost', () => {
    const bundle = exported(patientRecord());
    const response = bundle.entry
      .map((e: { resource: Record<string, unknown> }) => e.resource)
      .find(
        (r: Record<string, unknown>) =>
          r['resourceType'] === 'QuestionnaireResponse' &&
          String(r['questionnaire']).includes('/startback|'),
      );
    // STarT Back scores only with every item answered.
    (response.item as unknown[]).pop();
    const preview = previewImport(record(), bundle);
    expect(preview.skipped.filter((s) => s.code !== 'derived-score')).toEqual([
      expect.objectContaining({
        resourceType: 'QuestionnaireResponse',
        code: 'questionnaire-not-scored',
        what: 'STarT Back',
      }),
    ]);
    expect(preview.items.filter((i) => i.type === 'questionnaire')).toHaveLength(1);
  });

  it('a professional’s device adds only what a professional may write; the rest is skipped with the reason', () => {
    const bundle = exported(patientRecord());
    const pro = record('professional');
    const preview = previewImport(pro, bundle);
    expect(preview.items).toEqual([]);
    const own = preview.skipped.filter((s) => s.code !== 'derived-score');
    expect(own.map((s) => s.code)).toEqual(Array(11).fill('role-may-not-add'));
  });

  it('keeps care plans, documents, ended goals and pain ratings without a site out, and says why', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          fullUrl: 'https://example.org/fhir/CarePlan/p1',
          resource: {
            resourceType: 'CarePlan',
            id: 'p1',
            status: 'active',
            intent: 'plan',
            title: 'Physiotherapy',
            activity: [{ detail: { status: 'in-progress', description: 'Bird dog, daily' } }],
          },
        },
        {
          fullUrl: 'https://example.org/fhir/DocumentReference/d1',
          resource: {
            resourceType: 'DocumentReference',
            id: 'd1',
            status: 'current',
            description: 'MRI report',
            content: [{ attachment: { contentType: 'application/pdf' } }],
          },
        },
        {
          fullUrl: 'https://example.org/fhir/Observation/o1',
          resource: {
            resourceType: 'Observation',
            id: 'o1',
            status: 'final',
            code: { coding: [{ system: 'http://loinc.org', code: '72514-3' }] },
            effectiveDateTime: '2026-09-01T10:00:00Z',
            valueInteger: 7,
          },
        },
        {
          fullUrl: 'https://example.org/fhir/Goal/g1',
          resource: {
            resourceType: 'Goal',
            id: 'g1',
            lifecycleStatus: 'completed',
            description: { text: 'Run 5 km' },
          },
        },
      ],
    };
    const preview = previewImport(record(), bundle);
    expect(preview.items).toEqual([]);
    // The reader's skips first, then the app's.
    expect(preview.skipped.map((s) => [s.resourceType, s.code])).toEqual([
      // A pain rating that does not say where is not guessed as back pain.
      ['Observation', 'pain-no-site'],
      ['CarePlan', 'careplan-not-kept'],
      ['DocumentReference', 'document-not-kept'],
      ['Goal', 'goal-ended'],
    ]);
  });
});
