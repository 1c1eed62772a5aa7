import { INSTRUMENT, isInstrumentId } from '../instruments/definitions';
import { NECK_PLANES, type NeckPlane, type PlaneResult } from '../measure/rom';
import {
  isMedication,
  isMotionTest,
  isPsfsResponse,
  MEDICATION,
  MOTION_TEST,
  PSFS,
  QUESTIONNAIRE,
  readQuestionnaireResponse,
  storedForm,
} from '../record/clinical';
import { isPainCheckIn, PAIN_CHECKIN, type PainRegion } from '../record/types';
import { BODY_SITE, LOINC_CODES, PSFS_CODE, ROM_CODES, ROM_MOVEMENTS, SYSTEM } from './codes';
import { isIcd10Code, isSnomedConceptId } from './codecheck';
import {
  ALLERGY,
  CARE_PLAN,
  CARE_PLAN_STATUSES,
  CLINICAL_STATUSES,
  CONDITION,
  DOCUMENT,
  GOAL,
  GOAL_STATUSES,
  isAllergyInput,
  type NoKnownAllergyInput,
  isCarePlanInput,
  isConditionInput,
  isDocumentInput,
  isGoalInput,
  isObservationInput,
  isWorkStatusInput,
  OBSERVATION,
  VERIFICATION_STATUSES,
  WORK_STATUS,
  WORK_STATUSES,
} from './input';
import { arr, clip, coding, dayOf, obj, str, text, type Index, type Json } from './import-json';

/**
 * One FHIR resource → one record entry, or the reason it is skipped (`import.ts` reads the
 * Bundle, finds who recorded each resource and dedupes; this maps each resource's content).
 */

/** Why a resource was not imported: a code the app translates, and the English reason. */
export const SKIP_REASONS = {
  'entered-in-error': 'entered in error',
  'goal-unreadable': 'a goal without a description',
  'careplan-unreadable': 'a care plan that cannot be read',
  'document-unreadable': 'a document reference that cannot be read',
  consent: 'sharing consents are not imported; share from Backpack instead',
  'condition-no-name': 'a condition with neither a code nor a text',
  'condition-unreadable': 'a condition that cannot be read',
  'medicine-missing': 'the medicine it refers to is not in the Bundle',
  'medicine-no-name': 'a medicine without a name',
  'medicine-not-taken': 'a medicine the patient does not take',
  'medicine-unreadable': 'a medicine that cannot be read',
  'allergy-no-substance': 'an allergy without a substance',
  'allergy-unreadable': 'an allergy that cannot be read',
  'pain-out-of-range': 'a pain rating outside 0–10',
  'pain-no-site':
    'a pain rating that does not say where it hurts: the record keeps back, leg and neck pain',
  'motion-unreadable': 'a range-of-motion test that cannot be read',
  'psfs-unreadable': 'a PSFS that cannot be read',
  'work-unreadable': 'a work status that cannot be read',
  'derived-score':
    'a score derived from a questionnaire response in this Bundle (scored again from its answers)',
  'observation-no-code': 'an observation without a code',
  'observation-no-value': 'an observation without a value',
  'observation-unreadable': 'an observation that cannot be read',
  'questionnaire-unknown': 'a questionnaire Backpack does not know',
  'not-recorded': '{what} is not a kind of data Backpack records yet',
  'condition-marked': 'a condition marked {what}',
  'questionnaire-version': '{what} in a version this app does not read',
  'questionnaire-misfit': '{what} answers that do not fit the form',
} as const;
export type SkipCode = keyof typeof SKIP_REASONS;

/** The codes the app adds for what it does not keep (`app/fhir-import.ts`, `APP_SKIP`). */
export type AppSkipCode =
  | 'source-unreadable'
  | 'condition-no-text'
  | 'allergy-no-name'
  | 'allergy-conflict'
  | 'questionnaire-not-scored'
  | 'goal-ended'
  | 'work-no-fit'
  | 'motion-not-kept'
  | 'careplan-not-kept'
  | 'document-not-kept'
  | 'role-may-not-add'
  | 'not-kept';

export interface Skipped {
  readonly resourceType: string;
  /** The reason in English (for logs of developers and the command line). */
  readonly reason: string;
  /** The same reason as a code, with the resource's own word (`what`), for the app's languages. */
  readonly code: SkipCode | AppSkipCode;
  readonly what?: string;
}

export function skip(code: SkipCode, what?: string): { skip: { code: SkipCode; what?: string } } {
  return { skip: what === undefined ? { code } : { code, what } };
}

export type Mapped =
  { type: string; data: unknown; at?: string } | { skip: { code: SkipCode; what?: string } };

