import type {
  CodeableConcept,
  Observation,
  ObservationComponent,
  QuestionnaireResponse,
  QuestionnaireResponseItem,
} from '@medplum/fhirtypes';
import { assess, INSTRUMENT } from '../instruments/definitions';
import { PLANE_DIRECTIONS } from '../measure/rom';
import { isMotionTest, isPsfsResponse, readQuestionnaireResponse } from '../record/clinical';
import { isPainCheckIn, PAIN_REGIONS } from '../record/types';
import {
  BODY_SITE,
  LOINC_CODES,
  PSFS_CODE,
  ROM_CODES,
  ROM_MOVEMENTS,
  STARTBACK_RISK_ANSWERS,
  SYSTEM,
} from './codes';
import { ref, resourceId, type EntryMapper, type Mapped } from './context';
import type { EntryInput } from './input';

/** Mappers of the measures: pain ratings, questionnaires, range of motion, PSFS. */

const category = (code: 'survey' | 'exam' | 'social-history'): CodeableConcept[] => [
  { coding: [{ system: SYSTEM.observationCategory, code }] },
];

export const bodySite = (site: keyof typeof BODY_SITE): CodeableConcept => ({
  coding: [{ system: SYSTEM.snomed, ...BODY_SITE[site] }],
  text: BODY_SITE[site].display,
});

const identifier = (entry: EntryInput, suffix?: string) => [
  { system: SYSTEM.entry, value: suffix ? `${entry.id}#${suffix}` : entry.id },
];

export const painMapper: EntryMapper = (entry, ctx) => {
  if (!isPainCheckIn(entry.data)) return null;
  const data = entry.data;
  const out: Mapped[] = [];
  for (const region of PAIN_REGIONS) {
    const score = data.scores[region];
    if (score === undefined) continue;
    const obs: Observation = {
      resourceType: 'Observation',
      id: resourceId('pain', entry.id, region),
      identifier: identifier(entry, region),
      status: 'final',
      category: category('survey'),
      code: {
        coding: [
          {
            system: SYSTEM.loinc,
            code: LOINC_CODES.pain,
            display: 'Pain severity - 0-10 verbal numeric rating [Score] - Reported',
          },
        ],
        text: 'Pain (0–10)',
      },
      subject: ctx.patient,
      effectiveDateTime: entry.at,
      performer: [ctx.author(entry.author)],
      valueInteger: score,
      bodySite: bodySite(region),
      ...(data.note ? { note: [{ text: data.note }] } : {}),
    };
    out.push({
      resource: obs,
      section: 'results',
      line: `Pain ${BODY_SITE[region].display.toLowerCase()}: ${score}/10 (${entry.at.slice(0, 10)})`,
    });
  }
  return out;
};

export const questionnaireMapper: EntryMapper = (entry, ctx) => {
  const response = readQuestionnaireResponse(entry.data);
  if (!response) return null;
  const def = INSTRUMENT[response.instrument];
  const items: QuestionnaireResponseItem[] = def.items.map((item, i) => {
    const a = response.answers[i];
    return a === null || a === undefined
      ? { linkId: item.key }
      : { linkId: item.key, answer: [{ valueInteger: a }] };
  });
  const qr: QuestionnaireResponse = {
    resourceType: 'QuestionnaireResponse',
    id: resourceId('qr', entry.id),
    identifier: { system: SYSTEM.entry, value: entry.id },
    questionnaire: `${SYSTEM.questionnaire}/${def.id}|${def.version}`,
    status: 'completed',
    subject: ctx.patient,
    authored: entry.at,
    author: ctx.author(entry.author),
    item: items,
  };
  const result = assess(def, response.answers);
  if (!result.scored) {
    // The raw answers travel; the section narrative says why there is no score.
    const line = `${def.short}: not scored (${result.missing} items missing)`;
    return [{ resource: qr, section: 'results', line, unlisted: true }];
  }
  const out: Mapped[] = [{ resource: qr }];
  const code: CodeableConcept = {
    coding: [{ system: result.code.system, code: result.code.code }],
    text: `${def.short} score`,
  };
  const common = {
    resourceType: 'Observation' as const,
    status: 'final' as const,
    category: category('survey'),
    subject: ctx.patient,
    effectiveDateTime: entry.at,
    performer: [ctx.author(entry.author)],
    derivedFrom: [ref(qr)],
  };
  const score: Observation = {
    ...common,
    id: resourceId('score', entry.id),
    identifier: identifier(entry, 'score'),
    code,
    ...(def.id === 'startback'
      ? { valueInteger: result.score }
      : result.unit === '%'
        ? {
            valueQuantity: { value: result.score, unit: '%', system: SYSTEM.ucum, code: '%' },
          }
        : {
            valueQuantity: {
              value: result.score,
              unit: 'score',
              system: SYSTEM.ucum,
              code: '{score}',
            },
          }),
    ...(result.subscale !== undefined
      ? {
          component: [
            {
              code: {
                coding: [{ system: SYSTEM.loinc, code: LOINC_CODES.startBackPsychosocial }],
                text: 'STarT Back psychosocial subscale',
              },
              valueInteger: result.subscale,
            },
          ],
        }
      : {}),
  };
  const line = `${def.short}: ${result.score}${result.unit === '%' ? ' %' : ''} (${result.band}, ${entry.at.slice(0, 10)})`;
  out.push({
    resource: score,
    section: 'results',
    line,
    ...(def.id === 'odi' || def.id === 'ndi' ? { functional: line } : {}),
  });
  if (def.id === 'startback') {
    const band = result.band as keyof typeof STARTBACK_RISK_ANSWERS;
    const display = { low: 'Low risk', medium: 'Medium risk', high: 'High risk' }[band];
    const risk: Observation = {
      ...common,
      id: resourceId('risk', entry.id),
      identifier: identifier(entry, 'risk'),
      code: {
        coding: [{ system: SYSTEM.loinc, code: LOINC_CODES.startBackRisk }],
        text: 'STarT Back risk group',
      },
      valueCodeableConcept: {
        coding: [{ system: SYSTEM.loinc, code: STARTBACK_RISK_ANSWERS[band], display }],
        text: display,
      },
    };
    out.push({ resource: risk, section: 'results', line: `STarT Back risk: ${display}` });
  }
  return out;
};

