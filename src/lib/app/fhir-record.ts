import type { EntryInput, ProfileInput, RecordView } from '$lib/core/fhir/index';
import { COMPARTMENTS, type Compartment, type Entry } from '$lib/core/record/index';
import { isPatientProfile } from '$lib/core/record/profile';
import type { RecordSession } from './record-session';

/**
 * The plain view of an open record that the FHIR export reads (`core/fhir/input.ts`): the
 * entries of the chosen compartments with their authors (profession and organisation from the
 * access list), and the patient's profile. Grants are left out: a link or a file names no
 * other grantee.
 */

/** `Mette Sørensen` → given `Mette`, family `Sørensen` (the last word is the family name). */
export function profileInput(name: string, birthDate: string): ProfileInput | null {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return null;
  const family = words.length > 1 ? words[words.length - 1]! : words[0]!;
  const given = words.length > 1 ? words.slice(0, -1).slice(0, 5) : [];
  return { given, family, birthDate };
}

export function recordView(
  session: RecordSession,
  compartments: readonly Compartment[] = COMPARTMENTS,
): RecordView {
  const people = new Map(
    session
      .accessList()
      .filter((r) => r.person !== null)
      .map((r) => [r.device, r.person!] as const),
  );
  const byCompartment = new Map(
    compartments
      .filter((c) => session.compartment(c) !== undefined)
      .map((c) => [c, session.entries(c)] as const),
  );
  return recordViewOf(session.recordId, byCompartment, people);
}

/** The same from entries already read (the demo record's, in `scripts/fhir-demo.ts`). */
export function recordViewOf(
  recordId: string,
  byCompartment: ReadonlyMap<Compartment, readonly Entry[]>,
  people: ReadonlyMap<string, { profession: string; organisation: string }> = new Map(),
): RecordView {
  const entries: EntryInput[] = [];
  let profile: ProfileInput | null = null;
  for (const [c, list] of byCompartment) {
    for (const e of list) {
      if (e.type === 'profile' && profile === null && isPatientProfile(e.data)) {
        profile = profileInput(e.data.name, e.data.birthDate);
      }
      const person = people.get(e.author.deviceId);
      entries.push({
        id: e.id,
        type: e.type,
        at: e.at,
        compartment: c,
        author: {
          deviceId: e.author.deviceId,
          role: e.author.role,
          ...(e.author.name ? { name: e.author.name } : {}),
          ...(e.author.sector ? { sector: e.author.sector } : {}),
          ...(person ? { profession: person.profession, organisation: person.organisation } : {}),
        },
        data: e.data,
      });
    }
  }
  return { recordId, profile, entries, grants: [] };
}
