import { importSourceOf } from '../record/provenance';
import type {
  Bundle,
  BundleEntry,
  Composition,
  CompositionSection,
  Consent,
  Patient,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { Agents, provenance } from './agents';
import { FULL_URL_BASE, LOINC_CODES, SYSTEM } from './codes';
import { ref, resourceId, xhtmlEscape, type Mapped, type SectionKey } from './context';
import {
  ALLERGY,
  isNoKnownAllergyInput,
  type AuthorInput,
  type EntryInput,
  type GrantInput,
  type RecordView,
} from './input';
import { isAllergy } from '../record/problems';
import { mapperFor } from './mappers';

export interface ExportScope {
  /** The compartments the grant covers: entries elsewhere are left out. */
  readonly compartments: readonly string[];
  /** The grantee's device: only its own Consent is exported (no other grantee is named). */
  readonly grantDevice?: string;
}

export interface ExportOptions {
  /** ISO 8601 time of the export (default: now). */
  readonly now?: string;
  /** Export only what a grant covers. */
  readonly scope?: ExportScope;
}

const SECTIONS: ReadonlyArray<{ key: SectionKey; code: string; title: string; display: string }> = [
  {
    key: 'problems',
    code: LOINC_CODES.sections.problems,
    title: 'Problems',
    display: 'Problem list - Reported',
  },
  {
    key: 'allergies',
    code: LOINC_CODES.sections.allergies,
    title: 'Allergies and intolerances',
    display: 'Allergies and adverse reactions Document',
  },
  {
    key: 'medications',
    code: LOINC_CODES.sections.medications,
    title: 'Medication summary',
    display: 'History of Medication use Narrative',
  },
  {
    key: 'results',
    code: LOINC_CODES.sections.results,
    title: 'Results',
    display: 'Relevant diagnostic tests/laboratory data Narrative',
  },
  {
    key: 'functionalStatus',
    code: LOINC_CODES.sections.functionalStatus,
    title: 'Functional status',
    display: 'Functional status assessment note',
  },
  {
    key: 'planOfCare',
    code: LOINC_CODES.sections.planOfCare,
    title: 'Plan of care',
    display: 'Plan of care note',
  },
  {
    key: 'socialHistory',
    code: LOINC_CODES.sections.socialHistory,
    title: 'Social history',
    display: 'Social history Narrative',
  },
  {
    key: 'procedures',
    code: LOINC_CODES.sections.procedures,
    title: 'History of procedures',
    display: 'History of Procedures Document',
  },
];

const saysNoneKnown = (e: EntryInput) =>
  e.type === ALLERGY &&
  (isNoKnownAllergyInput(e.data) || (isAllergy(e.data) && e.data.kind === 'none'));

/**
 * The allergy list as the record reads it (`ProblemsPanel`): when the newest allergy entry says
 * none is known, that alone; otherwise the allergies, without any older "no known allergies".
 * So the export never says both.
 */
function currentAllergyList(sorted: readonly EntryInput[]): EntryInput[] {
  const newest = sorted.filter((e) => e.type === ALLERGY).at(-1);
  if (!newest) return [...sorted];
  return sorted.filter(
    (e) => e.type !== ALLERGY || (saysNoneKnown(newest) ? e === newest : !saysNoneKnown(e)),
  );
}

/** Sections IPS requires even when empty (with an empty reason), and those always written. */
const ALWAYS: readonly SectionKey[] = [
  'problems',
  'allergies',
  'medications',
  'results',
  'functionalStatus',
  'planOfCare',
];

const hex = (s: string) => bytesToHex(sha256(new TextEncoder().encode(s)));

/** A version-4-shaped UUID derived from `seed` (stable for the same record and time). */
function uuidFrom(seed: string): string {
  const h = hex(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const narrative = (lines: readonly string[]) => ({
  status: 'generated' as const,
  div:
    lines.length === 0
      ? '<div xmlns="http://www.w3.org/1999/xhtml"><p>No information</p></div>'
      : `<div xmlns="http://www.w3.org/1999/xhtml"><ul>${lines.map((l) => `<li>${xhtmlEscape(l)}</li>`).join('')}</ul></div>`,
});

const OWNER: AuthorInput = { deviceId: 'owner', role: 'owner' };

/**
 * The record, or the part a grant covers, as a FHIR R4 document Bundle shaped as an
 * International Patient Summary: Composition (60591-5) first, then the Patient, the resources
 * each mapped entry makes, the people behind them, a Consent per grant, and a Provenance for
 * every resource (who, role, sector, organisation). Entries whose data fails its type's guard,
 * and types with no mapper, are left out.
 */
export function exportBundle(record: RecordView, opts: ExportOptions = {}): Bundle {
  const now = new Date(opts.now ?? Date.now()).toISOString();
  const scope = opts.scope;
  const patient: Patient = {
    resourceType: 'Patient',
    id: `patient-${hex(record.recordId).slice(0, 24)}`,
    name: record.profile
      ? [
          {
            given: [...record.profile.given],
            family: record.profile.family,
            text: [...record.profile.given, record.profile.family].join(' '),
          },
        ]
      : [{ text: 'Unknown' }],
    ...(record.profile?.birthDate ? { birthDate: record.profile.birthDate } : {}),
    ...(record.profile?.gender ? { gender: record.profile.gender } : {}),
  };
  const patientRef = ref(patient);
  const agents = new Agents(patientRef);
  const ctx = { patient: patientRef, author: (a: AuthorInput) => agents.who(a) };

  const resources: Resource[] = [];
  const provenances: Resource[] = [];
  const lines = new Map<SectionKey, string[]>();
  const listed = new Map<SectionKey, Reference[]>();
  const functional: string[] = [];
  const seen = new Set<string>();
  const entries = currentAllergyList(
    [...record.entries].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1)),
  );
  for (const entry of entries) {
    if (scope && !scope.compartments.includes(entry.compartment)) continue;
    if (seen.has(entry.id)) continue;
    const mapper = mapperFor(entry.type);
    if (!mapper) continue;
    let mapped: readonly Mapped[] | null;
    try {
      mapped = mapper(entry, ctx);
    } catch {
      mapped = null; // data that passes the guard but not the scoring: left out, never half-mapped
    }
    if (!mapped || mapped.length === 0) continue;
    seen.add(entry.id);
    const targets: Reference[] = [];
    for (const m of mapped) {
      const key = `${m.resource.resourceType}/${m.resource.id}`;
      if (!targets.some((t) => t.reference === key)) {
        resources.push(m.resource);
        targets.push(ref(m.resource));
      }
      if (m.section) {
        if (m.line) lines.set(m.section, [...(lines.get(m.section) ?? []), m.line]);
        if (!m.unlisted) listed.set(m.section, [...(listed.get(m.section) ?? []), ref(m.resource)]);
      }
      if (m.functional) functional.push(m.functional);
    }
    provenances.push(
      provenance(
        resourceId('prov', entry.id),
        targets,
        entry.at,
        entry.author,
        agents.who(entry.author),
        patientRef,
        importSourceOf(entry.data),
      ),
    );
  }

  const grants = record.grants.filter((g) => (scope ? g.device === scope.grantDevice : true));
  const consents = grants.map((g) => consent(g, patientRef, agents));

  const withheld = scope !== undefined;
  const sections: CompositionSection[] = [];
  for (const s of SECTIONS) {
    const entriesOf = listed.get(s.key) ?? [];
    const text = s.key === 'functionalStatus' ? functional : (lines.get(s.key) ?? []);
    if (!ALWAYS.includes(s.key) && entriesOf.length === 0 && text.length === 0) continue;
    const section: CompositionSection = {
      title: s.title,
      code: { coding: [{ system: SYSTEM.loinc, code: s.code, display: s.display }] },
      text: narrative(text),
      ...(s.key === 'functionalStatus' ? {} : entriesOf.length ? { entry: entriesOf } : {}),
    };
    if (!section.entry && text.length === 0) {
      section.emptyReason = {
        coding: [
          {
            system: SYSTEM.listEmptyReason,
            code: withheld ? 'withheld' : 'unavailable',
            display: withheld ? 'Information Withheld' : 'Unavailable',
          },
        ],
      };
    }
    sections.push(section);
  }

  const seed = `${record.recordId}|${now}|${scope ? scope.compartments.join(',') : '*'}`;
  const composition: Composition = {
    resourceType: 'Composition',
    id: `ips-${hex(seed).slice(0, 24)}`,
    status: 'final',
    type: {
      coding: [
        {
          system: SYSTEM.loinc,
          code: LOINC_CODES.patientSummary,
          display: 'Patient summary Document',
        },
      ],
    },
    subject: patientRef,
    date: now,
    author: [patientRef],
    title: 'Patient summary',
    section: sections,
  };
  provenances.push(
    provenance(
      `prov-${composition.id}`,
      [ref(composition), patientRef, ...consents.map(ref)],
      now,
      OWNER,
      patientRef,
      patientRef,
    ),
  );

  const all: Resource[] = [
    composition,
    patient,
    ...resources,
    ...agents.resources(),
    ...consents,
    ...provenances,
  ];
  const entry: BundleEntry[] = all.map((r) => ({
    fullUrl: `${FULL_URL_BASE}${r.resourceType}/${r.id}`,
    resource: r,
  }));
  return {
    resourceType: 'Bundle',
    id: `bundle-${hex(seed).slice(24, 48)}`,
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${uuidFrom(seed)}` },
    type: 'document',
    timestamp: now,
    entry,
  };
}

function consent(grant: GrantInput, patient: Reference<Patient>, agents: Agents): Consent {
  const who = agents.who({
    deviceId: grant.device,
    role: grant.person.kind === 'professional' ? 'professional' : grant.role,
    name: grant.person.name,
    profession: grant.person.profession,
    organisation: grant.person.organisation,
    sector: grant.person.sector,
  });
  return {
    resourceType: 'Consent',
    id: `consent-${grant.device.replace(/[^0-9a-f]/g, '').slice(0, 24) || 'grant'}`,
    status: grant.active ? 'active' : 'inactive',
    scope: { coding: [{ system: SYSTEM.consentScope, code: 'patient-privacy' }] },
    category: [{ coding: [{ system: SYSTEM.loinc, code: LOINC_CODES.consent }] }],
    patient,
    dateTime: new Date(grant.since).toISOString(),
    policyRule: { coding: [{ system: SYSTEM.actCode, code: 'OPTIN' }] },
    provision: {
      type: 'permit',
      period: {
        start: new Date(grant.since).toISOString(),
        ...(grant.notAfter ? { end: new Date(grant.notAfter).toISOString() } : {}),
      },
      actor: [
        {
          role: { coding: [{ system: SYSTEM.participationType, code: 'IRCP' }] },
          reference: who,
        },
      ],
      action: [{ coding: [{ system: SYSTEM.consentAction, code: 'access' }] }],
      class: grant.compartments.map((c) => ({ system: SYSTEM.compartment, code: c })),
    },
  };
}
