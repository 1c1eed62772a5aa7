import {
  BODY_SITE,
  FULL_URL_BASE,
  LOINC_CODES,
  ROM_CODES,
  STARTBACK_RISK_ANSWERS,
  SYSTEM,
  UCUM_UNITS,
} from './codes';
import { isIcd10Code, isLoincCode, isSnomedConceptId } from './codecheck';

/**
 * The project's own checks of an exported document Bundle: what Medplum's `validateResource`
 * does not check (required bindings, codes and their check digits, UCUM units, IPS section
 * rules, references that resolve, a Provenance for every resource). Returns the problems, each
 * with where it is; an empty list means the Bundle passes.
 */

type Json = Record<string, unknown>;
const obj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Required bindings (R4 value sets), by resource type and element path. */
const REQUIRED: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  Composition: { status: ['preliminary', 'final', 'amended', 'entered-in-error'] },
  Patient: { gender: ['male', 'female', 'other', 'unknown'] },
  Observation: {
    status: [
      'registered',
      'preliminary',
      'final',
      'amended',
      'corrected',
      'cancelled',
      'entered-in-error',
      'unknown',
    ],
  },
  QuestionnaireResponse: {
    status: ['in-progress', 'completed', 'amended', 'entered-in-error', 'stopped'],
  },
  MedicationStatement: {
    status: [
      'active',
      'completed',
      'entered-in-error',
      'intended',
      'stopped',
      'on-hold',
      'unknown',
      'not-taken',
    ],
  },
  AllergyIntolerance: {
    criticality: ['low', 'high', 'unable-to-assess'],
    category: ['food', 'medication', 'environment', 'biologic'],
  },
  Goal: {
    lifecycleStatus: [
      'proposed',
      'planned',
      'accepted',
      'active',
      'on-hold',
      'completed',
      'cancelled',
      'entered-in-error',
      'rejected',
    ],
  },
  CarePlan: {
    status: ['draft', 'active', 'on-hold', 'revoked', 'completed', 'entered-in-error', 'unknown'],
    intent: ['proposal', 'plan', 'order', 'option'],
  },
  DocumentReference: {
    status: ['current', 'superseded', 'entered-in-error'],
    docStatus: ['preliminary', 'final', 'amended', 'entered-in-error'],
  },
  Consent: { status: ['draft', 'proposed', 'active', 'rejected', 'inactive', 'entered-in-error'] },
};

/** Required CodeableConcept bindings: resource type → element → system and codes. */
const REQUIRED_CODED: Readonly<
  Record<string, Readonly<Record<string, { system: string; codes: readonly string[] }>>>
> = {
  Condition: {
    clinicalStatus: {
      system: SYSTEM.conditionClinical,
      codes: ['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'],
    },
    verificationStatus: {
      system: SYSTEM.conditionVerification,
      codes: [
        'unconfirmed',
        'provisional',
        'differential',
        'confirmed',
        'refuted',
        'entered-in-error',
      ],
    },
  },
  AllergyIntolerance: {
    clinicalStatus: { system: SYSTEM.allergyClinical, codes: ['active', 'inactive', 'resolved'] },
    verificationStatus: {
      system: SYSTEM.allergyVerification,
      codes: ['unconfirmed', 'confirmed', 'refuted', 'entered-in-error'],
    },
  },
};

const ACTIVITY_STATUS = [
  'not-started',
  'scheduled',
  'in-progress',
  'on-hold',
  'completed',
  'cancelled',
  'stopped',
  'unknown',
  'entered-in-error',
];
const EMPTY_REASONS = ['nilknown', 'notasked', 'withheld', 'unavailable', 'notstarted', 'closed'];
const OBSERVATION_CATEGORIES = [
  'social-history',
  'vital-signs',
  'imaging',
  'laboratory',
  'procedure',
  'survey',
  'exam',
  'therapy',
  'activity',
];
const PROVENANCE_AGENT_TYPES = [
  'enterer',
  'performer',
  'author',
  'verifier',
  'legal',
  'attester',
  'informant',
  'custodian',
  'assembler',
  'composer',
];

