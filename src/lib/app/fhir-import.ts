import {
  ALLERGY,
  CARE_PLAN,
  CONDITION,
  DOCUMENT,
  GOAL as FHIR_GOAL,
  importBundle,
  isAllergyInput,
  isConditionInput,
  isGoalInput,
  isNoKnownAllergyInput,
  isObservationInput,
  isWorkStatusInput,
  OBSERVATION,
  WORK_STATUS as FHIR_WORK_STATUS,
  type AppSkipCode,
  type ImportedEntry,
  type Skipped,
} from '$lib/core/fhir/index';
import {
  allergyToRecord,
  conditionToRecord,
  goalToRecord,
  workStatusToRecord,
} from '$lib/core/fhir/record-shapes';
import { assess, INSTRUMENT } from '$lib/core/instruments/definitions';
import {
  entryType,
  GOAL,
  isMedication,
  isPainCheckIn,
  isPsfsResponse,
  MEDICATION,
  MOTION_TEST,
  PAIN_CHECKIN,
  PSFS,
  QUESTIONNAIRE,
  readQuestionnaireResponse,
  RESULT,
  WORK_STATUS,
  type Allergy,
  type Condition,
  type EntryType,
  type Goal,
  type ImportedResult,
  type Medication,
  type PainCheckIn,
  type PsfsResponse,
  type QuestionnaireResponse,
  type WorkStatus,
} from '$lib/core/record/index';
import {
  importSourceOf,
  isImportProvenance,
  type ImportProvenance,
} from '$lib/core/record/provenance';
import type { RecordSession } from './record-session';
import { SharingError } from './session-types';

/**
 * Importing a FHIR Bundle or IPS into the record (issue 13 item 4): a preview of what will be
 * added (conditions, allergies, medicines, results, pain ratings, questionnaires, PSFS, goals and
 * work status, each with where it came from and when), what is skipped and why, then the writes
 * on confirmation. Each added entry carries its provenance (`source`: "imported from
 * <organisation or author>, <date>") and the import key, so importing the same document again
 * adds nothing twice. A malformed file throws `FhirImportError` from {@link previewImport} and
 * nothing is written.
 */

/** What an import reads and writes of a session (a {@link RecordSession}, or a test's). */
export type ImportTarget = Pick<RecordSession, 'role' | 'entries' | 'versions' | 'write'>;

export type ImportItem = (
  | { readonly type: typeof CONDITION; readonly data: Condition }
  | { readonly type: typeof ALLERGY; readonly data: Allergy }
  | { readonly type: typeof MEDICATION; readonly data: Medication }
  | { readonly type: typeof RESULT; readonly data: ImportedResult }
  | { readonly type: typeof PAIN_CHECKIN; readonly data: PainCheckIn }
  /** The answers in today's item order; the writer stores them and the app scores them. */
  | { readonly type: typeof QUESTIONNAIRE; readonly data: QuestionnaireResponse }
  | { readonly type: typeof PSFS; readonly data: PsfsResponse }
  | { readonly type: typeof GOAL; readonly data: Goal }
  | { readonly type: typeof WORK_STATUS; readonly data: WorkStatus }
) & { readonly at: string; readonly source: ImportProvenance };

export interface ImportPreview {
  readonly patient?: { readonly name: string; readonly birthDate?: string };
  readonly items: readonly ImportItem[];
  readonly skipped: readonly Skipped[];
  /** Resources already in the record from an earlier import. */
  readonly alreadyIn: number;
}

/** The entry types an import writes. */
export const KEPT = [
  CONDITION,
  ALLERGY,
  MEDICATION,
  RESULT,
  PAIN_CHECKIN,
  QUESTIONNAIRE,
  PSFS,
  GOAL,
  WORK_STATUS,
] as const satisfies readonly EntryType[];

/**
 * The import keys of entries already in the record: of every version, so an imported entry the
 * patient corrected or withdrew is not brought back by importing the same document again.
 */
