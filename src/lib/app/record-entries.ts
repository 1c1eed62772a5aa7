import {
  authorProblem,
  entriesMap,
  entryType,
  MAX_REASON,
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
import { mayCorrect, type RecordVersions } from '$lib/core/record/versions';
import { cachedVersionsOf } from './record-reads';
import { SharingError, type OpenCompartment } from './session-types';

/** What writing and reading entries needs of the session. */
export interface EntryContext {
  /** Only the inner documents are used: a demo or a test may pass plain `Y.Doc`s. */
  readonly compartments: ReadonlyMap<string, Pick<OpenCompartment, 'inner'>>;
  readonly role: Role | undefined;
  readonly deviceId: string;
  /**
   * Whether the record has compartment `name` at all (its manifest lists it), whether or not
   * this device holds it. Default: whether `compartments` holds it.
   */
  readonly recordHas?: (name: Compartment) => boolean;
  readonly authorInfo?:
    Pick<EntryAuthor, 'name' | 'sector' | 'profession' | 'organisation'> | undefined;
}

/**
 * Where an entry of `type` is written. One about another entry (a correction, a withdrawal, a
 * review) goes beside that entry, since every client checks it against the entry it names in the
 * same document. A new one goes into its type's compartment; in a record made before that
 * compartment existed (`formerly`), where the type lived then. Undefined when this device does
 * not hold it (a relative's grant without the warning signs, say).
 */
export function compartmentFor(
  ctx: Pick<EntryContext, 'compartments' | 'recordHas'>,
  type: string,
  about?: string,
): { name: Compartment; inner: OpenCompartment['inner'] } | undefined {
  const spec = entryType(type);
  if (!spec) return undefined;
  const names = spec.formerly ? [spec.compartment, spec.formerly] : [spec.compartment];
  if (about !== undefined) {
    for (const name of names) {
      const c = ctx.compartments.get(name);
      if (c && entriesMap(c.inner).has(about)) return { name, inner: c.inner };
    }
  }
  const home = ctx.compartments.get(spec.compartment);
  if (home) return { name: spec.compartment, inner: home.inner };
  const has = ctx.recordHas ?? ((name: Compartment) => ctx.compartments.has(name));
  if (spec.formerly && !has(spec.compartment)) {
    const old = ctx.compartments.get(spec.formerly);
    if (old) return { name: spec.formerly, inner: old.inner };
  }
  return undefined;
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
  revision?: Revision,
): Entry<EntryStoredMap[K]> {
  const spec = entryType(type);
  const role = ctx.role;
  if (role === 'viewer') throw new SharingError('A viewer reads only.');
  if (role !== undefined && !spec.writers[role].write) {
    throw new SharingError(`A ${role} may not write entries of type ${type}.`);
  }
  const stored = spec.prepare ? spec.prepare(data) : data;
  if (stored === null || !spec.guard(stored)) throw new RangeError(spec.invalid);
  const c = compartmentFor(ctx, type, revision?.target.id ?? spec.refersTo?.target(stored));
  if (!c || role === undefined) {
    throw new SharingError(`This device cannot write to ${spec.compartment}.`);
  }
  const refused = spec.roleRule?.(stored, role);
  if (refused) throw new SharingError(refused);
  const author = { deviceId: ctx.deviceId, role, ...authorFields(ctx.authorInfo) };
  const badAuthor = authorProblem(author);
  if (badAuthor) throw new RangeError(badAuthor);
  if (revision) {
    const target = revision.target;
    if (target.type !== type) throw new RangeError('A correction keeps its entry’s type.');
    if (!mayCorrect(author, target)) {
      throw new SharingError(`A ${role} may not correct or withdraw this entry.`);
    }
    const reason = revision.withdraw?.trim();
    if (revision.withdraw !== undefined && (!reason || reason.length > MAX_REASON)) {
      throw new RangeError(`A withdrawal needs a reason (at most ${MAX_REASON} characters).`);
    }
  }
  const entry: Entry<EntryStoredMap[K]> = {
    // A new version is written now; it keeps the time the entry is about.
    id: newEntryId(ctx.deviceId, revision ? Date.now() : at.getTime()),
    type,
    at: at.toISOString(),
    author,
    data: stored,
    v: spec.version,
    ...(revision ? { supersedes: revision.target.id } : {}),
    ...(revision?.withdraw !== undefined
      ? { withdrawn: { reason: revision.withdraw.trim() } }
      : {}),
  };
  putEntry(c.inner, entry);
  return entry;
}

/** A new version of `target` (a correction), or its withdrawal with a reason. */
export interface Revision {
  readonly target: Entry;
  readonly withdraw?: string;
}

/**
 * Corrects `target`: a new version of the same type with `data`, at the same time as the entry
 * it replaces. The write rule (`corrects`) is checked here and by every client (`validate.ts`).
 */
export function correctEntry<K extends EntryType>(
  ctx: EntryContext,
  target: Entry,
  type: K,
  data: EntryDataMap[K],
): Entry<EntryStoredMap[K]> {
  return writeEntry(ctx, type, data, new Date(target.at), { target });
}

/** Withdraws `target` with a reason: a last version that carries the withdrawn data. */
export function withdrawEntry(ctx: EntryContext, target: Entry, reason: string): Entry {
  const spec = entryType(target.type);
  if (!spec || !spec.guard(target.data)) throw new RangeError('This entry cannot be withdrawn.');
  const c = compartmentFor(ctx, target.type, target.id);
  const role = ctx.role;
  if (!c || role === undefined || role === 'viewer') {
    throw new SharingError(`This device cannot write to ${spec.compartment}.`);
  }
  const author = { deviceId: ctx.deviceId, role, ...(ctx.authorInfo ?? {}) };
  if (!mayCorrect(author, target)) {
    throw new SharingError(`A ${role} may not correct or withdraw this entry.`);
  }
  const text = reason.trim();
  if (!text || text.length > MAX_REASON) {
    throw new RangeError(`A withdrawal needs a reason (at most ${MAX_REASON} characters).`);
  }
  const entry: Entry = {
    id: newEntryId(ctx.deviceId),
    type: target.type,
    at: target.at,
    author,
    data: target.data,
    v: target.v,
    supersedes: target.id,
    withdrawn: { reason: text },
  };
  putEntry(c.inner, entry);
  return entry;
}

/**
 * The current entries of a compartment, newest first: only registered types that belong there
 * and whose data passes their guard, and of corrected entries only the current version (withdrawn
 * ones not at all: `versions.ts`). A malformed entry from another device is skipped, not shown.
 */
export function readEntries(
  compartments: ReadonlyMap<string, Pick<OpenCompartment, 'inner'>>,
  name: Compartment,
  type?: string,
): Entry[] {
  const current = readVersions(compartments, name).current;
  return type === undefined ? current : current.filter((e) => e.type === type);
}

/** Every version of a compartment's valid entries, with the fold's verdicts (the timeline). */
export function readVersions(
  compartments: ReadonlyMap<string, Pick<OpenCompartment, 'inner'>>,
  name: Compartment,
): RecordVersions {
  return readVersionsOf(compartments, [name]);
}

/**
 * The compartments the record's pages show as one (summary, timeline, charts): the clinical
 * entries and the warning signs, which live apart so that a grant can leave them out.
 */
export const RECORD_VIEW: readonly Compartment[] = ['clinical', 'safety'];

/**
 * Every version of the valid entries of several compartments, folded as one record (a correction
 * and its entry always share a compartment, `compartmentFor`). An entry found in two (moved while
 * this device read) counts once, from the first of `names`.
 */
export function readVersionsOf(
  compartments: ReadonlyMap<string, Pick<OpenCompartment, 'inner'>>,
  names: readonly Compartment[],
): RecordVersions {
  return cachedVersionsOf(compartments, names);
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
