import type { Bundle, Observation, Procedure, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { checkBundle } from './check';
import { exportBundle } from './export';
import { DEMO_NOW, DEMO_RECORD, PHYSIO } from './fixtures/demo-record';
import type { EntryInput, RecordView } from './input';
import { medplumIssues } from './medplum.testing';

const at = '2026-11-20T10:00:00.000Z';
const clinic = (n: number, type: string, data: unknown): EntryInput => ({
  id: `${Date.parse(at).toString(36)}clinic${String(n).padStart(6, '0')}${PHYSIO.deviceId.slice(0, 24)}`,
  type,
  at,
  compartment: 'clinical',
  author: PHYSIO,
  data,
});

const record: RecordView = {
  ...DEMO_RECORD,
  entries: [
    ...DEMO_RECORD.entries,
    clinic(1, 'goniometry', {
      region: 'lumbar',
      degrees: { flexion: 55, extension: 16, 'lateral-flexion-left': 20 },
      note: 'Guarded at end range',
    }),
    clinic(2, 'neuro-screen', {
      items: { reflexes: { result: 'normal' }, 'slr-left': { result: 'abnormal', angle: 45 } },
      text: 'Reproduces leg pain on the left',
    }),
    clinic(3, 'treatment-session', {
      components: ['exercise-therapy', 'manual-therapy'],
      minutes: 30,
    }),
  ],
};

const all = (b: Bundle): Resource[] => (b.entry ?? []).map((e) => e.resource!);
const measure = (o: Observation) =>
  o.code.coding?.find((c) => c.system?.endsWith('/measure'))?.code;

describe('the professional clinical entries in the export (issue 12 item 6)', () => {
  const bundle = exportBundle(record, { now: DEMO_NOW });
  const observations = all(bundle).filter(
    (r): r is Observation => r.resourceType === 'Observation',
  );

  it('validates with Medplum and the own checks', () => {
    const { errors, warnings } = medplumIssues(bundle);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(checkBundle(bundle)).toEqual([]);
  });

  it('a goniometer range of motion is the coded ROM Observation, one component per movement in deg', () => {
    const rom = observations.find(
      (o) => measure(o) === 'lumbar-rom' && o.method?.text === 'Goniometer',
    );
    expect(rom?.component?.map((c) => [c.code.coding?.[0]?.code, c.valueQuantity?.value])).toEqual([
      ['back-flexion', 55],
      ['back-extension', 16],
      ['back-lateral-flexion-left', 20],
    ]);
    expect(rom?.component?.every((c) => c.valueQuantity?.code === 'deg')).toBe(true);
    expect(rom?.note?.[0]?.text).toBe('Guarded at end range');
  });

  it('a neurological screen gives each item tested, and the straight-leg raise angle', () => {
    const neuro = observations.find((o) => measure(o) === 'neuro-screen');
    expect(
      neuro?.component?.map((c) => [
        c.code.coding?.[0]?.code,
        c.valueCodeableConcept?.coding?.[0]?.code ?? c.valueQuantity?.value,
      ]),
    ).toEqual([
      ['neuro-reflexes', 'normal'],
      ['neuro-slr-left', 'abnormal'],
      ['neuro-slr-left-angle', 45],
    ]);
  });

  it('a treatment session is a completed physiotherapy Procedure in History of procedures', () => {
    const [proc] = all(bundle).filter((r): r is Procedure => r.resourceType === 'Procedure');
    expect(proc?.status).toBe('completed');
    expect(proc?.code?.coding?.[0]).toMatchObject({
      system: 'http://snomed.info/sct',
      code: '91251008',
    });
    expect(proc?.performedPeriod).toEqual({
      start: '2026-11-20T10:00:00.000Z',
      end: '2026-11-20T10:30:00.000Z',
    });
    const composition = all(bundle)[0]!;
    expect(composition.resourceType).toBe('Composition');
    const section =
      composition.resourceType === 'Composition'
        ? composition.section?.find((s) => s.code?.coding?.[0]?.code === '47519-4')
        : undefined;
    expect(section?.entry?.map((e) => e.reference)).toEqual([expect.stringContaining(proc!.id!)]);
    // Each resource has its Provenance naming the physiotherapist.
    const provenance = all(bundle).filter((r) => r.resourceType === 'Provenance');
    expect(
      provenance.some(
        (p) =>
          p.resourceType === 'Provenance' && p.target.some((t) => t.reference?.endsWith(proc!.id!)),
      ),
    ).toBe(true);
  });
});
