import { DEVICE_NAME, isDeviceName, newDeviceName, type DeviceName } from './devices';
// Shapes and rules from registry-spec.ts: registry.ts spreads this file's specs.
import { NONE, spec, type WriteRules } from './registry-spec';

/** Only the patient's own devices name them; a delegate or professional never does. */
const OWNER_ONLY: WriteRules = {
  owner: { write: true, corrects: 'any' },
  delegate: NONE,
  professional: NONE,
  viewer: NONE,
};

/** The entry types of the patient's device list (issue 14 item 3). */
export const DEVICES_TYPES = {
  [DEVICE_NAME]: spec<DeviceName>({
    type: DEVICE_NAME,
    version: 1,
    compartment: 'clinical',
    guard: isDeviceName,
    prepare: newDeviceName,
    invalid: 'A device name needs 1 to 60 characters and a kind (phone, tablet or computer).',
    writers: OWNER_ONLY,
    section: 'sharing',
    timeline: { title: 'linking.timeline' },
    fhir: { section: 'none', resources: [] },
  }),
} as const;