/** IPS sections: code → the resource types its entries may be. */
const SECTION_TYPES: Readonly<Record<string, readonly string[]>> = {
  [LOINC_CODES.sections.problems]: ['Condition'],
  [LOINC_CODES.sections.allergies]: ['AllergyIntolerance'],
  [LOINC_CODES.sections.medications]: ['MedicationStatement', 'MedicationRequest'],
  [LOINC_CODES.sections.results]: ['Observation', 'DiagnosticReport', 'DocumentReference'],
  [LOINC_CODES.sections.functionalStatus]: ['Condition', 'ClinicalImpression', 'DocumentReference'],
  [LOINC_CODES.sections.planOfCare]: ['CarePlan'],
  [LOINC_CODES.sections.socialHistory]: ['Observation'],
  [LOINC_CODES.sections.procedures]: ['Procedure'],
};
const REQUIRED_SECTIONS = [
  LOINC_CODES.sections.problems,
  LOINC_CODES.sections.allergies,
  LOINC_CODES.sections.medications,
];

/** Resources that describe who acted; they need no Provenance of their own. */
const AGENT_TYPES = [
  'Provenance',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'RelatedPerson',
  'Device',
  'Medication',
];

function codings(cc: unknown): Json[] {
  return obj(cc) ? arr(cc['coding']).filter(obj) : [];
}

function hasCode(cc: unknown, system: string, code: string): boolean {
  return codings(cc).some((c) => c['system'] === system && c['code'] === code);
}

/** Walks every value of `v`, calling `visit` with its path. */
function walk(v: unknown, path: string, visit: (v: unknown, path: string) => void): void {
  visit(v, path);
  if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`, visit));
  else if (obj(v)) for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`, visit);
}