export const motionMapper: EntryMapper = (entry, ctx) => {
  if (!isMotionTest(entry.data)) return null;
  const data = entry.data;
  const components: ObservationComponent[] = [];
  for (const [plane, result] of Object.entries(data.planes)) {
    if (!result) continue;
    const movements = ROM_MOVEMENTS[plane as keyof typeof ROM_MOVEMENTS];
    const directions = PLANE_DIRECTIONS[plane as keyof typeof PLANE_DIRECTIONS];
    [result.a, result.b].forEach((value, i) => {
      components.push({
        code: {
          coding: [{ system: SYSTEM.measure, code: `${data.test}-${movements[i]}` }],
          text: `${plane} ${directions[i]}`,
        },
        valueQuantity: { value, unit: 'deg', system: SYSTEM.ucum, code: 'deg' },
      });
    });
  }
  const site = data.test === 'neck' ? 'neck' : 'back';
  const obs: Observation = {
    resourceType: 'Observation',
    id: resourceId('rom', entry.id),
    identifier: identifier(entry),
    status: 'final',
    category: category('exam'),
    code: {
      coding: [{ system: SYSTEM.measure, code: ROM_CODES[data.test] }],
      text: data.test === 'neck' ? 'Cervical range of motion' : 'Lumbar range of motion',
    },
    subject: ctx.patient,
    effectiveDateTime: entry.at,
    performer: [ctx.author(entry.author)],
    bodySite: bodySite(site),
    method: {
      coding: [{ system: SYSTEM.measure, code: data.source }],
      text: data.source === 'sensor' ? 'Guided phone-sensor protocol' : 'Goniometer',
    },
    component: components,
  };
  const summary = components.map((c) => `${c.code.text} ${c.valueQuantity?.value}°`).join(', ');
  return [{ resource: obs, section: 'results', line: `${obs.code.text}: ${summary}` }];
};

export const psfsMapper: EntryMapper = (entry, ctx) => {
  if (!isPsfsResponse(entry.data)) return null;
  const list = entry.data.activities;
  const obs: Observation = {
    resourceType: 'Observation',
    id: resourceId('psfs', entry.id),
    identifier: identifier(entry),
    status: 'final',
    category: category('survey'),
    code: {
      coding: [{ system: SYSTEM.instrument, code: PSFS_CODE }],
      text: 'Patient-Specific Functional Scale',
    },
    subject: ctx.patient,
    effectiveDateTime: entry.at,
    performer: [ctx.author(entry.author)],
    component: list.map((a) => ({ code: { text: a.activity }, valueInteger: a.rating })),
  };
  const line = `PSFS: ${list.map((a) => `${a.activity} ${a.rating}/10`).join(', ')}`;
  return [{ resource: obs, section: 'results', line, functional: line }];
};
