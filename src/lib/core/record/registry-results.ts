import { isImportedResult, RESULT, type ImportedResult } from './results';
// Shapes and rules from registry-spec.ts: registry.ts spreads this file's specs.
import { PATIENT, spec } from './registry-spec';

/** Results from other systems, added by importing an IPS or FHIR Bundle (issue 13 item 3). */
export const RESULT_TYPES = {
  [RESULT]: spec<ImportedResult>({
    type: RESULT,
    version: 1,
    compartment: 'clinical',
    guard: isImportedResult,
    invalid: 'A result needs a code, a name, a value and where it came from.',
    // Only the patient's side imports; a professional writes their own clinical entries.
    writers: PATIENT,
    section: 'results',
    timeline: { title: 'timeline.result' },
    fhir: { section: 'results', resources: ['Observation'] },
  }),
} as const;
