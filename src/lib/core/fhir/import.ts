import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
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

/**
 * Reads a FHIR R4 Bundle (an IPS document from a hospital, a GP or Backpack itself) into record
 * entries. The file is outside input: the whole Bundle is checked before anything is returned,
 * and a malformed one throws a {@link FhirImportError} (nothing half-done). Resources that do
 * not map are listed in `skipped` with the reason, never silently dropped. Each entry carries a
 * dedupe key, so importing the same document twice adds nothing twice.
 */

export const MAX_IMPORT_ENTRIES = 5000;
/** Characters of JSON text accepted (20 MB); a bigger file is refused before parsing. */
export const MAX_IMPORT_CHARS = 20_000_000;

export type FhirImportProblem =
  'not-json' | 'too-large' | 'not-bundle' | 'too-many-entries' | 'malformed';

export class FhirImportError extends Error {
  override name = 'FhirImportError';
  constructor(
    readonly code: FhirImportProblem,
    message: string,
  ) {
    super(message);
  }
}

export interface ImportSource {
  /** The organisation (or, failing that, the person) that recorded it. */
  readonly organisation?: string;
  readonly author?: string;
  /** Calendar day or ISO time it was recorded. */
  readonly date: string;
  readonly resourceType: string;
  /** Stable across imports of the same resource: an entry with a known key is not added again. */
  readonly key: string;
}

export interface ImportedEntry {
  /** The record's entry type. */
  readonly type: string;
  readonly data: unknown;
  /** When it happened (ISO 8601). */
  readonly at: string;
  readonly source: ImportSource;
}

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

function skip(code: SkipCode, what?: string): { skip: { code: SkipCode; what?: string } } {
  return { skip: what === undefined ? { code } : { code, what } };
}

export interface ImportResult {
  readonly patient?: { readonly name: string; readonly birthDate?: string };
  readonly entries: ImportedEntry[];
  readonly skipped: Skipped[];
}

