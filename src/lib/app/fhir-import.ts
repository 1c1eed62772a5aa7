import {
  ALLERGY,
  CONDITION,
  importBundle,
  isAllergyInput,
  isConditionInput,
  isNoKnownAllergyInput,
  isObservationInput,
  OBSERVATION,
  type ImportedEntry,
  type Skipped,
} from '$lib/core/fhir/index';
import { allergyToRecord, conditionToRecord } from '$lib/core/fhir/record-shapes';
import {
  isMedication,
  MEDICATION,
  RESULT,
  type Allergy,
  type Condition,
  type ImportedResult,
  type Medication,
} from '$lib/core/record/index';
import { isImportProvenance, type ImportProvenance } from '$lib/core/record/provenance';
import type { RecordSession } from './record-session';
import { SharingError } from './session-types';

/**
 * Importing a FHIR Bundle or IPS into the record (issue 13 item 4): a preview of what will be
 * added (conditions, allergies, medicines, results, each with where it came from and when), what is
 * skipped and why, then the writes on confirmation. Each added entry carries its provenance
 * (`source`: "imported from <organisation or author>, <date>") and the import key, so importing
 * the same document again adds nothing twice. A malformed file throws `FhirImportError` from
 * {@link previewImport} and nothing is written.
 */

export type ImportItem = (
  | { readonly type: typeof CONDITION; readonly data: Condition }
  | { readonly type: typeof ALLERGY; readonly data: Allergy }
  | { readonly type: typeof MEDICATION; readonly data: Medication }
  | { readonly type: typeof RESULT; readonly data: ImportedResult }
) & { readonly at: string; readonly source: ImportProvenance };

export interface ImportPreview {
  readonly patient?: { readonly name: string; readonly birthDate?: string };
  readonly items: readonly ImportItem[];
  readonly skipped: readonly Skipped[];
  /** Resources already in the record from an earlier import. */
  readonly alreadyIn: number;
}

const KEPT = [CONDITION, ALLERGY, MEDICATION, RESULT] as const;

/** The import keys of entries already in the record. */
export function importedKeys(session: RecordSession): Set<string> {
  const keys = new Set<string>();
  for (const type of KEPT) {
    for (const e of session.entries('clinical', type)) {
      const source = (e.data as { source?: unknown }).source;
      if (isImportProvenance(source)) keys.add(source.key);
    }
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
  'not-kept': 'this record does not keep this kind of entry from other systems yet',
} as const;
type AppSkip = keyof typeof APP_SKIP;

function toItem(e: ImportedEntry, listsAllergies: boolean): ImportItem | AppSkip {
  const source = provenanceOf(e);
  if (!isImportProvenance(source)) return 'source-unreadable';
  if (e.type === CONDITION && isConditionInput(e.data)) {
    const c = conditionToRecord(e.data);
    return c ? { type: CONDITION, data: { ...c, source }, at: e.at, source } : 'condition-no-text';
  }
  if (e.type === ALLERGY && isNoKnownAllergyInput(e.data)) {
    return listsAllergies
      ? 'allergy-conflict'
      : { type: ALLERGY, data: { kind: 'none', source }, at: e.at, source };
  }
  if (e.type === ALLERGY && isAllergyInput(e.data)) {
    const a = allergyToRecord(e.data);
    return a && a.kind !== 'none'
      ? { type: ALLERGY, data: { ...a, source }, at: e.at, source }
      : 'allergy-no-name';
  }
  if (e.type === MEDICATION && isMedication(e.data)) {
    return { type: MEDICATION, data: { ...e.data, source }, at: e.at, source };
  }
  if (e.type === OBSERVATION && isObservationInput(e.data)) {
    return { type: RESULT, data: { ...e.data, source }, at: e.at, source };
  }
  return 'not-kept';
}

/** What importing `input` (file text or parsed JSON) would add. Throws `FhirImportError`. */
export function previewImport(session: RecordSession, input: unknown): ImportPreview {
  const known = importedKeys(session);
  const all = importBundle(input);
  const fresh = importBundle(input, { known });
  const items: ImportItem[] = [];
  const skipped = [...fresh.skipped];
  // "No known allergies" from elsewhere never hides allergies the record already lists.
  const listsAllergies = session
    .entries('clinical', ALLERGY)
    .some((a) => (a.data as { kind?: unknown }).kind !== 'none');
  for (const e of fresh.entries) {
    const item = toItem(e, listsAllergies);
    if (typeof item === 'string')
      skipped.push({ resourceType: e.source.resourceType, reason: APP_SKIP[item], code: item });
    else items.push(item);
  }
  return {
    ...(fresh.patient ? { patient: fresh.patient } : {}),
    items,
    skipped,
    alreadyIn: all.entries.length - fresh.entries.length,
  };
}

/** Writes the previewed items (skipping any imported meanwhile); returns how many were added. */
export function applyImport(session: RecordSession, preview: ImportPreview): number {
  if (session.role === undefined || session.role === 'viewer') {
    throw new SharingError('This device may not add to the record.');
  }
  const known = importedKeys(session);
  let added = 0;
  for (const item of preview.items) {
    if (known.has(item.source.key)) continue;
    const at = new Date(item.at);
    const when = Number.isNaN(at.getTime()) ? new Date() : at;
    if (item.type === CONDITION) session.write(CONDITION, item.data, when);
    else if (item.type === ALLERGY) session.write(ALLERGY, item.data, when);
    else if (item.type === RESULT) session.write(RESULT, item.data, when);
    else session.write(MEDICATION, item.data, when);
    known.add(item.source.key);
    added++;
  }
  return added;
}
