import { NONE, spec } from './registry-spec';
import { DIARY, isDiary, type Diary } from './diary';
import { REDFLAG_REVIEW, isRedFlagReview, type RedFlagReview } from './review';
import { RED_FLAGS } from './clinical';

/**
 * The entry types of correction, review and the private journal (issue 12 items 8–9, issue 14
 * item 1), spread into `ENTRY_TYPES`. Shapes and rules come from `registry-spec.ts`, not
 * from the registry that imports this file.
 */

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
    compartment: 'safety',
    formerly: 'clinical',
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