export interface ImportOptions {
  /** Dedupe keys of entries already in the record (from earlier imports). */
  readonly known?: ReadonlySet<string>;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const DAY = /^\d{4}-\d{2}-\d{2}/;
const dayOf = (v: unknown): string | undefined => {
  const s = str(v);
  return s && DAY.test(s) ? s.slice(0, 10) : undefined;
};

/** Agents and resources that only describe others: read, never entries, never "skipped". */
const STRUCTURAL = [
  'Composition',
  'Patient',
  'Provenance',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'RelatedPerson',
  'Medication',
  'Device',
];

function parse(input: unknown): Json {
  let value = input;
  if (typeof input === 'string') {
    if (input.length > MAX_IMPORT_CHARS) {
      throw new FhirImportError(
        'too-large',
        `The file is larger than ${MAX_IMPORT_CHARS / 1_000_000} MB.`,
      );
    }
    try {
      value = JSON.parse(input);
    } catch {
      throw new FhirImportError('not-json', 'The file is not JSON, so it is not a FHIR Bundle.');
    }
  }
  if (!obj(value) || typeof value['resourceType'] !== 'string') {
    throw new FhirImportError('not-bundle', 'The file is not a FHIR resource.');
  }
  if (value['resourceType'] !== 'Bundle') {
    throw new FhirImportError(
      'not-bundle',
      `The file is a FHIR ${clip(value['resourceType'], 40)}, not a Bundle.`,
    );
  }
  const entry = value['entry'];
  if (entry !== undefined && !Array.isArray(entry))
    throw new FhirImportError('malformed', 'Bundle.entry is not a list.');
  const list = arr(entry);
  if (list.length > MAX_IMPORT_ENTRIES) {
    throw new FhirImportError(
      'too-many-entries',
      `The Bundle has ${list.length} entries; at most ${MAX_IMPORT_ENTRIES} are read.`,
    );
  }
  list.forEach((e, i) => {
    if (!obj(e) || !obj(e['resource']) || typeof e['resource']['resourceType'] !== 'string') {
      throw new FhirImportError('malformed', `Bundle entry ${i + 1} has no resource.`);
    }
    if (e['fullUrl'] !== undefined && typeof e['fullUrl'] !== 'string') {
      throw new FhirImportError('malformed', `Bundle entry ${i + 1} has a malformed fullUrl.`);
    }
  });
  return value;
}

/** Canonical JSON (sorted keys), for a content hash. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (obj(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

const hash = (s: string) => bytesToHex(sha256(new TextEncoder().encode(s))).slice(0, 32);

function text(cc: unknown): string | undefined {
  if (!obj(cc)) return undefined;
  return (
    str(cc['text']) ??
    arr(cc['coding'])
      .filter(obj)
      .map((c) => str(c['display']))
      .find(Boolean)
  );
}

function coding(cc: unknown, test: (system: string) => boolean): Json | undefined {
  return obj(cc)
    ? arr(cc['coding'])
        .filter(obj)
        .find((c) => typeof c['system'] === 'string' && test(c['system']))
    : undefined;
}

function humanName(names: unknown): string | undefined {
  const list = arr(names).filter(obj);
  const n =
    list.find((x) => x['use'] === 'official') ?? list.find((x) => x['use'] !== 'old') ?? list[0];
  if (!n) return undefined;
  const t = str(n['text']);
  if (t) return t;
  // Dutch and other national profiles put the family name's parts in extensions on `_family`.
  let family = str(n['family']);
  if (!family && obj(n['_family'])) {
    const parts = arr(n['_family']['extension']).filter(obj);
    const own = parts.find((x) => String(x['url']).endsWith('humanname-own-name'));
    const prefix = parts.find((x) => String(x['url']).endsWith('humanname-own-prefix'));
    family =
      [str(prefix?.['valueString']), str(own?.['valueString'])].filter(Boolean).join(' ') ||
      undefined;
  }
  // Initials (IN) and call names (CL), as Dutch names mark them, are not part of the full name.
  const qualifiers = arr(n['_given']).map((g) =>
    obj(g)
      ? arr(g['extension'])
          .filter(obj)
          .map((x) => x['valueCode'])
      : [],
  );
  const given = arr(n['given'])
    .map(str)
    .filter((g, i) => g && !qualifiers[i]?.some((q) => q === 'IN' || q === 'CL'));
  const full = [...given, family].filter(Boolean).join(' ');
  return full || undefined;
}

class Index {
  private readonly byRef = new Map<string, Json>();
  readonly resources: Array<{ resource: Json; fullUrl?: string }> = [];

  constructor(bundle: Json) {
    for (const e of arr(bundle['entry']) as Json[]) {
      const resource = e['resource'] as Json;
      const fullUrl = str(e['fullUrl']);
      this.resources.push({ resource, ...(fullUrl ? { fullUrl } : {}) });
      if (fullUrl) this.byRef.set(fullUrl, resource);
      const id = str(resource['id']);
      if (id) this.byRef.set(`${String(resource['resourceType'])}/${id}`, resource);
    }
  }

  resolve(reference: unknown, from?: Json): Json | undefined {
    const r = obj(reference) ? str(reference['reference']) : undefined;
    if (!r) return undefined;
    if (r.startsWith('#') && from) {
      return arr(from['contained'])
        .filter(obj)
        .find((c) => `#${String(c['id'])}` === r);
    }
    const direct = this.byRef.get(r);
    if (direct) return direct;
    const m = /([A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(\/_history\/.*)?$/.exec(r);
    return m ? this.byRef.get(m[1]!) : undefined;
  }
}

interface Who {
  author?: string;
  organisation?: string;
}

function describe(index: Index, reference: unknown): Who {
  const r = index.resolve(reference);
  const display = obj(reference) ? str(reference['display']) : undefined;
  if (!r) return display ? { author: display } : {};
  switch (r['resourceType']) {
    case 'PractitionerRole': {
      const person = index.resolve(r['practitioner']);
      const org = index.resolve(r['organization']);
      const author =
        (person && humanName(person['name'])) ??
        (obj(r['practitioner']) ? str(r['practitioner']['display']) : undefined);
      const organisation =
        (org && str(org['name'])) ??
        (obj(r['organization']) ? str(r['organization']['display']) : undefined);
      return { ...(author ? { author } : {}), ...(organisation ? { organisation } : {}) };
    }
    case 'Organization': {
      const organisation = str(r['name']);
      return organisation ? { organisation } : {};
    }
    case 'Practitioner':
    case 'RelatedPerson':
    case 'Patient': {
      const author = humanName(r['name']) ?? display;
      return author ? { author } : {};
    }
    case 'Device': {
      const author = text(r['type']) ?? display;
      return author ? { author } : {};
    }
    default:
      return display ? { author: display } : {};
  }
}

/** The element of each resource type that names who recorded it, when no Provenance does. */
const RECORDER: Readonly<Record<string, readonly string[]>> = {
  Condition: ['recorder', 'asserter'],
  AllergyIntolerance: ['recorder', 'asserter'],
  MedicationStatement: ['informationSource'],
  MedicationRequest: ['requester', 'recorder'],
  Observation: ['performer'],
  QuestionnaireResponse: ['author', 'source'],
  Goal: ['expressedBy'],
  CarePlan: ['author'],
  DocumentReference: ['author', 'custodian'],
};

const DATE_OF: Readonly<Record<string, readonly string[]>> = {
  Condition: ['recordedDate', 'onsetDateTime'],
  AllergyIntolerance: ['recordedDate', 'onsetDateTime'],
  MedicationStatement: ['dateAsserted', 'effectiveDateTime'],
  MedicationRequest: ['authoredOn'],
  Observation: ['effectiveDateTime', 'issued'],
  QuestionnaireResponse: ['authored'],
  Goal: ['startDate', 'statusDate'],
  CarePlan: ['created'],
  DocumentReference: ['date'],
};

type Mapped =
  { type: string; data: unknown; at?: string } | { skip: { code: SkipCode; what?: string } };

export function importBundle(input: unknown, opts: ImportOptions = {}): ImportResult {
  const bundle = parse(input);
  const index = new Index(bundle);
  const composition = index.resources.find(
    (r) => r.resource['resourceType'] === 'Composition',
  )?.resource;
  const bundleId = obj(bundle['identifier'])
    ? `${String(bundle['identifier']['system'])}|${String(bundle['identifier']['value'])}`
    : (str(bundle['id']) ?? '');
  const docDate = str(composition?.['date']) ?? str(bundle['timestamp']);
  const docWho: Who = composition
    ? {
        ...describe(index, arr(composition['author'])[0]),
        ...describe(index, composition['custodian']),
      }
    : {};

  // Provenance targets → who recorded them.
  const provenance = new Map<string, Who & { date?: string }>();
  for (const { resource } of index.resources) {
    if (resource['resourceType'] !== 'Provenance') continue;
    const agents = arr(resource['agent']).filter(obj);
    const agent =
      agents.find((a) =>
        arr(obj(a['type']) ? a['type']['coding'] : []).some(
          (c) => obj(c) && c['code'] === 'author',
        ),
      ) ?? agents[0];
    if (!agent) continue;
    const who = describe(index, agent['who']);
    const date = str(resource['recorded']);
    for (const t of arr(resource['target'])) {
      const target = index.resolve(t);
      if (target)
        provenance.set(`${String(target['resourceType'])}/${String(target['id'])}`, {
          ...who,
          ...(date ? { date } : {}),
        });
    }
  }

  const patientResource =
    (composition ? index.resolve(composition['subject']) : undefined) ??
    index.resources.find((r) => r.resource['resourceType'] === 'Patient')?.resource;
  const patientName = patientResource ? humanName(patientResource['name']) : undefined;
  const birthDate = patientResource ? dayOf(patientResource['birthDate']) : undefined;

  const derivedFromResponse = (r: Json) =>
    arr(r['derivedFrom']).some(
      (d) => index.resolve(d)?.['resourceType'] === 'QuestionnaireResponse',
    );

  const entries: ImportedEntry[] = [];
  const skipped: Skipped[] = [];
  const keys = new Set<string>();
  for (const { resource, fullUrl } of index.resources) {
    const type = String(resource['resourceType']);
    if (STRUCTURAL.includes(type)) continue;
    const mapped = mapResource(resource, index, derivedFromResponse);
    if ('skip' in mapped) {
      const { code, what } = mapped.skip;
      const reason = SKIP_REASONS[code].replace('{what}', what ?? '');
      skipped.push({ resourceType: clip(type, 60), reason, code, ...(what ? { what } : {}) });
      continue;
    }
    const ident = arr(resource['identifier'] ?? [])
      .concat(obj(resource['identifier']) ? [resource['identifier']] : [])
      .filter(obj)[0];
    const identity =
      ident && str(ident['system']) && str(ident['value'])
        ? `id|${String(ident['system'])}|${String(ident['value'])}`
        : fullUrl && !fullUrl.startsWith('urn:')
          ? `url|${fullUrl}`
          : bundleId && (fullUrl || resource['id'])
            ? `doc|${bundleId}|${fullUrl ?? `${type}/${String(resource['id'])}`}`
            : `content|${canonical(resource)}`;
    const key = hash(`${type}|${identity}`);
    if (keys.has(key) || opts.known?.has(key)) continue;
    keys.add(key);
    const own = `${type}/${String(resource['id'])}`;
    const prov = provenance.get(own);
    const fallback: Who = {};
    for (const element of RECORDER[type] ?? []) {
      const v = Array.isArray(resource[element]) ? resource[element][0] : resource[element];
      if (v !== undefined) Object.assign(fallback, describe(index, v));
      if (fallback.author || fallback.organisation) break;
    }
    const who: Who = prov ?? { ...docWho, ...fallback };
    const ownDate = (DATE_OF[type] ?? []).map((k) => str(resource[k])).find(Boolean);
    const date = prov?.date ?? ownDate ?? docDate ?? new Date(0).toISOString();
    const at = mapped.at ?? ownDate ?? date;
    entries.push({
      type: mapped.type,
      data: mapped.data,
      at:
        DAY.test(at) && !Number.isNaN(Date.parse(at))
          ? new Date(at).toISOString()
          : new Date(date).toISOString(),
      source: {
        ...(who.organisation ? { organisation: clip(who.organisation, 200) } : {}),
        ...(who.author ? { author: clip(who.author, 200) } : {}),
        date,
        resourceType: type,
        key,
      },
    });
  }
  return {
    ...(patientName
      ? { patient: { name: clip(patientName, 200), ...(birthDate ? { birthDate } : {}) } }
      : {}),
    entries,
    skipped,
  };
}

function mapResource(r: Json, index: Index, derived: (r: Json) => boolean): Mapped {
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
    const region = bodySiteOf(r['bodySite']) ?? 'back';
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
