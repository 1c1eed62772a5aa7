import type {
  Patient,
  PractitionerRole,
  Reference,
  RelatedPerson,
  Resource,
} from '@medplum/fhirtypes';
import type { AuthorInput, EntryInput } from './input';

/** What a mapper gets: references to the patient and to an entry's author, and stable ids. */
export type AuthorRef = Reference<Patient | PractitionerRole | RelatedPerson>;

export interface MapContext {
  readonly patient: Reference<Patient>;
  /** The reference that names `author` (Patient, PractitionerRole or RelatedPerson). */
  author(author: AuthorInput): AuthorRef;
}

/** The IPS sections a resource can go in. */
export type SectionKey =
  | 'problems'
  | 'allergies'
  | 'medications'
  | 'results'
  | 'functionalStatus'
  | 'planOfCare'
  | 'socialHistory'
  | 'procedures';

export interface Mapped {
  readonly resource: Resource;
  /** The section that lists it; none for resources only referenced from others. */
  readonly section?: SectionKey;
  /** One line of the section's narrative. */
  readonly line?: string;
  /** A line for the Functional status narrative (disability scores). */
  readonly functional?: string;
  /** Only the narrative line goes in the section, not the resource (types IPS does not list there). */
  readonly unlisted?: true;
}

/**
 * Maps one entry of a given type to FHIR resources, or null when its data does not pass the
 * entry type's guard (the entry is left out, never half-mapped).
 */
export type EntryMapper = (entry: EntryInput, ctx: MapContext) => readonly Mapped[] | null;

/** A FHIR id (`[A-Za-z0-9\-.]{1,64}`) for the resource made from `entryId` with `suffix`. */
export function resourceId(prefix: string, entryId: string, suffix?: string): string {
  const safe = entryId.replace(/[^A-Za-z0-9\-.]/g, '-');
  return [prefix, safe, suffix]
    .filter((p) => p !== undefined)
    .join('-')
    .slice(0, 64);
}

export function ref<T extends Resource>(resource: T): Reference<T> {
  return { reference: `${resource.resourceType}/${resource.id}` };
}

/** The calendar day of an ISO timestamp. */
export const day = (iso: string): string => iso.slice(0, 10);

/** Escapes text for XHTML narrative. */
export function xhtmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
