import type { Role } from '../sync/protocol';
import { authorProblem, type Compartment, type Entry } from './entries';
import {
  ACCESS_EVENT,
  isAccessEvent,
  isPainCheckIn,
  isTextEntry,
  MESSAGE,
  NOTE,
  PAIN_CHECKIN,
  type AccessEvent,
  type Message,
  type Note,
  type PainCheckIn,
} from './types';
import {
  CARE_EVENT,
  isCareEvent,
  isMedication,
  isMotionTest,
  isPsfsResponse,
  isRedFlags,
  isStoredQuestionnaireResponse,
  MEDICATION,
  MOTION_TEST,
  newQuestionnaireResponse,
  PSFS,
  QUESTIONNAIRE,
  RED_FLAGS,
  type CareEvent,
  type Medication,
  type MotionTest,
  type PsfsResponse,
  type QuestionnaireResponse,
  type RedFlags,
  type StoredQuestionnaireResponse,
} from './clinical';
import {
  DOCUMENT,
  DOCUMENT_REMOVED,
  isDocumentData,
  isDocumentRemoved,
  type DocumentData,
  type DocumentRemoved,
} from '../documents/entry';
import { DEVICES_TYPES } from './registry-devices';
import { CORRECT_TYPES } from './registry-correct';
import { PROFILE, isPatientProfile, type PatientProfile } from './profile';
import {
  ALLERGY,
  CONDITION,
  isAllergy,
  isCondition,
  type Allergy,
  type Condition,
} from './problems';
import { PLAN_TYPES } from './registry-plan';
import { CLINIC_TYPES } from './registry-clinic';
import { RESULT_TYPES } from './registry-results';
import { enteredWithPatient } from './clinic-entries';

/**
 * The entry-type registry: every entry type of the record is declared here once, with its data
 * guard, its compartment, who may write it (and whose entries each role may later correct), the
 * summary section it belongs to, its timeline wording and the FHIR hook of issue 13. Readers,
 * the writer (`RecordSession.write`) and the write rules every client checks on accepted updates
 * (`validate.ts`) all look types up here. Adding a type = one spec below + its i18n keys.
 */

import { CARE_TEAM, NONE, PATIENT, spec } from './registry-spec';
import type { EntryTypeSpec, WriteRules } from './registry-spec';

export type {
  EntryTypeSpec,
  FhirHook,
  SummarySection,
  TimelineWording,
  WriteRule,
  WriteRules,
} from './registry-spec';

/** The sharing audit trail: written by whoever changes sharing; never corrected. */
const SHARING: WriteRules = {
  owner: { write: true, corrects: 'none' },
  delegate: { write: true, corrects: 'none' },
  professional: NONE,
  viewer: NONE,
};

/**
 * Taking back a document: the care team may write it, and readers honour it only from the
 * document's own author or an owner (`documents/list.ts`). Never corrected.
 */
const REMOVAL: WriteRules = {
  owner: { write: true, corrects: 'none' },
  delegate: { write: true, corrects: 'none' },
  professional: { write: true, corrects: 'none' },
  viewer: NONE,
};