export function mapResource(r: Json, index: Index, derived: (r: Json) => boolean): Mapped {
  const type = String(r['resourceType']);
  if (r['status'] === 'entered-in-error') return skip('entered-in-error');
  switch (type) {
    case 'Condition':
      return condition(r);
    case 'MedicationStatement':
    case 'MedicationRequest':
      return medication(r, index);
    case 'AllergyIntolerance':
      return allergy(r);
    case 'Observation':
      return observation(r, derived);
    case 'QuestionnaireResponse':
      return questionnaire(r);
    case 'Goal': {
      const data = {
        text: clip(text(r['description']) ?? '', 500),
        status: (GOAL_STATUSES as readonly unknown[]).includes(r['lifecycleStatus'])
          ? r['lifecycleStatus']
          : 'active',
        ...(dayOf(arr(r['target']).filter(obj)[0]?.['dueDate'])
          ? { due: dayOf(arr(r['target']).filter(obj)[0]?.['dueDate']) }
          : {}),
      };
      return isGoalInput(data) ? { type: GOAL, data } : skip('goal-unreadable');
    }
    case 'CarePlan': {
      const period = obj(r['period']) ? r['period'] : {};
      const activities = arr(r['activity'])
        .filter(obj)
        .map((a) =>
          obj(a['detail'])
            ? (str(a['detail']['description']) ?? text(a['detail']['code']))
            : undefined,
        )
        .filter((a): a is string => a !== undefined)
        .slice(0, 50)
        .map((a) => clip(a, 500));
      const data = {
        title: clip(str(r['title']) ?? str(r['description']) ?? 'Care plan', 200),
        status: (CARE_PLAN_STATUSES as readonly unknown[]).includes(r['status'])
          ? r['status']
          : 'active',
        activities,
        ...(dayOf(period['start']) ? { start: dayOf(period['start']) } : {}),
        ...(dayOf(period['end']) ? { end: dayOf(period['end']) } : {}),
      };
      return isCarePlanInput(data) ? { type: CARE_PLAN, data } : skip('careplan-unreadable');
    }
    case 'DocumentReference': {
      const attachment = obj(arr(r['content']).filter(obj)[0]?.['attachment'])
        ? (arr(r['content']).filter(obj)[0]!['attachment'] as Json)
        : {};
      const title = str(r['description']) ?? str(attachment['title']) ?? text(r['type']);
      const data = {
        title: clip(title ?? 'Document', 200),
        contentType: str(attachment['contentType']) ?? 'application/octet-stream',
        ...(typeof attachment['size'] === 'number' ? { size: attachment['size'] } : {}),
        ...(dayOf(attachment['creation']) ? { date: dayOf(attachment['creation']) } : {}),
        ...(r['status'] === 'superseded' ? { status: 'superseded' } : {}),
      };
      return isDocumentInput(data) ? { type: DOCUMENT, data } : skip('document-unreadable');
    }
    case 'Consent':
      return skip('consent');
    default:
      return skip('not-recorded', clip(type, 60));
  }
}

const SITE_BY_SNOMED = new Map<string, PainRegion>(
  (Object.entries(BODY_SITE) as Array<[PainRegion, { code: string }]>).map(([k, v]) => [v.code, k]),
);

function bodySiteOf(v: unknown): PainRegion | undefined {
  for (const cc of Array.isArray(v) ? v : [v]) {
    const c = coding(cc, (s) => s === SYSTEM.snomed);
    const site = c ? SITE_BY_SNOMED.get(String(c['code'])) : undefined;
    if (site) return site;
  }
  return undefined;
}

function condition(r: Json): Mapped {
  const code = r['code'];
  const snomed = coding(code, (s) => s === SYSTEM.snomed);
  const icd = coding(code, (s) => /^http:\/\/hl7\.org\/fhir\/sid\/icd-10/.test(s));
  const name = text(code) ?? str(snomed?.['code']) ?? str(icd?.['code']);
  if (!name) return skip('condition-no-name');
  const status = coding(r['clinicalStatus'], () => true)?.['code'];
  const verification = coding(r['verificationStatus'], () => true)?.['code'];
  if (verification === 'refuted' || verification === 'entered-in-error')
    return skip('condition-marked', clip(String(verification), 40));
  const onset =
    dayOf(r['onsetDateTime']) ??
    (obj(r['onsetPeriod']) ? dayOf(r['onsetPeriod']['start']) : undefined);
  const abatement =
    dayOf(r['abatementDateTime']) ??
    (obj(r['abatementPeriod']) ? dayOf(r['abatementPeriod']['end']) : undefined);
  const clinicalStatus = (CLINICAL_STATUSES as readonly unknown[]).includes(status)
    ? status
    : abatement
      ? 'resolved'
      : 'active';
  const display = (c: Json | undefined) => clip(str(c?.['display']) ?? name, 200);
  const site = bodySiteOf(r['bodySite']);
  const data = {
    text: clip(name, 200),
    ...(snomed && isSnomedConceptId(String(snomed['code']))
      ? { snomed: { code: String(snomed['code']), display: display(snomed) } }
      : {}),
    ...(icd && isIcd10Code(String(icd['code']))
      ? { icd10: { code: String(icd['code']), display: display(icd) } }
      : {}),
    clinicalStatus,
    ...((VERIFICATION_STATUSES as readonly unknown[]).includes(verification)
      ? { verificationStatus: verification }
      : {}),
    ...(site ? { bodySite: site } : {}),
    ...(onset ? { onset } : {}),
    ...(abatement ? { abatement } : {}),
  };
  return isConditionInput(data) ? { type: CONDITION, data } : skip('condition-unreadable');
}

