import type { Role } from '../sync/protocol';
import type { Compartment } from './entries';
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
 * The professional clinical entry types (issue 12 item 6), spread into `ENTRY_TYPES`. The shape
 * is `EntryTypeSpec`'s (`registry.ts`), restated here so this file does not import the registry
 * that imports it (an import cycle); the registry's types check it where it is spread.
 */
interface WriteRule {
  readonly write: boolean;
  readonly corrects: 'any' | 'own' | 'none';
}
type WriteRules = Readonly<Record<Role, WriteRule>>;

interface Spec<T> {
  readonly type: string;
  readonly version: number;
  readonly compartment: Compartment;
  readonly guard: (data: unknown) => data is T;
  readonly prepare?: (input: T) => T | null;
  readonly invalid: string;
  readonly writers: WriteRules;
  readonly section: 'motion' | 'visits' | 'safety';
  readonly timeline: { readonly title: string; readonly titleOf?: (data: T) => string };
  readonly fhir?: { readonly section: 'none'; readonly resources: readonly string[] };
}

const NONE: WriteRule = { write: false, corrects: 'none' };

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

const spec = <T>(s: Spec<T>): Spec<T> => s;

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
    fhir: { section: 'none', resources: ['Observation'] },
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
    fhir: { section: 'none', resources: ['Procedure'] },
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
    fhir: { section: 'none', resources: ['Observation'] },
  }),
} as const;
