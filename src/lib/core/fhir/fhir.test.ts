import type {
  Bundle,
  Composition,
  Consent,
  Observation,
  PractitionerRole,
  Provenance,
  Resource,
} from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { readQuestionnaireResponse } from '../record/clinical';
import { DEMO_NOW, DEMO_RECORD, PHYSIO, SISTER } from './fixtures/demo-record';
import dk from './fixtures/dk-ips.json';
import nl from './fixtures/nl-ips.json';
// The IPS implementation guide's minimal example (HL7/fhir-ips, input/examples; FHIR licence).
import ipsIg from './fixtures/ips-ig-minimal.json';
import {
  checkBundle,
  exportBundle,
  FhirImportError,
  importBundle,
  MAX_IMPORT_ENTRIES,
  type ImportResult,
  type RecordView,
} from './index';
import { medplumIssues } from './medplum.testing';
import { randomRecord } from './testing';

const resources = (b: Bundle): Resource[] => (b.entry ?? []).map((e) => e.resource!);
const ofType = <T extends Resource['resourceType']>(b: Bundle, t: T) =>
  resources(b).filter((r) => r.resourceType === t) as Array<Extract<Resource, { resourceType: T }>>;
const loinc = (o: Observation) => o.code.coding?.find((c) => c.system === 'http://loinc.org')?.code;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function expectValid(bundle: Bundle): void {
  const { errors, warnings } = medplumIssues(bundle);
  expect(errors).toEqual([]);
  expect(warnings).toEqual([]);
  expect(checkBundle(bundle)).toEqual([]);
}

