import type { Observation, Procedure, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { EntryMapper, MapContext } from '$lib/core/fhir/context';
import { PHYSIO } from '$lib/core/fhir/fixtures/demo-record';
import type { EntryInput } from '$lib/core/fhir/input';
import { goniometryMapper, neuroScreenMapper, treatmentMapper } from '$lib/core/fhir/map-clinic';
import {
  GONIO_MOVEMENTS,
  NEURO_ITEMS,
  SLR_ITEMS,
  TREATMENT_COMPONENTS,
} from '$lib/core/record/clinic-entries';
import en from './en';

/**
 * The export labels the professional clinical entries in English of its own (core does not read
 * the catalogues); where the app's English names the same thing, the two agree.
 */

const ctx: MapContext = {
  patient: { reference: 'Patient/p' },
  author: () => ({ reference: 'PractitionerRole/r' }),
};
const entry = (type: string, data: unknown): EntryInput => ({
  id: 'e1',
  type,
  at: '2026-11-20T10:00:00.000Z',
  compartment: 'clinical',
  author: PHYSIO,
  data,
});
/** The one resource a mapper made of `e`. */
function only(mapper: EntryMapper, e: EntryInput): Resource {
  const out = mapper(e, ctx) ?? [];
  expect(out).toHaveLength(1);
  return out[0]!.resource;
}
function observation(mapper: EntryMapper, e: EntryInput): Observation {
  const r = only(mapper, e);
  if (r.resourceType !== 'Observation') throw new Error(`an Observation, not a ${r.resourceType}`);
  return r;
}
function procedure(e: EntryInput): Procedure {
  const r = only(treatmentMapper, e);
  if (r.resourceType !== 'Procedure') throw new Error(`a Procedure, not a ${r.resourceType}`);
  return r;
}
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

describe('the export’s English clinical labels and the catalogue’s', () => {
  it('a movement of a goniometer range of motion is named as the motion test names it', () => {
    const degrees = Object.fromEntries(GONIO_MOVEMENTS.map((m) => [m, 10]));
    const rom = observation(goniometryMapper, entry('goniometry', { region: 'lumbar', degrees }));
    expect(rom.component?.map((c) => c.code.text)).toEqual(
      GONIO_MOVEMENTS.map((m) => en.motion.movementName[m]),
    );
  });

  it('a neurological screen and its items are named as the professional’s form names them', () => {
    const items = Object.fromEntries(
      NEURO_ITEMS.map((i) => [
        i,
        SLR_ITEMS.includes(i) ? { result: 'abnormal', angle: 45 } : { result: 'normal' },
      ]),
    );
    const neuro = observation(neuroScreenMapper, entry('neuro-screen', { items }));
    expect(neuro.code.text).toBe(en.clinic.write.neuro);
    expect(neuro.code.text).toBe(en.clinic.timeline.neuro);
    // The hip angle's label is the form's question without its unit and "(optional)".
    const hip = 'hip angle when symptoms began';
    expect(lowerFirst(en.clinic.neuro.angle)).toBe(`${hip}, in degrees (optional)`);
    expect(neuro.component?.map((c) => c.code.text)).toEqual(
      NEURO_ITEMS.flatMap((i) => {
        const name = en.clinic.neuro.item[i];
        return SLR_ITEMS.includes(i) ? [name, `${name}: ${hip}`] : [name];
      }),
    );
  });

  it.each(TREATMENT_COMPONENTS)(
    'treatment "%s" is the form’s choice, lower-case and without its examples',
    (c) => {
      const session = procedure(entry('treatment-session', { components: [c], minutes: 30 }));
      const label = lowerFirst(en.clinic.component[c].replace(/ \([^)]*\)$/, ''));
      expect(session.code?.text).toBe(`Physiotherapy session: ${label}`);
    },
  );
});