export const ENTRY_TYPES = {
  [PAIN_CHECKIN]: spec<PainCheckIn>({
    type: PAIN_CHECKIN,
    version: 1,
    compartment: 'clinical',
    guard: isPainCheckIn,
    invalid: 'A check-in needs pain scores from 0 to 10.',
    writers: PATIENT,
    section: 'pain',
    timeline: { title: 'timeline.checkin' },
    fhir: { section: 'results', resources: ['Observation'] },
  }),
  [QUESTIONNAIRE]: spec<StoredQuestionnaireResponse, QuestionnaireResponse>({
    type: QUESTIONNAIRE,
    version: 1,
    compartment: 'clinical',
    guard: isStoredQuestionnaireResponse,
    prepare: newQuestionnaireResponse,
    invalid: 'These answers cannot be scored.',
    // A professional enters one only from the paper form with the patient (rule 30).
    writers: CARE_TEAM,
    roleRule: (d, role) =>
      role === 'professional' && !enteredWithPatient(d)
        ? 'a professional enters a questionnaire only with the patient'
        : null,
    section: 'questionnaires',
    timeline: { title: 'timeline.questionnaire' },
    fhir: { section: 'functional-status', resources: ['QuestionnaireResponse', 'Observation'] },
  }),
  [PSFS]: spec<PsfsResponse>({
    type: PSFS,
    version: 1,
    compartment: 'clinical',
    guard: isPsfsResponse,
    invalid: 'Name one to five activities and rate each from 0 to 10.',
    writers: PATIENT,
    section: 'function',
    timeline: { title: 'psfs.title' },
    fhir: { section: 'functional-status', resources: ['Observation'] },
  }),
  [MOTION_TEST]: spec<MotionTest>({
    type: MOTION_TEST,
    version: 1,
    compartment: 'clinical',
    guard: isMotionTest,
    invalid: 'These measurements are out of range.',
    writers: PATIENT,
    section: 'motion',
    timeline: { title: 'measure.title', titleOf: (d) => `motion.title.${d.test}` },
    fhir: { section: 'results', resources: ['Observation'] },
  }),
  [RED_FLAGS]: spec<RedFlags>({
    type: RED_FLAGS,
    version: 1,
    compartment: 'safety',
    formerly: 'clinical',
    guard: isRedFlags,
    invalid: 'Every warning-sign question needs an answer.',
    writers: PATIENT,
    section: 'safety',
    timeline: { title: 'redflags.title' },
    fhir: { section: 'results', resources: ['Observation'] },
  }),
  [MEDICATION]: spec<Medication>({
    type: MEDICATION,
    // v2: a medicine is started, changed (dose) or stopped; a change or stop refers to its start.
    version: 2,
    compartment: 'clinical',
    guard: isMedication,
    invalid: 'A medication needs a name; a change or stop needs the medicine it changes.',
    writers: PATIENT,
    section: 'medicines',
    timeline: {
      title: 'timeline.medication',
      titleOf: (d) =>
        d.action === 'change'
          ? 'profile.timeline.medChange'
          : d.action === 'stop'
            ? 'profile.timeline.medStop'
            : 'timeline.medication',
    },
    fhir: { section: 'medications', resources: ['MedicationStatement'] },
  }),
  // Profile, problems and allergies (issue 12 items 2 and 3).
  [PROFILE]: spec<PatientProfile>({
    type: PROFILE,
    version: 1,
    compartment: 'clinical',
    guard: isPatientProfile,
    invalid: 'A profile needs a name, a date of birth and a language; every field has a limit.',
    writers: PATIENT,
    section: 'profile',
    timeline: { title: 'profile.timeline.profile' },
    fhir: { section: 'patient', resources: ['Patient'] },
  }),
  [CONDITION]: spec<Condition>({
    type: CONDITION,
    version: 1,
    compartment: 'clinical',
    guard: isCondition,
    invalid: 'A condition needs a code from the list or a short text, a side and a status.',
    writers: CARE_TEAM,
    section: 'problems',
    timeline: { title: 'profile.timeline.condition' },
    fhir: { section: 'problems', resources: ['Condition'] },
  }),
  [ALLERGY]: spec<Allergy>({
    type: ALLERGY,
    version: 1,
    compartment: 'clinical',
    guard: isAllergy,
    invalid: 'An allergy needs a substance, or must say there are no known allergies.',
    writers: PATIENT,
    section: 'allergies',
    timeline: {
      title: 'profile.timeline.allergy',
      titleOf: (d) =>
        d.kind === 'none' ? 'profile.timeline.noAllergies' : 'profile.timeline.allergy',
    },
    fhir: { section: 'allergies', resources: ['AllergyIntolerance'] },
  }),
  [CARE_EVENT]: spec<CareEvent>({
    type: CARE_EVENT,
    version: 1,
    compartment: 'clinical',
    guard: isCareEvent,
    invalid: 'A care event needs a kind and a short label.',
    writers: PATIENT,
    section: 'visits',
    timeline: { title: 'summary.kind.other', titleOf: (d) => `summary.kind.${d.kind}` },
    fhir: { section: 'none', resources: ['Encounter'] },
  }),
  [NOTE]: spec<Note>({
    type: NOTE,
    version: 1,
    compartment: 'clinical',
    guard: isTextEntry,
    invalid: 'A note needs text (at most 4000 characters).',
    writers: CARE_TEAM,
    section: 'notes',
    timeline: { title: 'timeline.note' },
    fhir: { section: 'none', resources: ['Communication'] },
  }),
  [MESSAGE]: spec<Message>({
    type: MESSAGE,
    version: 1,
    compartment: 'messages',
    guard: isTextEntry,
    invalid: 'A message needs text (at most 4000 characters).',
    writers: CARE_TEAM,
    section: 'messages',
    timeline: { title: 'messages.title' },
    fhir: { section: 'none', resources: ['Communication'] },
  }),
  [DOCUMENT]: spec<DocumentData>({
    type: DOCUMENT,
    version: 1,
    compartment: 'clinical',
    guard: isDocumentData,
    invalid: 'A document needs a blob id, a key, a size, a media type, a file name and a title.',
    writers: CARE_TEAM,
    section: 'documents',
    timeline: { title: 'docs.timeline.added' },
    fhir: { section: 'results', resources: ['DocumentReference'] },
  }),
  [DOCUMENT_REMOVED]: spec<DocumentRemoved>({
    type: DOCUMENT_REMOVED,
    version: 1,
    compartment: 'clinical',
    guard: isDocumentRemoved,
    invalid: 'A removal names one document and its blob.',
    writers: REMOVAL,
    section: 'documents',
    timeline: { title: 'docs.timeline.removed' },
    fhir: { section: 'none', resources: [] },
  }),
  ...PLAN_TYPES,
  ...DEVICES_TYPES,
  ...CORRECT_TYPES,
  ...CLINIC_TYPES,
  ...RESULT_TYPES,
  [ACCESS_EVENT]: spec<AccessEvent>({
    type: ACCESS_EVENT,
    version: 1,
    compartment: 'clinical',
    guard: isAccessEvent,
    invalid: 'An access event must describe one sharing change.',
    writers: SHARING,
    section: 'sharing',
    timeline: { title: 'timeline.access' },
  }),
} as const;

