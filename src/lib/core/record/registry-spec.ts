import type { Role } from '../sync/protocol';
import type { Compartment } from './entries';

/** The shape of an entry-type spec and the common write rules (`registry.ts`), apart so that the
 *  files the registry spreads can use them without importing the registry that imports them. */

/** What a role may do with entries of one type. */
export interface WriteRule {
  /** May write new entries of this type. */
  readonly write: boolean;
  /**
   * Whose entries of this type the role may later correct or withdraw (the correction helper of
   * issue 12 item 8 enforces it): `any` author's (the patient), only its `own`, or `none`.
   */
  readonly corrects: 'any' | 'own' | 'none';
}

export type WriteRules = Readonly<Record<Role, WriteRule>>;

/** The section of the summary (and its print) where entries of a type are shown. */
export type SummarySection =
  | 'profile'
  | 'problems'
  | 'allergies'
  | 'pain'
  | 'function'
  | 'questionnaires'
  | 'results'
  | 'motion'
  | 'medicines'
  | 'visits'
  | 'plan'
  | 'notes'
  | 'safety'
  | 'sharing'
  | 'messages'
  | 'documents';

/**
 * What the FHIR export and import (issue 13, `core/fhir/`) do with a type: the IPS section it
 * belongs to and the FHIR resources it maps to. The mappers themselves live in the FHIR module,
 * keyed by entry type; `section: 'none'` means the type is not exported.
 */
export interface FhirHook {
  readonly section:
    | 'patient'
    | 'problems'
    | 'allergies'
    | 'medications'
    | 'results'
    | 'functional-status'
    | 'plan-of-care'
    | 'procedures'
    | 'none';
  readonly resources: readonly string[];
}

/** Timeline wording: i18n keys (checked against every catalogue by `registry.test.ts`). */
export interface TimelineWording<T> {
  /** The key of the entry's title. */
  readonly title: string;
  /** A more specific title key for this entry's data, when the type has several kinds. */
  readonly titleOf?: (data: T) => string;
}

/**
 * One entry type. `T` is the data an entry stores (what other devices send, checked by `guard`);
 * `Input` what the app hands to the writer, turned into `T` by `prepare` (identity if absent).
 */
export interface EntryTypeSpec<T, Input = T> {
  readonly type: string;
  /** Schema version of `data` (an entry's `v`). */
  readonly version: number;
  readonly compartment: Compartment;
  /**
   * Where entries of this type lived before {@link compartment} existed: they are still read there,
   * and their corrections and reviews are written beside them.
   */
  readonly formerly?: Compartment;
  /** Checks stored data from any device: outside input. */
  readonly guard: (data: unknown) => data is T;
  /** Turns the writer's input into stored data; null when it does not fit. */
  readonly prepare?: (input: Input) => T | null;
  /** The writer's error when the data does not fit (a developer's message, not shown). */
  readonly invalid: string;
  readonly writers: WriteRules;
  /**
   * A further condition on a writer's data by role, checked by the writer and where a grantee's
   * update is accepted (`validate.ts` rule 4): why `role` may not write `data`, or null.
   */
  readonly roleRule?: (data: T, role: Role) => string | null;
  readonly section: SummarySection;
  readonly timeline: TimelineWording<T>;
  readonly fhir?: FhirHook;
  /** The entry this type's data names, which must exist and be of `type` (`validate.ts`). */
  readonly refersTo?: { readonly type: string; readonly target: (data: T) => string };
}

/** Writes nothing and corrects nothing. */
export const NONE: WriteRule = { write: false, corrects: 'none' };

/** What the patient writes: the patient and a delegate acting for them. */
export const PATIENT: WriteRules = {
  owner: { write: true, corrects: 'any' },
  delegate: { write: true, corrects: 'own' },
  professional: NONE,
  viewer: NONE,
};

/** What the patient, a delegate and professionals write (notes and messages). */
export const CARE_TEAM: WriteRules = {
  ...PATIENT,
  professional: { write: true, corrects: 'own' },
};

/** Declares one spec, type checked against `EntryTypeSpec`. */
export const spec = <T, Input = T>(s: EntryTypeSpec<T, Input>): EntryTypeSpec<T, Input> => s;
