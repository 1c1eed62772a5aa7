import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { arr, clip, DAY, dayOf, Index, obj, str, text, type Json } from './import-json';
import { mapResource, SKIP_REASONS, type Skipped } from './import-map';

export { SKIP_REASONS, type AppSkipCode, type SkipCode, type Skipped } from './import-map';

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

export interface ImportResult {
  readonly patient?: { readonly name: string; readonly birthDate?: string };
  readonly entries: ImportedEntry[];
  readonly skipped: Skipped[];
}

export interface ImportOptions {
  /** Dedupe keys of entries already in the record (from earlier imports). */
  readonly known?: ReadonlySet<string>;
}

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