export function checkBundle(bundle: unknown): string[] {
  const problems: string[] = [];
  const fail = (path: string, message: string) => problems.push(`${path}: ${message}`);
  if (!obj(bundle) || bundle['resourceType'] !== 'Bundle') return ['Bundle: not a Bundle'];
  if (bundle['type'] !== 'document') fail('Bundle.type', 'must be document');
  const identifier = bundle['identifier'];
  if (
    !obj(identifier) ||
    typeof identifier['system'] !== 'string' ||
    typeof identifier['value'] !== 'string'
  ) {
    fail('Bundle.identifier', 'needs system and value (bdl-9)');
  }
  if (typeof bundle['timestamp'] !== 'string') fail('Bundle.timestamp', 'missing (bdl-10)');
  const entries = arr(bundle['entry']).filter(obj);
  const resources = entries.map((e) => e['resource']).filter(obj);
  const byKey = new Map<string, Json>();
  entries.forEach((e, i) => {
    const r = e['resource'];
    if (!obj(r)) {
      fail(`Bundle.entry[${i}]`, 'has no resource');
      return;
    }
    const key = `${String(r['resourceType'])}/${String(r['id'])}`;
    if (byKey.has(key)) fail(`Bundle.entry[${i}]`, `duplicate ${key}`);
    byKey.set(key, r);
    if (e['fullUrl'] !== `${FULL_URL_BASE}${key}`)
      fail(`Bundle.entry[${i}].fullUrl`, `must be ${FULL_URL_BASE}${key}`);
  });
  if (resources[0]?.['resourceType'] !== 'Composition')
    fail('Bundle.entry[0]', 'must be the Composition (bdl-11)');

  // Every reference resolves inside the Bundle.
  resources.forEach((r) => {
    walk(r, String(r['resourceType']), (v, path) => {
      if (obj(v) && typeof v['reference'] === 'string' && !byKey.has(v['reference'])) {
        fail(path, `reference ${v['reference']} is not in the Bundle`);
      }
    });
  });

  // Codes: LOINC and SNOMED CT check digits, ICD-10 format, UCUM units.
  resources.forEach((r) => {
    walk(r, String(r['resourceType']), (v, path) => {
      if (!obj(v)) return;
      const system = v['system'];
      const code = v['code'];
      if (typeof code !== 'string') return;
      if (system === SYSTEM.loinc && !isLoincCode(code))
        fail(path, `LOINC code ${code} is not valid`);
      if (system === SYSTEM.snomed && !isSnomedConceptId(code))
        fail(path, `SNOMED CT id ${code} is not valid`);
      if (system === SYSTEM.icd10 && !isIcd10Code(code))
        fail(path, `ICD-10 code ${code} is not valid`);
      if (system === SYSTEM.ucum && !(UCUM_UNITS as readonly string[]).includes(code)) {
        fail(path, `UCUM unit ${code} is not one the export uses`);
      }
    });
  });

  const provenanceTargets = new Set<string>();
  for (const r of resources) {
    if (r['resourceType'] !== 'Provenance') continue;
    for (const t of arr(r['target']).filter(obj)) provenanceTargets.add(String(t['reference']));
  }

  resources.forEach((r) => {
    const type = String(r['resourceType']);
    const at = `${type}/${String(r['id'])}`;
    for (const [element, allowed] of Object.entries(REQUIRED[type] ?? {})) {
      const values = Array.isArray(r[element])
        ? (r[element] as unknown[])
        : r[element] === undefined
          ? []
          : [r[element]];
      for (const value of values) {
        if (typeof value !== 'string' || !allowed.includes(value)) {
          fail(`${at}.${element}`, `${String(value)} is not in the required value set`);
        }
      }
    }
    for (const [element, binding] of Object.entries(REQUIRED_CODED[type] ?? {})) {
      if (r[element] === undefined) continue;
      const ok = codings(r[element]).some(
        (c) => c['system'] === binding.system && binding.codes.includes(String(c['code'])),
      );
      if (!ok) fail(`${at}.${element}`, `needs a code from ${binding.system}`);
    }
    if (!AGENT_TYPES.includes(type) && !provenanceTargets.has(at)) fail(at, 'has no Provenance');
    switch (type) {
      case 'Composition':
        checkComposition(r, at, byKey, fail);
        break;
      case 'Patient': {
        const names = arr(r['name']).filter(obj);
        if (!names.some((n) => typeof n['text'] === 'string' || typeof n['family'] === 'string')) {
          fail(`${at}.name`, 'IPS needs a name');
        }
        if (typeof r['birthDate'] !== 'string') fail(`${at}.birthDate`, 'IPS needs a birth date');
        break;
      }
      case 'Observation':
        checkObservation(r, at, fail);
        break;
      case 'Condition': {
        if (
          !obj(r['code']) ||
          (codings(r['code']).length === 0 && typeof r['code']['text'] !== 'string')
        ) {
          fail(`${at}.code`, 'needs a coding or text');
        }
        const status = codings(r['clinicalStatus'])[0]?.['code'];
        if (
          r['abatementDateTime'] !== undefined &&
          !['inactive', 'remission', 'resolved'].includes(String(status))
        ) {
          fail(
            `${at}.clinicalStatus`,
            'an abated condition must be inactive, in remission or resolved (con-4)',
          );
        }
        break;
      }
      case 'CarePlan':
        arr(r['activity'])
          .filter(obj)
          .forEach((a, i) => {
            const detail = a['detail'];
            if (obj(detail) && !ACTIVITY_STATUS.includes(String(detail['status']))) {
              fail(`${at}.activity[${i}].detail.status`, 'not in the required value set');
            }
          });
        break;
      case 'Consent': {
        if (!hasCode(r['scope'], SYSTEM.consentScope, 'patient-privacy'))
          fail(`${at}.scope`, 'must be patient-privacy');
        if (!arr(r['category']).some((c) => hasCode(c, SYSTEM.loinc, LOINC_CODES.consent))) {
          fail(`${at}.category`, `must include LOINC ${LOINC_CODES.consent}`);
        }
        const provision = r['provision'];
        if (!obj(provision) || !['deny', 'permit'].includes(String(provision['type']))) {
          fail(`${at}.provision.type`, 'must be deny or permit');
        }
        break;
      }
      case 'Provenance':
        arr(r['agent'])
          .filter(obj)
          .forEach((a, i) => {
            if (
              !codings(a['type']).some(
                (c) =>
                  c['system'] === SYSTEM.provenanceParticipant &&
                  PROVENANCE_AGENT_TYPES.includes(String(c['code'])),
              )
            ) {
              fail(`${at}.agent[${i}].type`, 'needs a provenance participant type');
            }
          });
        break;
      default:
        break;
    }
  });
  return problems;
}

function checkComposition(
  r: Json,
  at: string,
  byKey: Map<string, Json>,
  fail: (path: string, message: string) => void,
): void {
  if (!hasCode(r['type'], SYSTEM.loinc, LOINC_CODES.patientSummary)) {
    fail(`${at}.type`, `must be LOINC ${LOINC_CODES.patientSummary} (patient summary)`);
  }
  const sections = arr(r['section']).filter(obj);
  const codes = sections.map(
    (s) => codings(s['code']).find((c) => c['system'] === SYSTEM.loinc)?.['code'],
  );
  for (const required of REQUIRED_SECTIONS) {
    if (!codes.includes(required)) fail(`${at}.section`, `the IPS section ${required} is required`);
  }
  sections.forEach((s, i) => {
    const path = `${at}.section[${i}]`;
    const code = String(codes[i]);
    const allowed = SECTION_TYPES[code];
    if (!allowed) fail(`${path}.code`, `${code} is not an IPS section this export writes`);
    const text = s['text'];
    if (!obj(text) || typeof text['div'] !== 'string')
      fail(`${path}.text`, 'IPS needs narrative in every section');
    const entries = arr(s['entry']).filter(obj);
    if (entries.length > 0 && s['emptyReason'] !== undefined)
      fail(`${path}.emptyReason`, 'only when empty (cmp-2)');
    if (
      s['emptyReason'] !== undefined &&
      !codings(s['emptyReason']).some(
        (c) => c['system'] === SYSTEM.listEmptyReason && EMPTY_REASONS.includes(String(c['code'])),
      )
    ) {
      fail(`${path}.emptyReason`, 'not in the list-empty-reason value set');
    }
    for (const e of entries) {
      const target = byKey.get(String(e['reference']));
      if (target && allowed && !allowed.includes(String(target['resourceType']))) {
        fail(
          `${path}.entry`,
          `${String(target['resourceType'])} does not belong in section ${code}`,
        );
      }
    }
  });
}

