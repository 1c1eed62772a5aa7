import { LOINC_CODES } from './codes';

/**
 * A readable view of an IPS document Bundle from anywhere (a SMART Health Link, a file): the
 * patient, and per section the lines a reader needs (problems, medicines, allergies, results,
 * functional status, plan). Pure and defensive: the Bundle is outside input, every field is
 * checked and only text comes out (the Bundle's own XHTML narrative is never shown).
 */

export const IPS_VIEW_SECTIONS = [
  'problems',
  'medications',
  'allergies',
  'results',
  'functionalStatus',
  'planOfCare',
] as const;
export type IpsViewSection = (typeof IPS_VIEW_SECTIONS)[number];

export interface IpsItem {
  readonly text: string;
  /** Status, dose, value… */
  readonly detail?: string;
  /** A calendar day or ISO time. */
  readonly date?: string;
}

export interface IpsView {
  readonly patient: { readonly name: string; readonly birthDate?: string } | null;
  /** The document's date (ISO). */
  readonly date?: string;
  /** Who made the document (author display or organisation name). */
  readonly author?: string;
  readonly sections: Readonly<Record<IpsViewSection, readonly IpsItem[]>>;
}

export class IpsViewError extends Error {
  override name = 'IpsViewError';
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const MAX_TEXT = 500;
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, MAX_TEXT) : undefined;
const MAX_ITEMS = 500;

/** `CodeableConcept` → its text, else the first coding's display, else its code. */
function concept(v: unknown): string | undefined {
  if (!obj(v)) return undefined;
  const coding = arr(v['coding']).filter(obj);
  return (
    str(v['text']) ??
    coding.map((c) => str(c['display'])).find(Boolean) ??
    coding.map((c) => str(c['code'])).find(Boolean)
  );
}

function statusOf(v: unknown): string | undefined {
  return typeof v === 'string' ? str(v) : concept(v);
}

function humanName(v: unknown): string | undefined {
  const names = arr(v).filter(obj);
  const n = names.find((x) => x['use'] === 'official') ?? names[0];
  if (!n) return undefined;
  const given = arr(n['given'])
    .map(str)
    .filter((g): g is string => !!g);
  return str(n['text']) ?? str([...given, str(n['family']) ?? ''].join(' '));
}

function quantity(v: unknown): string | undefined {
  if (!obj(v) || typeof v['value'] !== 'number' || !Number.isFinite(v['value'])) return undefined;
  const unit = str(v['unit']) ?? str(v['code']);
  return unit && unit !== '{score}' ? `${v['value']} ${unit}` : String(v['value']);
}

function valueOf(o: Obj): string | undefined {
  if (typeof o['valueInteger'] === 'number') return String(o['valueInteger']);
  if (typeof o['valueBoolean'] === 'boolean') return String(o['valueBoolean']);
  return (
    quantity(o['valueQuantity']) ?? concept(o['valueCodeableConcept']) ?? str(o['valueString'])
  );
}

function observation(r: Obj): IpsItem | null {
  const text = concept(r['code']);
  if (!text) return null;
  const site = concept(r['bodySite']);
  const parts = [valueOf(r)];
  for (const c of arr(r['component']).filter(obj)) {
    const v = valueOf(c);
    const name = concept(c['code']);
    if (v && name) parts.push(`${name} ${v}`);
  }
  const detail = parts.filter(Boolean).join(', ');
  const date =
    str(r['effectiveDateTime']) ??
    str(obj(r['effectivePeriod']) ? (r['effectivePeriod'] as Obj)['start'] : undefined);
  return {
    text: site ? `${text} (${site})` : text,
    ...(detail ? { detail } : {}),
    ...(date ? { date } : {}),
  };
}

function item(r: Obj, byRef: Map<string, Obj>): IpsItem | null {
  const dateOf = (...keys: string[]) => keys.map((k) => str(r[k])).find(Boolean);
  const withDate = (i: IpsItem, date: string | undefined): IpsItem => (date ? { ...i, date } : i);
  switch (r['resourceType']) {
    case 'Condition': {
      const text = concept(r['code']);
      if (!text) return null;
      const detail = statusOf(r['clinicalStatus']);
      return withDate(
        { text, ...(detail ? { detail } : {}) },
        dateOf('onsetDateTime', 'recordedDate'),
      );
    }
    case 'AllergyIntolerance': {
      const text = concept(r['code']);
      if (!text) return null;
      const reactions = arr(r['reaction'])
        .filter(obj)
        .flatMap((x) => arr(x['manifestation']).map(concept))
        .filter((x): x is string => !!x);
      const detail = [statusOf(r['clinicalStatus']), str(r['criticality']), ...reactions]
        .filter(Boolean)
        .join(', ');
      return withDate({ text, ...(detail ? { detail } : {}) }, dateOf('recordedDate'));
    }
    case 'MedicationStatement':
    case 'MedicationRequest': {
      const ref = obj(r['medicationReference'])
        ? str((r['medicationReference'] as Obj)['reference'])
        : undefined;
      const med = ref ? byRef.get(ref) : undefined;
      const text =
        concept(r['medicationCodeableConcept']) ?? (med ? concept(med['code']) : undefined);
      if (!text) return null;
      const dose = arr(r['dosage'] ?? r['dosageInstruction'])
        .filter(obj)
        .map((d) => str(d['text']))
        .find(Boolean);
      const detail = [dose, str(r['status'])].filter(Boolean).join(', ');
      const period = obj(r['effectivePeriod'])
        ? str((r['effectivePeriod'] as Obj)['start'])
        : undefined;
      return withDate(
        { text, ...(detail ? { detail } : {}) },
        period ?? dateOf('effectiveDateTime', 'authoredOn', 'dateAsserted'),
      );
    }
    case 'Observation':
      return observation(r);
    case 'QuestionnaireResponse':
      return null;
    case 'CarePlan': {
      const text = str(r['title']) ?? str(r['description']);
      if (!text) return null;
      const detail = str(r['status']);
      const start = obj(r['period']) ? str((r['period'] as Obj)['start']) : undefined;
      return withDate({ text, ...(detail ? { detail } : {}) }, start);
    }
    case 'Goal': {
      const text = concept(r['description']);
      if (!text) return null;
      const detail = str(r['lifecycleStatus']);
      return withDate({ text, ...(detail ? { detail } : {}) }, dateOf('startDate'));
    }
    default: {
      const text = concept(r['code']) ?? str(r['title']) ?? str(r['description']);
      return text ? { text } : null;
    }
  }
}

