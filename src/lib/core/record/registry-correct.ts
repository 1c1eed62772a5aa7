import type { Role } from '../sync/protocol';
import type { Compartment } from './entries';
import { DIARY, isDiary, type Diary } from './diary';
import { REDFLAG_REVIEW, isRedFlagReview, type RedFlagReview } from './review';
import { RED_FLAGS } from './clinical';

/**
 * The entry types of correction, review and the private journal (issue 12 items 8–9, issue 14
 * item 1), spread into `ENTRY_TYPES`. The shape is `EntryTypeSpec`'s (`registry.ts`), restated
 * here so this file does not import the registry that imports it.
 */
interface Rule {
  readonly write: boolean;
  readonly corrects: 'any' | 'own' | 'none';
}

interface Spec<T> {
  readonly type: string;
  readonly version: number;
  readonly compartment: Compartment;
  readonly guard: (data: unknown) => data is T;
  readonly prepare?: (input: T) => T | null;
  readonly invalid: string;
  readonly writers: Readonly<Record<Role, Rule>>;
  readonly section: 'notes' | 'safety';
  readonly timeline: { readonly title: string };
  readonly fhir?: { readonly section: 'none'; readonly resources: readonly string[] };
  readonly refersTo?: { readonly type: string; readonly target: (data: T) => string };
}

const spec = <T>(s: Spec<T>): Spec<T> => s;

const NONE: Rule = { write: false, corrects: 'none' };

export const CORRECT_TYPES = {
  /** The patient's diary, in the journal compartment (its keys go only to the patient's devices). */
  [DIARY]: spec<Diary>({
    type: DIARY,
    version: 1,
    compartment: 'journal',
    guard: isDiary,
    invalid: 'A diary entry needs text (at most 8000 characters).',
    // A delegate writes what the patient writes, when a grant gives it the journal at all.
    writers: {
      owner: { write: true, corrects: 'any' },
      delegate: { write: true, corrects: 'own' },
      professional: NONE,
      viewer: NONE,
    },
    section: 'notes',
    timeline: { title: 'entry.diary' },
    fhir: { section: 'none', resources: [] },
  }),
  /** A professional marks a warning-signs entry reviewed; only professionals write it. */
  [REDFLAG_REVIEW]: spec<RedFlagReview>({
    type: REDFLAG_REVIEW,
    version: 1,
    compartment: 'clinical',
    guard: isRedFlagReview,
    invalid: 'A review names one warning-signs entry and what was done.',
    writers: {
      owner: NONE,
      delegate: NONE,
      professional: { write: true, corrects: 'own' },
      viewer: NONE,
    },
    section: 'safety',
    timeline: { title: 'entry.review' },
    fhir: { section: 'none', resources: [] },
    refersTo: { type: RED_FLAGS, target: (d) => d.target },
  }),
} as const;
