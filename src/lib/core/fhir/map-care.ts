import type {
  AllergyIntolerance,
  CarePlan,
  CarePlanActivityDetail,
  Coding,
  Condition,
  DocumentReference,
  Goal,
  MedicationStatement,
  Observation,
} from '@medplum/fhirtypes';
import { isMedication } from '../record/clinical';
import { isAllergy } from '../record/problems';
import { LOINC_CODES, SYSTEM } from './codes';
import { day, resourceId, type EntryMapper } from './context';
import {
  isAllergyInput,
  isNoKnownAllergyInput,
  isCarePlanInput,
  isConditionInput,
  isDocumentInput,
  isGoalInput,
  isObservationInput,
  isWorkStatusInput,
  type CarePlanInput,
  type EntryInput,
} from './input';
import { bodySite } from './map-scores';
import {
  allergyFromRecord,
  conditionFromRecord,
  goalFromRecord,
  workStatusFromRecord,
} from './record-shapes';

/** Mappers of the cross-sector record: medicines, conditions, allergies, plans, documents, work. */

const identifier = (entry: EntryInput) => [{ system: SYSTEM.entry, value: entry.id }];

export const medicationMapper: EntryMapper = (entry, ctx) => {
  if (!isMedication(entry.data)) return null;
  const m = entry.data;
  const statement: MedicationStatement = {
    resourceType: 'MedicationStatement',
    id: resourceId('med', entry.id),
    identifier: identifier(entry),
    status: m.stopped ? 'stopped' : 'active',
    medicationCodeableConcept: { text: m.name },
    subject: ctx.patient,
    effectivePeriod: { start: day(entry.at), ...(m.stopped ? { end: m.stopped } : {}) },
    dateAsserted: entry.at,
    informationSource: ctx.author(entry.author),
    ...(m.dose ? { dosage: [{ text: m.dose }] } : {}),
  };
  const line = `${m.name}${m.dose ? `, ${m.dose}` : ''}${m.stopped ? ` (stopped ${m.stopped})` : ''}`;
  return [{ resource: statement, section: 'medications', line }];
};

export const conditionMapper: EntryMapper = (entry, ctx) => {
  const c = isConditionInput(entry.data) ? entry.data : conditionFromRecord(entry.data);
  if (!c) return null;
  const coding: Coding[] = [];
  if (c.snomed) coding.push({ system: SYSTEM.snomed, ...c.snomed });
  if (c.icd10) coding.push({ system: SYSTEM.icd10, ...c.icd10 });
  // con-4: an abatement goes only with a status that says the condition is over.
  const abated = c.abatement && ['inactive', 'remission', 'resolved'].includes(c.clinicalStatus);
  const condition: Condition = {
    resourceType: 'Condition',
    id: resourceId('cond', entry.id),
    identifier: identifier(entry),
    clinicalStatus: { coding: [{ system: SYSTEM.conditionClinical, code: c.clinicalStatus }] },
    verificationStatus: {
      coding: [
        {
          system: SYSTEM.conditionVerification,
          code:
            c.verificationStatus ??
            (entry.author.role === 'professional' ? 'confirmed' : 'provisional'),
        },
      ],
    },
    category: [{ coding: [{ system: SYSTEM.conditionCategory, code: 'problem-list-item' }] }],
    code: { ...(coding.length ? { coding } : {}), text: c.text },
    ...(c.bodySite ? { bodySite: [bodySite(c.bodySite)] } : {}),
    subject: ctx.patient,
    ...(c.onset ? { onsetDateTime: c.onset } : {}),
    ...(abated ? { abatementDateTime: c.abatement } : {}),
    recordedDate: entry.at,
    recorder: ctx.author(entry.author),
  };
  const codes = coding.map((x) => x.code).join(', ');
  const line = `${c.text}${codes ? ` (${codes})` : ''}, ${c.clinicalStatus}${c.onset ? `, since ${c.onset}` : ''}`;
  return [{ resource: condition, section: 'problems', line }];
};