function medication(r: Json, index: Index): Mapped {
  let name = text(r['medicationCodeableConcept']);
  if (!name && r['medicationReference'] !== undefined) {
    const med = index.resolve(r['medicationReference'], r);
    if (!med) return skip('medicine-missing');
    name = text(med['code']);
  }
  if (!name) return skip('medicine-no-name');
  if (r['status'] === 'not-taken') return skip('medicine-not-taken');
  const dosage = arr(r['dosage'] ?? r['dosageInstruction']).filter(obj)[0];
  const dose = str(dosage?.['text']);
  const ended = ['stopped', 'completed', 'cancelled'].includes(String(r['status']));
  const period = obj(r['effectivePeriod'])
    ? r['effectivePeriod']
    : obj(r['dispenseRequest']) && obj(r['dispenseRequest']['validityPeriod'])
      ? r['dispenseRequest']['validityPeriod']
      : {};
  const stopped = ended ? dayOf(period['end']) : undefined;
  const data = {
    name: clip(name, 200),
    ...(dose ? { dose: clip(dose, 200) } : {}),
    ...(stopped ? { stopped } : {}),
  };
  const start = dayOf(period['start']);
  return isMedication(data)
    ? { type: MEDICATION, data, ...(start ? { at: start } : {}) }
    : skip('medicine-unreadable');
}

const NO_KNOWN = ['716186003', '409137002', '428607008', '429625007'];

function allergy(r: Json): Mapped {
  const snomed = coding(r['code'], (s) => s === SYSTEM.snomed);
  if (snomed && NO_KNOWN.includes(String(snomed['code']))) {
    const data: NoKnownAllergyInput = { noKnownAllergies: true };
    return { type: ALLERGY, data };
  }
  const substance = text(r['code']);
  if (!substance) return skip('allergy-no-substance');
  const status = coding(r['clinicalStatus'], () => true)?.['code'];
  const reaction = arr(r['reaction'])
    .filter(obj)
    .flatMap((x) => arr(x['manifestation']).map(text))
    .find(Boolean);
  const category = arr(r['category'])[0];
  const data = {
    substance: clip(substance, 200),
    ...(snomed && isSnomedConceptId(String(snomed['code']))
      ? {
          snomed: {
            code: String(snomed['code']),
            display: clip(str(snomed['display']) ?? substance, 200),
          },
        }
      : {}),
    clinicalStatus: ['active', 'inactive', 'resolved'].includes(String(status)) ? status : 'active',
    ...(['low', 'high', 'unable-to-assess'].includes(String(r['criticality']))
      ? { criticality: r['criticality'] }
      : {}),
    ...(['food', 'medication', 'environment', 'biologic'].includes(String(category))
      ? { category }
      : {}),
    ...(reaction ? { reaction: clip(reaction, 200) } : {}),
  };
  return isAllergyInput(data) ? { type: ALLERGY, data } : skip('allergy-unreadable');
}

