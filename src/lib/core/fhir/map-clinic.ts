import type { Observation, ObservationComponent, Procedure } from '@medplum/fhirtypes';
import {
  GONIO_MOVEMENTS,
  isGoniometry,
  isNeuroScreen,
  isTreatmentSession,
  NEURO_ITEMS,
  SLR_ITEMS,
  type GonioMovement,
  type NeuroItem,
  type TreatmentComponent,
} from '../record/clinic-entries';
import { ROM_CODES, SYSTEM } from './codes';
import { resourceId, type EntryMapper } from './context';
import { bodySite } from './map-scores';

/**
 * Mappers of the professional clinical entries (issue 12 item 6): a goniometer range of motion
 * as the same coded Observation as the patient's own motion test, a neurological screen as an
 * exam Observation with one coded component per item, and a treatment session as a Procedure in
 * the IPS "History of Procedures" section. Labels are English (the export's language); codes
 * carry the meaning.
 */

const MOVEMENT_TEXT: Readonly<Record<GonioMovement, string>> = {
  flexion: 'flexion',
  extension: 'extension',
  'lateral-flexion-left': 'side bending left',
  'lateral-flexion-right': 'side bending right',
  'rotation-left': 'rotation left',
  'rotation-right': 'rotation right',
};

const NEURO_TEXT: Readonly<Record<NeuroItem, string>> = {
  reflexes: 'Reflexes',
  power: 'Power (myotomes)',
  sensation: 'Sensation (dermatomes)',
  'slr-left': 'Straight-leg raise, left',
  'slr-right': 'Straight-leg raise, right',
};

const COMPONENT_TEXT: Readonly<Record<TreatmentComponent, string>> = {
  education: 'education about the condition',
  'advice-activity': 'advice on activity and work',
  'exercise-therapy': 'exercise therapy',
  'home-exercise': 'home exercises reviewed',
  'manual-therapy': 'manual therapy',
  'soft-tissue': 'soft-tissue techniques',
  'neural-mobilisation': 'neural mobilisation',
  taping: 'taping',
  other: 'other',
};

/** SNOMED CT 91251008 |Physical therapy procedure (regime/therapy)|. */
const PHYSIOTHERAPY = { code: '91251008', display: 'Physical therapy procedure' } as const;

const identifier = (id: string) => [{ system: SYSTEM.entry, value: id }];
const exam = [{ coding: [{ system: SYSTEM.observationCategory, code: 'exam' }] }];

export const goniometryMapper: EntryMapper = (entry, ctx) => {
  if (!isGoniometry(entry.data)) return null;
  const { region, degrees, note } = entry.data;
  const test = region === 'cervical' ? 'neck' : 'back';
  const component: ObservationComponent[] = GONIO_MOVEMENTS.flatMap((m) => {
    const value = degrees[m];
    if (value === undefined) return [];
    return [
      {
        code: {
          coding: [{ system: SYSTEM.measure, code: `${test}-${m}` }],
          text: MOVEMENT_TEXT[m],
        },
        valueQuantity: { value, unit: 'deg', system: SYSTEM.ucum, code: 'deg' },
      },
    ];
  });
  const text = region === 'cervical' ? 'Cervical range of motion' : 'Lumbar range of motion';
  const obs: Observation = {
    resourceType: 'Observation',
    id: resourceId('gonio', entry.id),
    identifier: identifier(entry.id),
    status: 'final',
    category: exam,
    code: { coding: [{ system: SYSTEM.measure, code: ROM_CODES[test] }], text },
    subject: ctx.patient,
    effectiveDateTime: entry.at,
    performer: [ctx.author(entry.author)],
    bodySite: bodySite(test),
    method: { coding: [{ system: SYSTEM.measure, code: 'goniometer' }], text: 'Goniometer' },
    component,
    ...(note ? { note: [{ text: note }] } : {}),
  };
  const line = component.map((c) => `${c.code.text} ${c.valueQuantity?.value}°`).join(', ');
  return [{ resource: obs, section: 'results', line: `${text} (goniometer): ${line}` }];
};

export const neuroScreenMapper: EntryMapper = (entry, ctx) => {
  if (!isNeuroScreen(entry.data)) return null;
  const { items, text } = entry.data;
  const component: ObservationComponent[] = NEURO_ITEMS.flatMap((item) => {
    const finding = items[item];
    if (!finding) return [];
    const code = {
      coding: [{ system: SYSTEM.measure, code: `neuro-${item}` }],
      text: NEURO_TEXT[item],
    };
    const result: ObservationComponent = {
      code,
      valueCodeableConcept: {
        coding: [{ system: SYSTEM.measure, code: finding.result }],
        text: finding.result,
      },
    };
    if (finding.angle === undefined || !SLR_ITEMS.includes(item)) return [result];
    return [
      result,
      {
        code: {
          coding: [{ system: SYSTEM.measure, code: `neuro-${item}-angle` }],
          text: `${NEURO_TEXT[item]}: hip angle when symptoms began`,
        },
        valueQuantity: { value: finding.angle, unit: 'deg', system: SYSTEM.ucum, code: 'deg' },
      },
    ];
  });
  const obs: Observation = {
    resourceType: 'Observation',
    id: resourceId('neuro', entry.id),
    identifier: identifier(entry.id),
    status: 'final',
    category: exam,
    code: {
      coding: [{ system: SYSTEM.measure, code: 'neuro-screen' }],
      text: 'Neurological screen',
    },
    subject: ctx.patient,
    effectiveDateTime: entry.at,
    performer: [ctx.author(entry.author)],
    component,
    ...(text ? { note: [{ text }] } : {}),
  };
  const line = NEURO_ITEMS.flatMap((i) =>
    items[i] ? [`${NEURO_TEXT[i]} ${items[i].result}`] : [],
  ).join(', ');
  return [{ resource: obs, section: 'results', line: `Neurological screen: ${line}` }];
};

export const treatmentMapper: EntryMapper = (entry, ctx) => {
  if (!isTreatmentSession(entry.data)) return null;
  const { components, minutes, text } = entry.data;
  const what = components.map((c) => COMPONENT_TEXT[c]).join(', ');
  const start = new Date(entry.at);
  const end = new Date(start.getTime() + minutes * 60_000);
  const procedure: Procedure = {
    resourceType: 'Procedure',
    id: resourceId('proc', entry.id),
    identifier: identifier(entry.id),
    status: 'completed',
    code: {
      coding: [{ system: SYSTEM.snomed, ...PHYSIOTHERAPY }],
      text: `Physiotherapy session: ${what}`,
    },
    subject: ctx.patient,
    performedPeriod: { start: start.toISOString(), end: end.toISOString() },
    performer: [{ actor: ctx.author(entry.author) }],
    ...(text ? { note: [{ text }] } : {}),
  };
  return [
    {
      resource: procedure,
      section: 'procedures',
      line: `Physiotherapy session (${minutes} min): ${what}`,
    },
  ];
};