export function importedKeys(session: Pick<ImportTarget, 'versions'>): Set<string> {
  const keys = new Set<string>();
  const kept: readonly string[] = KEPT;
  for (const e of session.versions('clinical').all) {
    if (!kept.includes(e.type)) continue;
    const source = importSourceOf(e.data);
    if (source) keys.add(source.key);
  }
  return keys;
}

function provenanceOf(e: ImportedEntry): ImportProvenance {
  const day = /^\d{4}-\d{2}-\d{2}/.test(e.source.date)
    ? e.source.date.slice(0, 10)
    : e.at.slice(0, 10);
  return {
    from: e.source.organisation ?? e.source.author ?? e.source.resourceType,
    date: day,
    key: e.source.key,
  };
}

/** Why the app, not the FHIR reader, leaves an entry out: codes of {@link Skipped}. */
export const APP_SKIP = {
  'source-unreadable': 'its source or date cannot be read',
  'condition-no-text': 'a condition without text',
  'allergy-no-name': 'an allergy without a name',
  'allergy-conflict': 'states no allergy is known, but this record lists allergies',
  'questionnaire-not-scored': '{what} with too many questions left blank to give a score',
  'goal-ended': 'a goal already reached or given up',
  'work-no-fit':
    'a work status this record has no place for (not working without a reason, or reduced hours without the share of usual hours)',
  'motion-not-kept':
    'a range of motion measured elsewhere is not added to the own movement tests: measured another way, it does not compare',
  'careplan-not-kept':
    'a care plan is written in the record by the care team; an import cannot add one in their name',
  'document-not-kept': 'only the title of a document is in the file, not the document itself',
  'role-may-not-add': 'this device may not add this kind of entry',
  'not-kept': 'this record does not keep this kind of entry from other systems yet',
} as const satisfies Record<AppSkipCode, string>;
export type AppSkip = keyof typeof APP_SKIP;

type Outcome = ImportItem | AppSkip | { code: AppSkip; what: string };

function toItem(e: ImportedEntry, listsAllergies: boolean): Outcome {
  const source = provenanceOf(e);
  if (!isImportProvenance(source)) return 'source-unreadable';
  const at = e.at;
  if (e.type === CONDITION && isConditionInput(e.data)) {
    const c = conditionToRecord(e.data);
    return c ? { type: CONDITION, data: { ...c, source }, at, source } : 'condition-no-text';
  }
  if (e.type === ALLERGY && isNoKnownAllergyInput(e.data)) {
    return listsAllergies
      ? 'allergy-conflict'
      : { type: ALLERGY, data: { kind: 'none', source }, at, source };
  }
  if (e.type === ALLERGY && isAllergyInput(e.data)) {
    const a = allergyToRecord(e.data);
    return a && a.kind !== 'none'
      ? { type: ALLERGY, data: { ...a, source }, at, source }
      : 'allergy-no-name';
  }
  if (e.type === MEDICATION && isMedication(e.data)) {
    return { type: MEDICATION, data: { ...e.data, source }, at, source };
  }
  if (e.type === OBSERVATION && isObservationInput(e.data)) {
    return { type: RESULT, data: { ...e.data, source }, at, source };
  }
  if (e.type === PAIN_CHECKIN && isPainCheckIn(e.data)) {
    // Only the rating and its note: sleep and pain medicine are the patient's own check-in's.
    const { scores, note } = e.data;
    return { type: PAIN_CHECKIN, data: { scores, ...(note ? { note } : {}), source }, at, source };
  }
  if (e.type === QUESTIONNAIRE) {
    // Scored again here, by the app's own scorer, from the answers alone.
    const r = readQuestionnaireResponse(e.data);
    if (!r) return 'not-kept';
    const def = INSTRUMENT[r.instrument];
    const result = assess(def, r.answers);
    if (!result.scored) return { code: 'questionnaire-not-scored', what: def.short };
    const data = { instrument: r.instrument, version: r.version, answers: r.answers, source };
    return { type: QUESTIONNAIRE, data, at, source };
  }
  if (e.type === PSFS && isPsfsResponse(e.data)) {
    return { type: PSFS, data: { activities: e.data.activities, source }, at, source };
  }
  if (e.type === FHIR_GOAL && isGoalInput(e.data)) {
    const g = goalToRecord(e.data);
    return g ? { type: GOAL, data: { ...g, source }, at, source } : 'goal-ended';
  }
  if (e.type === FHIR_WORK_STATUS && isWorkStatusInput(e.data)) {
    const w = workStatusToRecord(e.data);
    return w ? { type: WORK_STATUS, data: { ...w, source }, at, source } : 'work-no-fit';
  }
  if (e.type === MOTION_TEST) return 'motion-not-kept';
  if (e.type === CARE_PLAN) return 'careplan-not-kept';
  if (e.type === DOCUMENT) return 'document-not-kept';
  return 'not-kept';
}