/** SNOMED CT 716186003 |No known allergy (situation)|: what IPS uses for an empty allergy list. */
const NO_KNOWN_ALLERGY = { code: '716186003', display: 'No known allergy (situation)' } as const;

export const allergyMapper: EntryMapper = (entry, ctx) => {
  const none =
    isNoKnownAllergyInput(entry.data) || (isAllergy(entry.data) && entry.data.kind === 'none');
  if (none) {
    const allergy: AllergyIntolerance = {
      resourceType: 'AllergyIntolerance',
      id: resourceId('allergy', entry.id),
      identifier: identifier(entry),
      clinicalStatus: { coding: [{ system: SYSTEM.allergyClinical, code: 'active' }] },
      verificationStatus: {
        coding: [
          {
            system: SYSTEM.allergyVerification,
            code: entry.author.role === 'professional' ? 'confirmed' : 'unconfirmed',
          },
        ],
      },
      code: {
        coding: [{ system: SYSTEM.snomed, ...NO_KNOWN_ALLERGY }],
        text: 'No known allergies',
      },
      patient: ctx.patient,
      recordedDate: entry.at,
      recorder: ctx.author(entry.author),
    };
    return [{ resource: allergy, section: 'allergies', line: 'No known allergies' }];
  }
  const a = isAllergyInput(entry.data) ? entry.data : allergyFromRecord(entry.data);
  if (!a) return null;
  const allergy: AllergyIntolerance = {
    resourceType: 'AllergyIntolerance',
    id: resourceId('allergy', entry.id),
    identifier: identifier(entry),
    clinicalStatus: { coding: [{ system: SYSTEM.allergyClinical, code: a.clinicalStatus }] },
    verificationStatus: {
      coding: [
        {
          system: SYSTEM.allergyVerification,
          code: entry.author.role === 'professional' ? 'confirmed' : 'unconfirmed',
        },
      ],
    },
    ...(a.category ? { category: [a.category] } : {}),
    ...(a.criticality ? { criticality: a.criticality } : {}),
    code: {
      ...(a.snomed ? { coding: [{ system: SYSTEM.snomed, ...a.snomed }] } : {}),
      text: a.substance,
    },
    patient: ctx.patient,
    recordedDate: entry.at,
    recorder: ctx.author(entry.author),
    ...(a.reaction ? { reaction: [{ manifestation: [{ text: a.reaction }] }] } : {}),
  };
  const line = `${a.substance}${a.reaction ? `: ${a.reaction}` : ''} (${a.clinicalStatus})`;
  return [{ resource: allergy, section: 'allergies', line }];
};

export const goalMapper: EntryMapper = (entry, ctx) => {
  const g = goalFromRecord(entry.data) ?? (isGoalInput(entry.data) ? entry.data : null);
  if (!g) return null;
  const goal: Goal = {
    resourceType: 'Goal',
    id: resourceId('goal', entry.id),
    identifier: identifier(entry),
    lifecycleStatus: g.status,
    description: { text: g.text },
    subject: ctx.patient,
    startDate: day(entry.at),
    ...(g.due ? { target: [{ dueDate: g.due }] } : {}),
    expressedBy: ctx.author(entry.author),
  };
  const line = `Goal: ${g.text}${g.due ? ` (by ${g.due})` : ''}, ${g.status}`;
  // IPS lists only CarePlans in the Plan of care section: a goal is in its narrative.
  return [{ resource: goal, section: 'planOfCare', line, unlisted: true }];
};

const ACTIVITY_STATUS: Record<CarePlanInput['status'], CarePlanActivityDetail['status']> = {
  draft: 'not-started',
  active: 'in-progress',
  'on-hold': 'on-hold',
  revoked: 'cancelled',
  completed: 'completed',
};

