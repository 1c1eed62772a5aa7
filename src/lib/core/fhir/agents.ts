import type {
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
  Provenance,
  Reference,
  RelatedPerson,
  Resource,
} from '@medplum/fhirtypes';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { SYSTEM } from './codes';
import type { AuthorRef } from './context';
import type { AuthorInput } from './input';

/**
 * The people behind entries, as FHIR resources: the patient is the Patient; a professional is a
 * Practitioner in a PractitionerRole (profession) at an Organization whose `type` is the sector;
 * a relative is a RelatedPerson. R4 has no "sector" element, so it travels as the
 * Organization's type and as the Provenance agent's role.
 */
export class Agents {
  private readonly byDevice = new Map<string, AuthorRef>();
  private readonly made = new Map<string, Resource>();

  constructor(private readonly patient: Reference<Patient>) {}

  /** The reference naming `author`, creating its resources on first use. */
  who(author: AuthorInput): AuthorRef {
    if (author.role === 'owner') return this.patient;
    const known = this.byDevice.get(author.deviceId);
    if (known) return known;
    const tag = author.deviceId.replace(/[^0-9a-f]/g, '').slice(0, 24) || 'unknown';
    let reference: AuthorRef;
    if (author.role === 'professional') {
      const practitioner: Practitioner = {
        resourceType: 'Practitioner',
        id: `pr-${tag}`,
        name: [{ text: author.name ?? 'Professional' }],
      };
      const role: PractitionerRole = {
        resourceType: 'PractitionerRole',
        id: `role-${tag}`,
        practitioner: { reference: `Practitioner/${practitioner.id}`, display: author.name },
        ...(author.profession ? { code: [{ text: author.profession }] } : {}),
      };
      const org = this.organisation(author);
      if (org) role.organization = { reference: `Organization/${org.id}`, display: org.name };
      this.add(practitioner);
      this.add(role);
      reference = {
        reference: `PractitionerRole/${role.id}`,
        display: [author.name, author.profession, author.organisation].filter(Boolean).join(', '),
      };
    } else {
      const person: RelatedPerson = {
        resourceType: 'RelatedPerson',
        id: `rp-${tag}`,
        patient: this.patient,
        name: [{ text: author.name ?? 'Relative' }],
        ...(author.profession ? { relationship: [{ text: author.profession }] } : {}),
      };
      this.add(person);
      reference = { reference: `RelatedPerson/${person.id}`, display: author.name };
    }
    this.byDevice.set(author.deviceId, reference);
    return reference;
  }

  private organisation(author: AuthorInput): Organization | null {
    if (!author.organisation) return null;
    const key = `${author.organisation}\u0000${author.sector ?? ''}`;
    const id = `org-${bytesToHex(sha256(new TextEncoder().encode(key))).slice(0, 24)}`;
    const org: Organization = {
      resourceType: 'Organization',
      id,
      name: author.organisation,
      ...(author.sector
        ? { type: [{ coding: [{ system: SYSTEM.sector, code: author.sector }] }] }
        : {}),
    };
    this.add(org);
    return org;
  }

  private add(r: Resource): void {
    this.made.set(`${r.resourceType}/${r.id}`, r);
  }

  /** Every Practitioner, PractitionerRole, Organization and RelatedPerson made so far. */
  resources(): Resource[] {
    return [...this.made.values()];
  }
}

/** A Provenance for `targets`: who recorded them, in what role and sector, when. */
export function provenance(
  id: string,
  targets: readonly Reference[],
  recorded: string,
  author: AuthorInput,
  who: AuthorRef,
  patient: Reference<Patient>,
  importedFrom?: { readonly from: string; readonly date: string },
): Provenance {
  const role =
    author.sector || author.profession
      ? [
          {
            ...(author.sector ? { coding: [{ system: SYSTEM.sector, code: author.sector }] } : {}),
            ...(author.profession ? { text: author.profession } : {}),
          },
        ]
      : undefined;
  return {
    resourceType: 'Provenance',
    id,
    target: targets.map((t) => ({ reference: t.reference })),
    recorded: new Date(recorded).toISOString(),
    agent: [
      // Imported from another system: that source is the author, and this record's writer only
      // entered it (issue 13: the provenance of every fact survives a second export).
      ...(importedFrom
        ? [
            {
              type: {
                coding: [
                  { system: SYSTEM.provenanceParticipant, code: 'author', display: 'Author' },
                ],
              },
              who: { display: importedFrom.from },
            },
          ]
        : []),
      {
        type: {
          coding: [
            importedFrom
              ? { system: SYSTEM.provenanceParticipant, code: 'enterer', display: 'Enterer' }
              : { system: SYSTEM.provenanceParticipant, code: 'author', display: 'Author' },
          ],
        },
        ...(role ? { role } : {}),
        who,
        ...(author.role === 'delegate' ? { onBehalfOf: patient } : {}),
      },
    ],
  };
}
