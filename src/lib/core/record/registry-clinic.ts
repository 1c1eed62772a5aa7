import { NONE, spec, type WriteRules } from './registry-spec';
import {
  GONIOMETRY,
  isGoniometry,
  isNeuroScreen,
  isTreatmentSession,
  NEURO_SCREEN,
  TREATMENT_SESSION,
  type Goniometry,
  type NeuroScreen,
  type TreatmentSession,
} from './clinic-entries';

/**
 * The professional clinical entry types (issue 12 item 6), spread into `ENTRY_TYPES`. Shapes and
 * rules come from `registry-spec.ts`, not from the registry that imports this file.
 */

/**
 * What professionals measure and do in clinic: written by professionals (each corrects its own)
 * and by the patient's own devices (owners may write anything; the patient corrects any). A
 * delegate or viewer writes none of it.
 */
const PROFESSIONALS: WriteRules = {
  owner: { write: true, corrects: 'any' },
  delegate: NONE,
  professional: { write: true, corrects: 'own' },
  viewer: NONE,
};

export const CLINIC_TYPES = {
  [GONIOMETRY]: spec<Goniometry>({
    type: GONIOMETRY,
    version: 1,
    compartment: 'clinical',
    guard: isGoniometry,
    invalid: 'Range of motion needs a region and whole degrees within plausible limits.',
    writers: PROFESSIONALS,
    section: 'motion',
    timeline: {
      title: 'clinic.timeline.goniometry',
      titleOf: (d) => `clinic.timeline.rom.${d.region}`,
    },
    fhir: { section: 'results', resources: ['Observation'] },
  }),
  [TREATMENT_SESSION]: spec<TreatmentSession>({
    type: TREATMENT_SESSION,
    version: 1,
    compartment: 'clinical',
    guard: isTreatmentSession,
    invalid: 'A treatment session needs what was done and 1 to 240 minutes.',
    writers: PROFESSIONALS,
    section: 'visits',
    timeline: { title: 'clinic.timeline.treatment' },
    fhir: { section: 'procedures', resources: ['Procedure'] },
  }),
  [NEURO_SCREEN]: spec<NeuroScreen>({
    type: NEURO_SCREEN,
    version: 1,
    compartment: 'clinical',
    guard: isNeuroScreen,
    invalid: 'A neurological screen needs at least one item, normal or abnormal.',
    writers: PROFESSIONALS,
    section: 'safety',
    timeline: { title: 'clinic.timeline.neuro' },
    fhir: { section: 'results', resources: ['Observation'] },
  }),
} as const;