function observation(r: Json, derived: (r: Json) => boolean): Mapped {
  const loinc = coding(r['code'], (s) => s === SYSTEM.loinc)?.['code'];
  const measure = coding(r['code'], (s) => s === SYSTEM.measure)?.['code'];
  const instrument = coding(r['code'], (s) => s === SYSTEM.instrument)?.['code'];
  if (loinc === LOINC_CODES.pain) {
    // Where it hurts is part of the fact: a rating without a site is not guessed as back pain.
    const region = bodySiteOf(r['bodySite']);
    if (!region) return skip('pain-no-site');
    const note = arr(r['note'])
      .filter(obj)
      .map((n) => str(n['text']))
      .find(Boolean);
    const data = {
      scores: { [region]: r['valueInteger'] },
      ...(note ? { note: clip(note, 2000) } : {}),
    };
    return isPainCheckIn(data) ? { type: PAIN_CHECKIN, data } : skip('pain-out-of-range');
  }
  if (measure === ROM_CODES.neck || measure === ROM_CODES.back) {
    const test = measure === ROM_CODES.neck ? 'neck' : 'back';
    const value = (code: string) => {
      const c = arr(r['component'])
        .filter(obj)
        .find(
          (x) => coding(x['code'], (s) => s === SYSTEM.measure)?.['code'] === `${test}-${code}`,
        );
      const q = c && obj(c['valueQuantity']) ? c['valueQuantity']['value'] : undefined;
      return typeof q === 'number' ? q : undefined;
    };
    const planes: Partial<Record<NeckPlane, PlaneResult>> = {};
    for (const plane of NECK_PLANES) {
      const [first, second] = ROM_MOVEMENTS[plane];
      const a = value(first);
      const b = value(second);
      if (a !== undefined && b !== undefined) planes[plane] = { a, b };
    }
    const method = coding(r['method'], (s) => s === SYSTEM.measure)?.['code'];
    const data = { test, source: method === 'sensor' ? 'sensor' : 'manual', planes };
    return isMotionTest(data) ? { type: MOTION_TEST, data } : skip('motion-unreadable');
  }
  if (instrument === PSFS_CODE) {
    const activities = arr(r['component'])
      .filter(obj)
      .map((c) => ({ activity: clip(text(c['code']) ?? '', 120), rating: c['valueInteger'] }));
    const data = { activities };
    return isPsfsResponse(data) ? { type: PSFS, data } : skip('psfs-unreadable');
  }
  if (
    loinc === LOINC_CODES.employmentStatus &&
    coding(r['valueCodeableConcept'], (s) => s === SYSTEM.workStatus)
  ) {
    const status = coding(r['valueCodeableConcept'], (s) => s === SYSTEM.workStatus)?.['code'];
    const percent = arr(r['component'])
      .filter(obj)
      .map((c) => (obj(c['valueQuantity']) ? c['valueQuantity']['value'] : undefined))
      .find((v) => typeof v === 'number');
    const period = obj(r['effectivePeriod']) ? r['effectivePeriod'] : {};
    const from = dayOf(r['effectiveDateTime']) ?? dayOf(period['start']);
    const to = dayOf(period['end']);
    const words = status === 'other' ? text(r['valueCodeableConcept']) : undefined;
    const data = {
      status: (WORK_STATUSES as readonly unknown[]).includes(status) ? status : undefined,
      ...(percent !== undefined ? { percent } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(words ? { text: clip(words, 200) } : {}),
    };
    return isWorkStatusInput(data) ? { type: WORK_STATUS, data } : skip('work-unreadable');
  }
  if (derived(r))
    return {
      ...skip('derived-score'),
    };
  const code = coding(r['code'], () => true);
  const name = text(r['code']);
  if (!code || !name) return skip('observation-no-code');
  const q = obj(r['valueQuantity']) ? r['valueQuantity'] : undefined;
  const value =
    typeof q?.['value'] === 'number'
      ? q['value']
      : typeof r['valueInteger'] === 'number'
        ? r['valueInteger']
        : (str(r['valueString']) ?? text(r['valueCodeableConcept']));
  if (value === undefined) return skip('observation-no-value');
  const unit = q ? (str(q['unit']) ?? str(q['code'])) : undefined;
  const data = {
    code: {
      system: clip(String(code['system']), 200),
      code: clip(String(code['code']), 100),
      ...(str(code['display']) ? { display: clip(String(code['display']), 200) } : {}),
    },
    text: clip(name, 200),
    value: typeof value === 'string' ? clip(value, 200) : value,
    ...(unit ? { unit: clip(unit, 50) } : {}),
  };
  return isObservationInput(data) ? { type: OBSERVATION, data } : skip('observation-unreadable');
}

function questionnaire(r: Json): Mapped {
  const canonicalUrl = str(r['questionnaire']) ?? '';
  const m = new RegExp(
    `^${SYSTEM.questionnaire.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/([a-z]+)\\|(\\d+)$`,
  ).exec(canonicalUrl);
  if (!m || !isInstrumentId(m[1])) return skip('questionnaire-unknown');
  const def = INSTRUMENT[m[1]];
  const version = Number(m[2]);
  if (version !== def.version) return skip('questionnaire-version', def.short);
  const items = arr(r['item']).filter(obj);
  const answers = def.items.map((item) => {
    const it = items.find((x) => x['linkId'] === item.key);
    const a = it ? arr(it['answer']).filter(obj)[0] : undefined;
    return typeof a?.['valueInteger'] === 'number' ? a['valueInteger'] : null;
  });
  const current = readQuestionnaireResponse(
    def.version === 1
      ? { instrument: def.id, answers }
      : {
          instrument: def.id,
          version: def.version,
          answers: Object.fromEntries(def.items.map((it, i) => [it.key, answers[i]])),
        },
  );
  if (!current) return skip('questionnaire-misfit', def.short);
  return { type: QUESTIONNAIRE, data: storedForm(current) };
}