const SECTION_BY_CODE: Record<string, IpsViewSection> = {
  [LOINC_CODES.sections.problems]: 'problems',
  [LOINC_CODES.sections.medications]: 'medications',
  [LOINC_CODES.sections.allergies]: 'allergies',
  [LOINC_CODES.sections.results]: 'results',
  [LOINC_CODES.sections.functionalStatus]: 'functionalStatus',
  [LOINC_CODES.sections.planOfCare]: 'planOfCare',
};

/** Reads a Bundle into a view; throws {@link IpsViewError} for what is not a document Bundle. */
export function ipsView(bundle: unknown): IpsView {
  if (!obj(bundle) || bundle['resourceType'] !== 'Bundle') {
    throw new IpsViewError('This is not a FHIR Bundle.');
  }
  const resources = arr(bundle['entry'])
    .filter(obj)
    .slice(0, 20_000)
    .map((e) => ({ fullUrl: str(e['fullUrl']), resource: e['resource'] }))
    .filter((e): e is { fullUrl: string | undefined; resource: Obj } => obj(e.resource));
  const byRef = new Map<string, Obj>();
  for (const e of resources) {
    if (e.fullUrl) byRef.set(e.fullUrl, e.resource);
    const type = str(e.resource['resourceType']);
    const id = str(e.resource['id']);
    if (type && id) byRef.set(`${type}/${id}`, e.resource);
  }
  const composition = resources.find((e) => e.resource['resourceType'] === 'Composition')?.resource;
  const patientRes = resources.find((e) => e.resource['resourceType'] === 'Patient')?.resource;
  const sections: Record<IpsViewSection, IpsItem[]> = {
    problems: [],
    medications: [],
    allergies: [],
    results: [],
    functionalStatus: [],
    planOfCare: [],
  };
  const seen = new Set<Obj>();
  const add = (key: IpsViewSection, r: Obj | undefined) => {
    if (!r || seen.has(r) || sections[key].length >= MAX_ITEMS) return;
    seen.add(r);
    const i = item(r, byRef);
    if (i) sections[key].push(i);
  };
  if (composition) {
    for (const s of arr(composition['section']).filter(obj)) {
      const code = arr(obj(s['code']) ? (s['code'] as Obj)['coding'] : [])
        .filter(obj)
        .map((c) => str(c['code']))
        .find((c) => c !== undefined && c in SECTION_BY_CODE);
      if (!code) continue;
      for (const ref of arr(s['entry']).filter(obj)) {
        const r = str(ref['reference']);
        if (r) add(SECTION_BY_CODE[code]!, byRef.get(r));
      }
    }
  }
  // A Bundle without a Composition (a plain collection): sort by resource type.
  const FALLBACK: Record<string, IpsViewSection> = {
    Condition: 'problems',
    MedicationStatement: 'medications',
    MedicationRequest: 'medications',
    AllergyIntolerance: 'allergies',
    Observation: 'results',
    CarePlan: 'planOfCare',
  };
  if (!composition) {
    for (const e of resources) {
      const key = FALLBACK[String(e.resource['resourceType'])];
      if (key) add(key, e.resource);
    }
  }
  const authorRef = composition
    ? arr(composition['author'])
        .filter(obj)
        .map(
          (a) =>
            str(a['display']) ??
            (str(a['reference']) ? byRef.get(str(a['reference'])!) : undefined),
        )
        .find(Boolean)
    : undefined;
  const author =
    typeof authorRef === 'string'
      ? authorRef
      : obj(authorRef)
        ? (str(authorRef['name']) ?? humanName(authorRef['name']))
        : undefined;
  const name = patientRes ? humanName(patientRes['name']) : undefined;
  const birthDate = patientRes ? str(patientRes['birthDate']) : undefined;
  const date = composition ? str(composition['date']) : str(bundle['timestamp']);
  return {
    patient: name ? { name, ...(birthDate ? { birthDate } : {}) } : null,
    ...(date ? { date } : {}),
    ...(author ? { author } : {}),
    sections,
  };
}