type Registry = typeof ENTRY_TYPES;

/** Every registered type string. */
export type EntryType = keyof Registry;

/** Type string → the data the writer takes: `write('pain-checkin', data)` is type checked. */
export type EntryDataMap = {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- both type parameters must be inferred
  [K in EntryType]: Registry[K] extends EntryTypeSpec<infer _T, infer Input> ? Input : never;
};

/** Type string → the data an entry of that type stores (what readers get). */
export type EntryStoredMap = {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- both type parameters must be inferred
  [K in EntryType]: Registry[K] extends EntryTypeSpec<infer T, infer _I> ? T : never;
};

export const ENTRY_TYPE_NAMES = Object.keys(ENTRY_TYPES) as EntryType[];

export function isEntryType(type: unknown): type is EntryType {
  return typeof type === 'string' && Object.hasOwn(ENTRY_TYPES, type);
}

/** The spec of `type`, or undefined for a type this app does not know. */
export function entryType<K extends EntryType>(
  type: K,
): EntryTypeSpec<EntryStoredMap[K], EntryDataMap[K]>;
export function entryType(type: string): EntryTypeSpec<unknown, unknown> | undefined;
export function entryType(type: string): EntryTypeSpec<unknown, unknown> | undefined {
  return isEntryType(type)
    ? (ENTRY_TYPES[type] as unknown as EntryTypeSpec<unknown, unknown>)
    : undefined;
}

/**
 * Whether an entry read from the record (any device's) is one this app shows: a registered
 * type, in its compartment, of a schema version this app knows, and data that passes the type's
 * guard. Everything else is skipped.
 */
export function isValidEntry(entry: Entry, compartment?: Compartment): boolean {
  const s = entryType(entry.type);
  if (!s || entry.v > s.version) return false;
  if (compartment !== undefined && s.compartment !== compartment && s.formerly !== compartment) {
    return false;
  }
  let ok = guardVerdicts.get(entry);
  if (ok === undefined) {
    ok = authorProblem(entry.author) === null && s.guard(entry.data);
    guardVerdicts.set(entry, ok);
  }
  return ok;
}

/**
 * The author and data checks of {@link isValidEntry} by entry: a stored value is never changed
 * in place (see `readEntry`), so its verdict holds while it lives, and a record read again after
 * a change checks only the entries that changed.
 */
const guardVerdicts = new WeakMap<Entry, boolean>();

/** Narrows `entry` to `type` when it is of that type and its data passes the guard. */
export function isEntryOf<K extends EntryType>(
  entry: Entry,
  type: K,
): entry is Entry<EntryStoredMap[K]> {
  return entry.type === type && entryType(type).guard(entry.data);
}

/** Whether `role` may write entries of `type` (unknown types: only owners). */
export function mayWrite(role: Role, type: string): boolean {
  const s = entryType(type);
  if (!s) return role === 'owner';
  return s.writers[role].write;
}

/** The entry types `role` may write, in registry order. */
export function writableTypes(role: Role): EntryType[] {
  return ENTRY_TYPE_NAMES.filter((t) => ENTRY_TYPES[t].writers[role].write);
}

/** The timeline title key of an entry of a registered type (the type string otherwise). */
export function timelineTitle(entry: Entry): string {
  const s = entryType(entry.type);
  if (!s) return entry.type;
  return s.timeline.titleOf && s.guard(entry.data)
    ? s.timeline.titleOf(entry.data)
    : s.timeline.title;
}