/** Whether `role` may write `item` (the writer and every other client check the same rule). */
function mayAdd(role: ImportTarget['role'], item: ImportItem): boolean {
  if (role === undefined || role === 'viewer') return true; // the panel shows read-only instead
  const spec = entryType(item.type);
  if (!spec.writers[role].write) return false;
  const stored = spec.prepare ? spec.prepare(item.data as never) : item.data;
  return stored !== null && !spec.roleRule?.(stored as never, role);
}

/** What importing `input` (file text or parsed JSON) would add. Throws `FhirImportError`. */
export function previewImport(session: ImportTarget, input: unknown): ImportPreview {
  const known = importedKeys(session);
  const all = importBundle(input);
  const fresh = importBundle(input, { known });
  const items: ImportItem[] = [];
  const skipped = [...fresh.skipped];
  // "No known allergies" from elsewhere never hides allergies the record already lists.
  const listsAllergies = session
    .entries('clinical', ALLERGY)
    .some((a) => (a.data as { kind?: unknown }).kind !== 'none');
  const leaveOut = (e: ImportedEntry, code: AppSkip, what?: string) =>
    skipped.push({
      resourceType: e.source.resourceType,
      reason: APP_SKIP[code].replace('{what}', what ?? ''),
      code,
      ...(what ? { what } : {}),
    });
  for (const e of fresh.entries) {
    const item = toItem(e, listsAllergies);
    if (typeof item === 'string') leaveOut(e, item);
    else if ('code' in item) leaveOut(e, item.code, item.what);
    else if (!mayAdd(session.role, item)) leaveOut(e, 'role-may-not-add');
    else items.push(item);
  }
  return {
    ...(fresh.patient ? { patient: fresh.patient } : {}),
    items,
    skipped,
    alreadyIn: all.entries.length - fresh.entries.length,
  };
}

function writeItem(session: ImportTarget, item: ImportItem, when: Date): void {
  switch (item.type) {
    case CONDITION:
      return void session.write(CONDITION, item.data, when);
    case ALLERGY:
      return void session.write(ALLERGY, item.data, when);
    case MEDICATION:
      return void session.write(MEDICATION, item.data, when);
    case RESULT:
      return void session.write(RESULT, item.data, when);
    case PAIN_CHECKIN:
      return void session.write(PAIN_CHECKIN, item.data, when);
    case QUESTIONNAIRE:
      return void session.write(QUESTIONNAIRE, item.data, when);
    case PSFS:
      return void session.write(PSFS, item.data, when);
    case GOAL:
      return void session.write(GOAL, item.data, when);
    case WORK_STATUS:
      return void session.write(WORK_STATUS, item.data, when);
  }
}

/** Writes the previewed items (skipping any imported meanwhile); returns how many were added. */
export function applyImport(session: ImportTarget, preview: ImportPreview): number {
  if (session.role === undefined || session.role === 'viewer') {
    throw new SharingError('This device may not add to the record.');
  }
  const known = importedKeys(session);
  let added = 0;
  for (const item of preview.items) {
    if (known.has(item.source.key)) continue;
    const at = new Date(item.at);
    writeItem(session, item, Number.isNaN(at.getTime()) ? new Date() : at);
    known.add(item.source.key);
    added++;
  }
  return added;
}