describe('exportBundle', () => {
  const bundle = exportBundle(DEMO_RECORD, { now: DEMO_NOW });

  it('exports the demo record as an IPS document that Medplum and the own checks pass', () => {
    expect(bundle.type).toBe('document');
    expect(bundle.entry?.[0]?.resource?.resourceType).toBe('Composition');
    expectValid(bundle);
  });

  it('is deterministic for the same record and time', () => {
    expect(exportBundle(DEMO_RECORD, { now: DEMO_NOW })).toEqual(bundle);
  });

  it('has the IPS sections; an empty record gets an empty reason in each and still validates', () => {
    const composition = resources(bundle)[0] as Composition;
    const codes = composition.section?.map((s) => s.code?.coding?.[0]?.code);
    expect(codes).toEqual([
      '11450-4',
      '48765-2',
      '10160-0',
      '30954-2',
      '47420-5',
      '18776-5',
      '29762-2',
    ]);
    const empty = exportBundle({ ...DEMO_RECORD, entries: [], grants: [] }, { now: DEMO_NOW });
    expectValid(empty);
    const sections = (resources(empty)[0] as Composition).section ?? [];
    expect(sections).toHaveLength(6);
    for (const s of sections) {
      expect(s.entry).toBeUndefined();
      expect(s.emptyReason?.coding?.[0]?.code).toBe('unavailable');
    }
  });

  it('codes every measure: pain with body site, ODI, NDI, STarT Back and its risk, ÖMPSQ-10, range of motion in deg', () => {
    const obs = ofType(bundle, 'Observation');
    const pain = obs.filter((o) => loinc(o) === '72514-3');
    expect(pain).toHaveLength(26 * 2 + 8);
    expect(new Set(pain.map((o) => o.bodySite?.coding?.[0]?.code))).toEqual(
      new Set(['37822005', '45048000', '61685007']),
    );
    const odi = obs.filter((o) => loinc(o) === '97909-6');
    expect(odi.map((o) => o.valueQuantity)).toEqual([
      { value: 46, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
      { value: 20, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
    ]);
    expect(obs.filter((o) => loinc(o) === '82237-9').map((o) => o.valueQuantity?.value)).toEqual([
      15,
    ]);
    expect(obs.filter((o) => loinc(o) === '91351-7').map((o) => o.valueInteger)).toEqual([6, 1]);
    expect(
      obs
        .filter((o) => loinc(o) === '91352-5')
        .map((o) => o.valueCodeableConcept?.coding?.[0]?.code),
    ).toEqual(['LA8982-6', 'LA9194-7']);
    const ore = obs.filter((o) => o.code.coding?.[0]?.code === 'oempsq-10-total');
    expect(ore[0]?.code.coding?.[0]?.system).toBe(
      'https://backpack.health/fhir/CodeSystem/instrument',
    );
    const rom = obs.find((o) => o.code.coding?.[0]?.code === 'cervical-rom')!;
    expect(rom.bodySite?.coding?.[0]?.code).toBe('45048000');
    expect(
      rom.component?.map((c) => [
        c.code.coding?.[0]?.code,
        c.valueQuantity?.value,
        c.valueQuantity?.code,
      ]),
    ).toEqual([
      ['neck-flexion', 48.5, 'deg'],
      ['neck-extension', 55.2, 'deg'],
      ['neck-lateral-flexion-left', 32.1, 'deg'],
      ['neck-lateral-flexion-right', 35.4, 'deg'],
      ['neck-rotation-left', 62.3, 'deg'],
      ['neck-rotation-right', 58.9, 'deg'],
    ]);
    // A QuestionnaireResponse for each questionnaire; every score says which one it came from.
    const qrs = ofType(bundle, 'QuestionnaireResponse');
    expect(qrs).toHaveLength(6);
    for (const o of [...odi, ...ore])
      expect(
        qrs.some((q) => o.derivedFrom?.[0]?.reference === `QuestionnaireResponse/${q.id}`),
      ).toBe(true);
  });

  it('maps medicines, conditions (SNOMED CT + ICD-10), allergies, goals, plans, documents and one Consent per grant', () => {
    expect(
      ofType(bundle, 'MedicationStatement').map((m) => [
        m.medicationCodeableConcept?.text,
        m.status,
      ]),
    ).toEqual([
      ['Ibuprofen 400 mg', 'active'],
      ['Paracetamol 500 mg', 'stopped'],
    ]);
    const lbp = ofType(bundle, 'Condition')[0]!;
    expect(lbp.code?.coding).toEqual([
      { system: 'http://snomed.info/sct', code: '279039007', display: 'Low back pain' },
      { system: 'http://hl7.org/fhir/sid/icd-10', code: 'M54.5', display: 'Low back pain' },
    ]);
    expect(ofType(bundle, 'Condition')[2]?.code).toEqual({ text: 'Migraine' });
    expect(ofType(bundle, 'AllergyIntolerance')[0]?.code?.text).toBe('Penicillin');
    expect(ofType(bundle, 'Goal')).toHaveLength(1);
    expect(ofType(bundle, 'CarePlan')[0]?.activity).toHaveLength(3);
    expect(ofType(bundle, 'DocumentReference')[0]?.content[0]?.attachment.contentType).toBe(
      'application/pdf',
    );
    const consents = ofType(bundle, 'Consent');
    expect(consents).toHaveLength(3);
    expect(consents[1]?.provision?.period?.end).toBe('2026-12-31T00:00:00.000Z');
    expect(consents[1]?.provision?.class?.map((c) => c.code)).toEqual(['clinical']);
  });

  it('gives every resource a Provenance naming who, role, sector and organisation', () => {
    const provenances = ofType(bundle, 'Provenance');
    const targeted = new Set(provenances.flatMap((p) => p.target.map((t) => t.reference)));
    for (const r of resources(bundle)) {
      if (
        [
          'Provenance',
          'Practitioner',
          'PractitionerRole',
          'Organization',
          'RelatedPerson',
        ].includes(r.resourceType)
      )
        continue;
      expect(targeted.has(`${r.resourceType}/${r.id}`)).toBe(true);
    }
    const rom = ofType(bundle, 'Observation').find(
      (o) => o.code.coding?.[0]?.code === 'cervical-rom',
    )!;
    const prov = provenances.find((p) =>
      p.target.some((t) => t.reference === `Observation/${rom.id}`),
    ) as Provenance;
    const agent = prov.agent[0]!;
    expect(agent.type?.coding?.[0]?.code).toBe('author');
    expect(agent.role?.[0]).toEqual({
      coding: [{ system: 'https://backpack.health/fhir/CodeSystem/sector', code: 'physiotherapy' }],
      text: 'Fysioterapeut',
    });
    const role = resources(bundle).find(
      (r) => `PractitionerRole/${r.id}` === agent.who.reference,
    ) as PractitionerRole;
    const org = resources(bundle).find(
      (r) => `Organization/${r.id}` === role.organization?.reference,
    );
    expect(org).toMatchObject({
      name: PHYSIO.organisation,
      type: [{ coding: [{ code: 'physiotherapy' }] }],
    });
    // The sister writes for the patient: a RelatedPerson on behalf of the Patient.
    const work = ofType(bundle, 'Observation').find((o) => loinc(o) === '74165-2')!;
    const wp = provenances.find((p) =>
      p.target.some((t) => t.reference === `Observation/${work.id}`),
    )!;
    expect(wp.agent[0]?.who.reference).toMatch(/^RelatedPerson\//);
    expect(wp.agent[0]?.onBehalfOf?.reference).toMatch(/^Patient\//);
  });

  it('exports only what a grant covers: other compartments and other grantees stay out', () => {
    const record: RecordView = {
      ...DEMO_RECORD,
      entries: DEMO_RECORD.entries.map((e, i) => (i === 0 ? { ...e, compartment: 'journal' } : e)),
    };
    const scoped = exportBundle(record, {
      now: DEMO_NOW,
      scope: { compartments: ['journal'], grantDevice: SISTER.deviceId },
    });
    expectValid(scoped);
    expect(ofType(scoped, 'Observation')).toHaveLength(3); // the one journal check-in: back, neck, leg
    expect(ofType(scoped, 'Condition')).toHaveLength(0);
    expect(
      ofType(scoped, 'Consent').map((c: Consent) => c.provision?.actor?.[0]?.reference.reference),
    ).toEqual([`RelatedPerson/rp-${SISTER.deviceId.slice(0, 24)}`]);
    const json = JSON.stringify(scoped);
    for (const hidden of ['Anne Holm', 'Lars Nielsen', 'Penicillin', 'Ibuprofen'])
      expect(json).not.toContain(hidden);
    const problems = (resources(scoped)[0] as Composition).section?.[0];
    expect(problems?.emptyReason?.coding?.[0]?.code).toBe('withheld');
  });

  it('leaves out entries whose data fails its guard, and types with no mapper', () => {
    const bad: RecordView = {
      ...DEMO_RECORD,
      entries: [
        { ...DEMO_RECORD.entries[0]!, id: 'bad1', data: { scores: { back: 11 } } },
        {
          ...DEMO_RECORD.entries[0]!,
          id: 'bad2',
          type: 'questionnaire',
          data: { instrument: 'odi', answers: [1, 2] },
        },
        {
          ...DEMO_RECORD.entries[0]!,
          id: 'bad3',
          type: 'condition',
          data: { text: 'x', clinicalStatus: 'bogus' },
        },
        {
          ...DEMO_RECORD.entries[0]!,
          id: 'bad4',
          type: 'medication',
          data: { name: 'x', stopped: 'yesterday' },
        },
        { ...DEMO_RECORD.entries[0]!, id: 'msg', type: 'message', data: { text: 'hello' } },
      ],
      grants: [],
    };
    const b = exportBundle(bad, { now: DEMO_NOW });
    expect(resources(b).map((r) => r.resourceType)).toEqual([
      'Composition',
      'Patient',
      'Provenance',
    ]);
    expectValid(b);
  });

  it('the checks catch broken exports: Medplum the structure, the own checks bindings, codes, units and provenance', () => {
    const broken = (edit: (b: Bundle) => void) => {
      const b = clone(bundle);
      edit(b);
      return b;
    };
    const obsOf = (b: Bundle, code: string) =>
      ofType(b, 'Observation').find((o) => loinc(o) === code)!;
    // A bad required-binding code passes Medplum but not the own checks.
    const status = broken((b) => ((obsOf(b, '72514-3') as { status: string }).status = 'bogus'));
    expect(medplumIssues(status).errors).toEqual([]);
    expect(checkBundle(status).join('\n')).toMatch(
      /status: bogus is not in the required value set/,
    );
    const digit = broken((b) => (obsOf(b, '97909-6').code.coding![0]!.code = '97909-5'));
    expect(checkBundle(digit).join('\n')).toMatch(/LOINC code 97909-5 is not valid/);
    const snomed = broken((b) => (ofType(b, 'Condition')[0]!.code!.coding![0]!.code = '279039008'));
    expect(checkBundle(snomed).join('\n')).toMatch(/SNOMED CT id 279039008 is not valid/);
    const unit = broken((b) => {
      const rom = ofType(b, 'Observation').find(
        (o) => o.code.coding?.[0]?.code === 'cervical-rom',
      )!;
      rom.component![0]!.valueQuantity!.code = 'degrees';
    });
    expect(checkBundle(unit).join('\n')).toMatch(/UCUM unit degrees/);
    const risk = broken(
      (b) => (obsOf(b, '91352-5').valueCodeableConcept!.coding![0]!.code = 'LA6752-5'),
    );
    expect(checkBundle(risk).join('\n')).toMatch(/STarT Back risk/);
    const noProv = broken(
      (b) => (b.entry = b.entry!.filter((e) => e.resource?.resourceType !== 'Provenance')),
    );
    expect(checkBundle(noProv).join('\n')).toMatch(/has no Provenance/);
    const noAllergies = broken((b) => {
      const c = b.entry![0]!.resource as Composition;
      c.section = c.section!.filter((s) => s.code?.coding?.[0]?.code !== '48765-2');
    });
    expect(checkBundle(noAllergies).join('\n')).toMatch(/48765-2 is required/);
    // Structure: a missing required element and a wrong JSON type fail in Medplum.
    const structure = broken((b) => {
      const o = obsOf(b, '72514-3') as unknown as Record<string, unknown>;
      delete o['status'];
      o['valueInteger'] = 'six';
    });
    expect(medplumIssues(structure).errors.length).toBeGreaterThanOrEqual(2);
  });

  it('exports of 60 random records validate (Medplum + own checks)', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const record = randomRecord(seed);
      const b = exportBundle(record, { now: '2026-12-01T00:00:00.000Z' });
      const { errors, warnings } = medplumIssues(b);
      expect({ seed, errors, warnings, own: checkBundle(b) }).toEqual({
        seed,
        errors: [],
        warnings: [],
        own: [],
      });
      const scoped = exportBundle(record, {
        now: '2026-12-01T00:00:00.000Z',
        scope: { compartments: ['journal'] },
      });
      expect({ seed, own: checkBundle(scoped), errors: medplumIssues(scoped).errors }).toEqual({
        seed,
        own: [],
        errors: [],
      });
    }
  });
});

describe('importBundle', () => {
  const types = (r: ImportResult) => r.entries.map((e) => e.type);

  it('reads a Danish IPS: coded and text-only conditions, MedicationRequest with a referenced Medication, source and date', () => {
    const r = importBundle(JSON.stringify(dk));
    expect(r.patient).toEqual({ name: 'Karen Marie Jensen', birthDate: '1981-01-01' });
    expect(types(r)).toEqual([
      'condition',
      'condition',
      'condition',
      'medication',
      'medication',
      'allergy',
      'observation',
    ]);
    expect(r.entries[0]?.data).toEqual({
      text: 'Lændesmerter',
      snomed: { code: '279039007', display: 'Low back pain' },
      clinicalStatus: 'active',
      verificationStatus: 'confirmed',
      bodySite: 'back',
      onset: '2026-03-02',
    });
    expect(r.entries[0]?.source).toMatchObject({
      author: 'Peter Madsen',
      organisation: 'Bispebjerg Hospital, Region Hovedstaden',
    });
    expect(r.entries[1]?.data).toMatchObject({ icd10: { code: 'I10' } });
    expect(r.entries[2]?.data).toEqual({
      text: 'Tidligere knæoperation (menisk), venstre knæ',
      clinicalStatus: 'resolved',
      abatement: '2015-09-01',
    });
    expect(r.entries[3]?.data).toEqual({
      name: 'Ibuprofen "Orifarm" 400 mg filmovertrukne tabletter',
      dose: '1 tablet 3 gange dagligt ved behov',
    });
    expect(r.entries[4]?.data).toEqual({ name: 'Amlodipin 5 mg', dose: '1 tablet dagligt' });
    expect(r.entries[6]?.data).toEqual({
      code: {
        system: 'http://loinc.org',
        code: '4548-4',
        display: 'Hemoglobin A1c/Hemoglobin.total in Blood',
      },
      text: 'HbA1c',
      value: 38,
      unit: 'mmol/mol',
    });
    // "No known allergies" is a fact of its own, not a skipped resource.
    expect(r.entries.filter((e) => e.type === 'allergy').map((e) => e.data)).toEqual([
      { noKnownAllergies: true },
    ]);
    expect(r.skipped).toEqual([
      {
        resourceType: 'Immunization',
        reason: 'Immunization is not a kind of data Backpack records yet',
        code: 'not-recorded',
        what: 'Immunization',
      },
    ]);
  });

  it('reads a Dutch IPS: a name in extensions, a Medication by id, the author from Provenance', () => {
    const r = importBundle(nl);
    expect(r.patient).toEqual({ name: 'Johanna van der Berg', birthDate: '1975-08-23' });
    expect(types(r)).toEqual(['condition', 'condition', 'medication', 'allergy']);
    expect(r.entries[1]?.data).toEqual({
      text: 'Cervicalgie',
      icd10: { code: 'M54.2', display: 'Cervicalgie' },
      clinicalStatus: 'active',
    });
    expect(r.entries[2]?.data).toEqual({
      name: 'NAPROXEN TABLET 500MG',
      dose: '2 maal daags 1 tablet',
      stopped: '2026-09-21',
    });
    expect(r.entries[3]?.data).toMatchObject({
      substance: 'Pinda-allergie',
      criticality: 'high',
      category: 'food',
      reaction: 'Zwelling van de lippen',
    });
    for (const e of r.entries) {
      expect(e.source).toMatchObject({
        author: 'dr. M. de Vries',
        organisation: 'Huisartsenpraktijk De Linde, Utrecht',
        date: '2026-11-02T14:30:00+01:00',
      });
    }
    expect(r.skipped).toEqual([
      {
        resourceType: 'Procedure',
        reason: 'Procedure is not a kind of data Backpack records yet',
        code: 'not-recorded',
        what: 'Procedure',
      },
    ]);
  });

  it('reads the IPS guide’s example: `Type/id` references, partial dates, a Medication by reference', () => {
    const r = importBundle(ipsIg);
    expect(r.patient).toEqual({ name: 'Martha DeLarosa', birthDate: '1972-05-01' });
    expect(types(r)).toEqual(['condition', 'medication', 'allergy']);
    expect(r.entries[0]?.data).toMatchObject({
      snomed: { code: '198436008' },
      icd10: { code: 'N95.1' },
      clinicalStatus: 'active',
    });
    expect(r.entries[1]?.data).toMatchObject({ name: expect.stringContaining('anastrozole') });
    expect(r.entries[2]?.data).toMatchObject({
      snomed: { code: '373270004' },
      criticality: 'high',
    });
    for (const e of r.entries) {
      expect(e.source).toMatchObject({
        author: 'Beetje van Hulp',
        organisation: 'Anorg Aniza Tion BV / The best custodian ever',
      });
    }
    expect(r.skipped).toEqual([]);
  });

  it('importing the same document twice adds nothing twice', () => {
    for (const doc of [dk, nl, ipsIg, exportBundle(DEMO_RECORD, { now: DEMO_NOW })]) {
      const first = importBundle(doc);
      expect(first.entries.length).toBeGreaterThan(0);
      const known = new Set(first.entries.map((e) => e.source.key));
      expect(known.size).toBe(first.entries.length);
      expect(importBundle(JSON.stringify(doc), { known }).entries).toEqual([]);
    }
    // A later export of the same record names the same entries: nothing comes in twice either.
    const first = importBundle(exportBundle(DEMO_RECORD, { now: DEMO_NOW }));
    const later = importBundle(exportBundle(DEMO_RECORD, { now: '2027-01-05T10:00:00.000Z' }), {
      known: new Set(first.entries.map((e) => e.source.key)),
    });
    expect(later.entries).toEqual([]);
    // The same resource twice in one file comes in once.
    const doubled = clone(nl);
    doubled.entry.push(clone(nl.entry[5]!));
    expect(importBundle(doubled).entries).toHaveLength(4);
  });

  it('a malformed file gets a clear error and nothing is returned', () => {
    const cases: Array<[unknown, string]> = [
      ['{"resourceType": "Bundle", "entry": [', 'not-json'],
      ['<Bundle xmlns="http://hl7.org/fhir"/>', 'not-json'],
      [{ resourceType: 'Patient', id: 'p' }, 'not-bundle'],
      [[1, 2], 'not-bundle'],
      [{ resourceType: 'Bundle', entry: {} }, 'malformed'],
      [
        { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Condition' } }, 7] },
        'malformed',
      ],
      [
        {
          resourceType: 'Bundle',
          entry: [{ fullUrl: 3, resource: { resourceType: 'Condition' } }],
        },
        'malformed',
      ],
      [
        {
          resourceType: 'Bundle',
          type: 'collection',
          entry: Array.from({ length: 10_000 }, (_, i) => ({
            resource: { resourceType: 'Observation', id: `o${i}` },
          })),
        },
        'too-many-entries',
      ],
      [' '.repeat(20_000_001), 'too-large'],
    ];
    for (const [input, code] of cases) {
      let error: unknown;
      let result: unknown;
      try {
        result = importBundle(input);
      } catch (e) {
        error = e;
      }
      expect(result).toBeUndefined();
      expect(error).toBeInstanceOf(FhirImportError);
      expect((error as FhirImportError).code).toBe(code);
    }
    expect(MAX_IMPORT_ENTRIES).toBeLessThan(10_000);
  });

  it('export → import gives the same clinical facts, each with its provenance', () => {
    const imported = importBundle(JSON.stringify(exportBundle(DEMO_RECORD, { now: DEMO_NOW })));
    const byType = (t: string) => imported.entries.filter((e) => e.type === t);
    const demo = (t: string) => DEMO_RECORD.entries.filter((e) => e.type === t);
    // Compared as sorted canonical JSON: key order does not matter, every value does.
    const canon = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(canon)
        : typeof v === 'object' && v !== null
          ? Object.fromEntries(
              Object.keys(v)
                .sort()
                .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
            )
          : v;
    const sort = <T>(xs: T[]) => xs.map((x) => JSON.stringify(canon(x))).sort();

    // Pain: one entry per region rating, same time, same score.
    const expectedPain = demo('pain-checkin').flatMap((e) => {
      const d = e.data as { scores: Record<string, number>; note?: string };
      return Object.entries(d.scores).map(([region, score]) => ({
        at: e.at,
        region,
        score,
        note: d.note,
      }));
    });
    const gotPain = byType('pain-checkin').map((e) => {
      const d = e.data as { scores: Record<string, number>; note?: string };
      const [region, score] = Object.entries(d.scores)[0]!;
      return { at: e.at, region, score, note: d.note };
    });
    expect(sort(gotPain)).toEqual(sort(expectedPain));

    // Questionnaires: the same answers (so the same scores), at the same time.
    expect(
      sort(byType('questionnaire').map((e) => [e.at, readQuestionnaireResponse(e.data)])),
    ).toEqual(sort(demo('questionnaire').map((e) => [e.at, readQuestionnaireResponse(e.data)])));
    for (const t of [
      'medication',
      'allergy',
      'goal',
      'care-plan',
      'document',
      'work-status',
      'psfs',
    ]) {
      expect(sort(byType(t).map((e) => e.data))).toEqual(sort(demo(t).map((e) => e.data)));
    }
    // Conditions: the same facts; an unstated verification status is exported (and so comes
    // back) as confirmed when a professional recorded it, provisional when the patient did.
    const withVerification = demo('condition').map((e) => ({
      verificationStatus: e.author.role === 'professional' ? 'confirmed' : 'provisional',
      ...(e.data as object),
    }));
    expect(sort(byType('condition').map((e) => e.data))).toEqual(sort(withVerification));
    // Range of motion: the same degrees per movement (smoothness is not exported).
    const planes = (d: unknown) => {
      const m = d as {
        test: string;
        source: string;
        planes: Record<string, { a: number; b: number }>;
      };
      return {
        test: m.test,
        source: m.source,
        planes: Object.fromEntries(
          Object.entries(m.planes).map(([k, v]) => [k, { a: v.a, b: v.b }]),
        ),
      };
    };
    expect(byType('motion-test').map((e) => planes(e.data))).toEqual(
      demo('motion-test').map((e) => planes(e.data)),
    );

    // Provenance: each fact names who recorded it and where, as the record did.
    const authorOf = (e: { source: { author?: string; organisation?: string } }) => [
      e.source.author,
      e.source.organisation ?? null,
    ];
    expect(authorOf(byType('motion-test')[0]!)).toEqual(['Lars Nielsen', 'Fysioterapi Østerbro']);
    expect(authorOf(byType('allergy')[0]!)).toEqual(['Anne Holm', 'Lægehuset Nørrebro']);
    expect(authorOf(byType('work-status')[0]!)).toEqual(['Sofie Sørensen', null]);
    expect(authorOf(byType('goal')[0]!)).toEqual(['Mette Sørensen', null]);
    expect(imported.entries.every((e) => e.source.date && e.source.key)).toBe(true);
    expect(imported.patient).toEqual({ name: 'Mette Sørensen', birthDate: '1981-04-12' });
    // What is derived (scores, risk) or is sharing state (consents) is listed, not dropped.
    expect(new Set(imported.skipped.map((s) => s.resourceType))).toEqual(
      new Set(['Observation', 'Consent']),
    );
  });

  it('imports exports of random records back to entries that pass the record’s guards', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const b = exportBundle(randomRecord(seed), { now: '2026-12-01T00:00:00.000Z' });
      const r = importBundle(JSON.stringify(b));
      const mapped = b.entry!.filter(
        (e) =>
          ![
            'Composition',
            'Patient',
            'Provenance',
            'Practitioner',
            'PractitionerRole',
            'Organization',
            'RelatedPerson',
            'Consent',
          ].includes(e.resource!.resourceType),
      );
      // Every mapped resource is either an entry again or a listed derived score.
      expect(
        r.entries.length + r.skipped.filter((s) => s.resourceType === 'Observation').length,
      ).toBe(mapped.length);
    }
  });
});
