import {
  authorProblem,
  entryType,
  isValidEntry,
  listEntries,
  newEntryId,
  putEntry,
  type Compartment,
  type Entry,
  type EntryAuthor,
  type EntryDataMap,
  type EntryStoredMap,
  type EntryType,
} from '$lib/core/record/index';
import type { Role } from '$lib/core/sync/index';
import { SharingError, type OpenCompartment } from './session-types';

/** What writing and reading entries needs of the session. */
export interface EntryContext {
  /** Only the inner documents are used: a demo or a test may pass plain `Y.Doc`s. */
  readonly compartments: ReadonlyMap<string, Pick<OpenCompartment, 'inner'>>;
  readonly role: Role | undefined;
  readonly deviceId: string;
  readonly authorInfo?:
    Pick<EntryAuthor, 'name' | 'sector' | 'profession' | 'organisation'> | undefined;
}

/**
 * Writes one entry of a registered type into its compartment, after the type's guard and the
 * write rule of this device's role (the same rule every other client checks on accepting it:
 * `validate.ts`). Throws `RangeError` for data that does not fit and `SharingError` for a role
 * or compartment this device does not hold; nothing is written then.
 */
export function writeEntry<K extends EntryType>(
  ctx: EntryContext,
  type: K,
  data: EntryDataMap[K],
  at: Date = new Date(),
): Entry<EntryStoredMap[K]> {
  const spec = entryType(type);
  const c = ctx.compartments.get(spec.compartment);
  const role = ctx.role;
  if (!c || role === undefined) {
    throw new SharingError(`This device cannot write to ${spec.compartment}.`);
  }
  if (role === 'viewer') throw new SharingError('A viewer reads only.');
  if (!spec.writers[role].write) {
    throw new SharingError(`A ${role} may not write entries of type ${type}.`);
  }
  const stored = spec.prepare ? spec.prepare(data) : data;
  if (stored === null || !spec.guard(stored)) throw new RangeError(spec.invalid);
  const refused = spec.roleRule?.(stored, role);
  if (refused) throw new SharingError(refused);
  const author = { deviceId: ctx.deviceId, role, ...authorFields(ctx.authorInfo) };
  const badAuthor = authorProblem(author);
  if (badAuthor) throw new RangeError(badAuthor);
  const entry: Entry<EntryStoredMap[K]> = {
    id: newEntryId(ctx.deviceId, at.getTime()),
    type,
    at: at.toISOString(),
    author,
    data: stored,
    v: spec.version,
  };
  putEntry(c.inner, entry);
  return entry;
}

/**
 * The live entries of a compartment, newest first: only registered types that belong there and
 * whose data passes their guard. A malformed entry from another device is skipped, not shown.
 */
export function readEntries(
  compartments: ReadonlyMap<string, Pick<OpenCompartment, 'inner'>>,
  name: Compartment,
  type?: string,
): Entry[] {
  const c = compartments.get(name);
  return c ? listEntries(c.inner, type).filter((e) => isValidEntry(e, name)) : [];
}

/** The profile's display fields an entry carries: the non-empty ones (all bounded, rule 29). */
function authorFields(info: EntryContext['authorInfo']): Partial<EntryAuthor> {
  const out: { -readonly [K in keyof EntryAuthor]?: EntryAuthor[K] } = {};
  for (const k of ['name', 'sector', 'profession', 'organisation'] as const) {
    const v = info?.[k]?.trim();
    if (v) out[k] = v;
  }
  return out;
}