function quantity(v: unknown): { value: number; code: string } | null {
  if (
    !obj(v) ||
    typeof v['value'] !== 'number' ||
    v['system'] !== SYSTEM.ucum ||
    typeof v['code'] !== 'string'
  ) {
    return null;
  }
  return { value: v['value'], code: v['code'] };
}

function checkObservation(
  r: Json,
  at: string,
  fail: (path: string, message: string) => void,
): void {
  for (const c of arr(r['category'])) {
    for (const coding of codings(c)) {
      if (
        coding['system'] === SYSTEM.observationCategory &&
        !OBSERVATION_CATEGORIES.includes(String(coding['code']))
      ) {
        fail(`${at}.category`, `${String(coding['code'])} is not an observation category`);
      }
    }
  }
  const loinc = codings(r['code']).find((c) => c['system'] === SYSTEM.loinc)?.['code'];
  const local = codings(r['code']).find((c) => c['system'] === SYSTEM.measure)?.['code'];
  const int = r['valueInteger'];
  const range = (v: unknown, min: number, max: number) =>
    typeof v === 'number' && v >= min && v <= max;
  switch (loinc) {
    case LOINC_CODES.pain: {
      if (!Number.isInteger(int) || !range(int, 0, 10))
        fail(`${at}.valueInteger`, 'a pain rating is an integer 0–10');
      const sites: readonly string[] = Object.values(BODY_SITE).map((s) => s.code);
      if (
        !codings(r['bodySite']).some(
          (c) => c['system'] === SYSTEM.snomed && sites.includes(String(c['code'])),
        )
      ) {
        fail(`${at}.bodySite`, 'a pain rating needs a SNOMED CT body site');
      }
      break;
    }
    case LOINC_CODES.odi: {
      const q = quantity(r['valueQuantity']);
      if (!q || q.code !== '%' || !range(q.value, 0, 100))
        fail(`${at}.valueQuantity`, 'the ODI is 0–100 %');
      break;
    }
    case LOINC_CODES.ndi: {
      const q = quantity(r['valueQuantity']);
      if (!q || q.code !== '{score}' || !range(q.value, 0, 50))
        fail(`${at}.valueQuantity`, 'the NDI is 0–50 {score}');
      break;
    }
    case LOINC_CODES.startBackTotal:
      if (!Number.isInteger(int) || !range(int, 0, 9))
        fail(`${at}.valueInteger`, 'STarT Back total is 0–9');
      break;
    case LOINC_CODES.startBackRisk: {
      const answers: readonly string[] = Object.values(STARTBACK_RISK_ANSWERS);
      if (
        !codings(r['valueCodeableConcept']).some(
          (c) => c['system'] === SYSTEM.loinc && answers.includes(String(c['code'])),
        )
      ) {
        fail(
          `${at}.valueCodeableConcept`,
          'the STarT Back risk is one of LA9194-7, LA8982-6, LA9193-9',
        );
      }
      break;
    }
    default:
      break;
  }
  if (local === ROM_CODES.neck || local === ROM_CODES.back) {
    const components = arr(r['component']).filter(obj);
    if (components.length === 0)
      fail(`${at}.component`, 'range of motion needs one component per movement');
    components.forEach((c, i) => {
      const q = quantity(c['valueQuantity']);
      if (!q || q.code !== 'deg' || !range(q.value, 0, 180))
        fail(`${at}.component[${i}]`, 'a movement is 0–180 deg');
    });
    if (codings(r['bodySite']).length === 0)
      fail(`${at}.bodySite`, 'range of motion needs a body site');
  }
}
