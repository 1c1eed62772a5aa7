import { NDI_CODES } from '../scores/ndi';
import { NRS_LOINC } from '../scores/nrs';
import { ODI_CODES } from '../scores/oswestry';
import { ORE_CODES } from '../scores/orebro';
import { SBT_CODES } from '../scores/startback';

/** Code systems and codes the FHIR export writes and the checks in `check.ts` hold it to. */

export const SYSTEM = {
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  icd10: 'http://hl7.org/fhir/sid/icd-10',
  ucum: 'http://unitsofmeasure.org',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  allergyClinical: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
  allergyVerification: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
  listEmptyReason: 'http://terminology.hl7.org/CodeSystem/list-empty-reason',
  provenanceParticipant: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type',
  consentScope: 'http://terminology.hl7.org/CodeSystem/consentscope',
  consentAction: 'http://terminology.hl7.org/CodeSystem/consentaction',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  roleCode: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
  dataAbsentReason: 'http://terminology.hl7.org/CodeSystem/data-absent-reason',
  /** The project's own code systems (no LOINC or SNOMED code exists for these). */
  instrument: ORE_CODES.system,
  measure: 'https://backpack.health/fhir/CodeSystem/measure',
  sector: 'https://backpack.health/fhir/CodeSystem/sector',
  compartment: 'https://backpack.health/fhir/CodeSystem/compartment',
  workStatus: 'https://backpack.health/fhir/CodeSystem/work-status',
  /** Identifier system of resources made from record entries (value = entry id + suffix). */
  entry: 'https://backpack.health/fhir/NamingSystem/entry',
  /** Canonical base of the project's Questionnaires (`<base>/<instrument>|<version>`). */
  questionnaire: 'https://backpack.health/fhir/Questionnaire',
} as const;

/** Base of every exported resource's `fullUrl`; references inside are relative (`Patient/…`). */
export const FULL_URL_BASE = 'https://backpack.health/fhir/';

export const LOINC_CODES = {
  patientSummary: '60591-5',
  sections: {
    problems: '11450-4',
    allergies: '48765-2',
    medications: '10160-0',
    results: '30954-2',
    functionalStatus: '47420-5',
    planOfCare: '18776-5',
    socialHistory: '29762-2',
    procedures: '47519-4',
  },
  pain: NRS_LOINC,
  odi: ODI_CODES.score,
  odiPanel: ODI_CODES.panel,
  ndi: NDI_CODES.total,
  ndiPanel: NDI_CODES.panel,
  startBackTotal: SBT_CODES.total,
  startBackRisk: SBT_CODES.risk,
  startBackPsychosocial: SBT_CODES.psychosocial,
  startBackPanel: SBT_CODES.panel,
  /** Patient consent. */
  consent: '59284-0',
  /** History of employment status. */
  employmentStatus: '74165-2',
} as const;

export const STARTBACK_RISK_ANSWERS = SBT_CODES.riskAnswers;

/** Body sites (SNOMED CT body structures) for the app's pain regions and motion tests. */
export const BODY_SITE = {
  back: { code: '37822005', display: 'Lower back structure' },
  neck: { code: '45048000', display: 'Neck structure' },
  leg: { code: '61685007', display: 'Lower limb structure' },
} as const;

/** Conditions the app names, with SNOMED CT and ICD-10 (WHO 2019) codes. */
export const KNOWN_CONDITIONS = {
  'low-back-pain': { snomed: '279039007', icd10: 'M54.5', display: 'Low back pain' },
  'chronic-low-back-pain': {
    snomed: '278860009',
    icd10: 'M54.5',
    display: 'Chronic low back pain',
  },
  'neck-pain': { snomed: '81680005', icd10: 'M54.2', display: 'Neck pain' },
  sciatica: { snomed: '23056005', icd10: 'M54.3', display: 'Sciatica' },
} as const;

/** UCUM units the export writes. */
export const UCUM_UNITS = ['deg', '%', '{score}'] as const;

/** Movements of a range-of-motion test: plane → its two directions' component codes. */
export const ROM_MOVEMENTS = {
  'flexion-extension': ['flexion', 'extension'],
  lateral: ['lateral-flexion-left', 'lateral-flexion-right'],
  rotation: ['rotation-left', 'rotation-right'],
} as const;

export const ROM_CODES = { neck: 'cervical-rom', back: 'lumbar-rom' } as const;
export const PSFS_CODE = 'psfs';