export const carePlanMapper: EntryMapper = (entry, ctx) => {
  if (!isCarePlanInput(entry.data)) return null;
  const p = entry.data;
  const plan: CarePlan = {
    resourceType: 'CarePlan',
    id: resourceId('plan', entry.id),
    identifier: identifier(entry),
    status: p.status,
    intent: 'plan',
    title: p.title,
    subject: ctx.patient,
    ...(p.start || p.end
      ? { period: { ...(p.start ? { start: p.start } : {}), ...(p.end ? { end: p.end } : {}) } }
      : {}),
    created: entry.at,
    author: ctx.author(entry.author),
    activity: p.activities.map((description) => ({
      detail: { status: ACTIVITY_STATUS[p.status], description },
    })),
  };
  const line = `${p.title}: ${p.activities.join('; ')} (${p.status})`;
  return [{ resource: plan, section: 'planOfCare', line }];
};

export const documentMapper: EntryMapper = (entry, ctx) => {
  if (!isDocumentInput(entry.data)) return null;
  const d = entry.data;
  const doc: DocumentReference = {
    resourceType: 'DocumentReference',
    id: resourceId('doc', entry.id),
    identifier: identifier(entry),
    status: d.status ?? 'current',
    docStatus: 'final',
    type: { text: d.title },
    subject: ctx.patient,
    date: new Date(entry.at).toISOString(),
    author: [ctx.author(entry.author)],
    description: d.title,
    content: [
      {
        attachment: {
          contentType: d.contentType,
          title: d.title,
          ...(d.size !== undefined ? { size: d.size } : {}),
          ...(d.date ? { creation: d.date } : {}),
        },
      },
    ],
  };
  return [{ resource: doc }];
};

export const workStatusMapper: EntryMapper = (entry, ctx) => {
  const w = workStatusFromRecord(entry.data) ?? (isWorkStatusInput(entry.data) ? entry.data : null);
  if (!w) return null;
  const obs: Observation = {
    resourceType: 'Observation',
    id: resourceId('work', entry.id),
    identifier: identifier(entry),
    status: 'final',
    category: [{ coding: [{ system: SYSTEM.observationCategory, code: 'social-history' }] }],
    code: {
      coding: [{ system: SYSTEM.loinc, code: LOINC_CODES.employmentStatus }],
      text: 'Work status',
    },
    subject: ctx.patient,
    ...(w.to
      ? { effectivePeriod: { ...(w.from ? { start: w.from } : {}), end: w.to } }
      : { effectiveDateTime: w.from ?? entry.at }),
    performer: [ctx.author(entry.author)],
    valueCodeableConcept: {
      coding: [{ system: SYSTEM.workStatus, code: w.status }],
      text: w.text ?? w.status,
    },
    ...(w.percent !== undefined
      ? {
          component: [
            {
              code: { coding: [{ system: SYSTEM.workStatus, code: 'percent-of-usual-hours' }] },
              valueQuantity: { value: w.percent, unit: '%', system: SYSTEM.ucum, code: '%' },
            },
          ],
        }
      : {}),
  };
  const line = `Work: ${w.text ?? w.status}${w.percent !== undefined ? ` (${w.percent} %)` : ''}${w.from ? ` since ${w.from}` : ''}${w.to ? ` until ${w.to}` : ''}`;
  return [{ resource: obs, section: 'socialHistory', line }];
};

export const observationMapper: EntryMapper = (entry, ctx) => {
  if (!isObservationInput(entry.data)) return null;
  const o = entry.data;
  const obs: Observation = {
    resourceType: 'Observation',
    id: resourceId('obs', entry.id),
    identifier: identifier(entry),
    status: 'final',
    code: {
      coding: [
        {
          system: o.code.system,
          code: o.code.code,
          ...(o.code.display ? { display: o.code.display } : {}),
        },
      ],
      text: o.text,
    },
    subject: ctx.patient,
    effectiveDateTime: entry.at,
    performer: [ctx.author(entry.author)],
    ...(typeof o.value === 'number'
      ? { valueQuantity: { value: o.value, ...(o.unit ? { unit: o.unit } : {}) } }
      : { valueString: o.value }),
  };
  const line = `${o.text}: ${o.value}${o.unit ? ` ${o.unit}` : ''} (${day(entry.at)})`;
  return [{ resource: obs, section: 'results', line }];
};
