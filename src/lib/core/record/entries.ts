import * as Y from 'yjs';
import type { Role } from '../sync/protocol';
import type { EntryId } from '../ids';

/**
 * The record schema over Yjs (DESIGN §2). Each compartment's inner doc has:
 * - `entries`: a `Y.Map` keyed by a sortable entry id that ends with its writer's tag; each value
 *   is one whole entry (JSON). Owners edit by replacing the value and delete by writing a
 *   tombstone; compaction later drops the old content. Every value names its writer. Other
 *   writers only add entries under their own tag, never replace or delete (`validate.ts`).
 * - `meta`: a `Y.Map` the owner writes: the schema version.
 */
export const ENTRIES = 'entries';
export const META = 'meta';
export const SCHEMA_VERSION = 2;

/**
 * The parts of a record, each its own Yjs document under its own keys. `safety` holds the warning
 * signs and their reviews, so that a grant without it (a relative's, say) cannot decrypt them;
 * records made before it existed gain it at an owner device's next open (`app/safety-migration.ts`).
 */
export const COMPARTMENTS = ['clinical', 'messages', 'journal', 'safety'] as const;
export type Compartment = (typeof COMPARTMENTS)[number];

/** Where the entries of a compartment lived before it existed (registry `formerly`). */
export const COMPARTMENT_ORIGIN: Readonly<Partial<Record<Compartment, Compartment>>> = {
  safety: 'clinical',
};

export interface EntryAuthor {
  /** Hex of the writing device's Ed25519 key: must equal the envelope's author. */
  readonly deviceId: string;
  readonly role: Role;
  /** Display name of the person, kept only inside the encrypted record. */
  readonly name?: string;
  /** e.g. `primary-care`, `physiotherapy`, `hospital`, `employment`, `family`. */
  readonly sector?: string;
  /** The writer's profession, from their workspace profile (e.g. "Physiotherapist"). */
  readonly profession?: string;
  /** Where the writer works, from their workspace profile (e.g. "Fysio Nord"). */
  readonly organisation?: string;
}

/** The longest name, profession or organisation an entry's author may carry (as profiles). */
export const AUTHOR_FIELD_MAX = 120;
const AUTHOR_TEXT = ['name', 'profession', 'organisation'] as const;
const SECTOR_CODE = /^[a-z][a-z-]{0,39}$/;
const hasControl = (v: string) => [...v].some((c) => c.charCodeAt(0) < 32 || c === '\u007f');

/**
 * Why an entry's `author` display fields are not acceptable (THREAT_MODEL rule 29), or null:
 * `name`, `profession` and `organisation` are absent or one-line strings of at most
 * {@link AUTHOR_FIELD_MAX} characters; `sector` is absent or a short lowercase code.
 */
export function authorProblem(author: unknown): string | null {
  if (typeof author !== 'object' || author === null) return 'an entry needs an author';
  const a = author as Record<string, unknown>;
  for (const f of AUTHOR_TEXT) {
    const v = a[f];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length > AUTHOR_FIELD_MAX || hasControl(v)) {
      return `an author's ${f} must be one line of at most ${AUTHOR_FIELD_MAX} characters`;
    }
  }
  const sector = a['sector'];
  if (sector !== undefined && (typeof sector !== 'string' || !SECTOR_CODE.test(sector))) {
    return "an author's sector must be a short code";
  }
  return null;
}

export interface Entry<T = unknown> {
  readonly id: EntryId;
  readonly type: string;
  /** When it happened (ISO 8601). */
  readonly at: string;
  readonly author: EntryAuthor;
  readonly data: T;
  /** Schema version of `data`. */
  readonly v: number;
  readonly deleted?: true;
  /** This entry is a new version of the entry with this id, of the same type (`versions.ts`). */
  readonly supersedes?: EntryId;
  /** This version withdraws the entry it supersedes, with the writer's reason. */
  readonly withdrawn?: { readonly reason: string };
}

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Hex chars of the writer's device key at the end of an entry id: 96 bits, not grindable. */
export const ENTRY_TAG_LENGTH = 24;
const UNTAGGED_LENGTH = 19;
const TAGGED_ID = new RegExp(`^[0-9a-z]{${UNTAGGED_LENGTH}}[0-9a-f]{${ENTRY_TAG_LENGTH}}$`);
const DEVICE_HEX = /^[0-9a-f]{64}$/;

/** The tag that entry ids written by the device `deviceId` (hex of its Ed25519 key) end with. */
export function entryIdTag(deviceId: string): string {
  if (!DEVICE_HEX.test(deviceId)) throw new RangeError('A device id is 64 lowercase hex chars.');
  return deviceId.slice(0, ENTRY_TAG_LENGTH);
}

/**
 * Whether `id` is a tagged entry id written by `deviceId`. Ids written before tags existed
 * (19 chars) belong to nobody here: only owners may write under them.
 */
export function isEntryIdOf(id: string, deviceId: string): boolean {
  return TAGGED_ID.test(id) && DEVICE_HEX.test(deviceId) && id.endsWith(entryIdTag(deviceId));
}

/**
 * A sortable unique id that names its writer: 9 base-36 chars of milliseconds, 10 random ones,
 * then {@link entryIdTag} of the writing device. Only that device (or an owner) may write under
 * it, so two writers never compete for one key (THREAT_MODEL rule 2).
 */
export function newEntryId(
  deviceId: string,
  nowMs: number = Date.now(),
  random: () => number = Math.random,
): EntryId {
  const tag = entryIdTag(deviceId);
  let rand = '';
  const bytes = new Uint8Array(10);
  if (random === Math.random && typeof globalThis.crypto?.getRandomValues === 'function') {
    globalThis.crypto.getRandomValues(bytes);
  } else {
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  }
  for (const b of bytes) rand += ID_ALPHABET[b % 36];
  return `${nowMs.toString(36).padStart(9, '0')}${rand}${tag}` as EntryId;
}

export function entriesMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap<unknown>(ENTRIES);
}

export function putEntry<T>(doc: Y.Doc, entry: Entry<T>): void {
  entriesMap(doc).set(entry.id, entry);
}

/** Replaces an entry with a tombstone written by `author`. */
export function deleteEntry(doc: Y.Doc, id: EntryId, author: EntryAuthor, nowIso: string): void {
  const old = readEntry(entriesMap(doc).get(id));
  if (!old) return;
  putEntry(doc, { id, type: old.type, at: nowIso, author, data: null, v: old.v, deleted: true });
}

const ROLES: readonly Role[] = ['owner', 'delegate', 'professional', 'viewer'];

/**
 * {@link readEntry}'s verdicts by stored value. Yjs never changes a stored value in place (a new
 * version is a new value), and entries are read-only, so a value's verdict holds while it lives:
 * a record is read again on every change, and only the values that changed are checked again.
 */
const readVerdicts = new WeakMap<object, Entry | null>();

/** Reads one stored value defensively: other writers' data is outside input. */
export function readEntry(value: unknown): Entry | null {
  if (typeof value !== 'object' || value === null) return null;
  const known = readVerdicts.get(value);
  if (known !== undefined) return known;
  const verdict = checkEntry(value);
  readVerdicts.set(value, verdict);
  return verdict;
}

function checkEntry(value: object): Entry | null {
  const v = value as Record<string, unknown>;
  const author = v['author'] as Record<string, unknown> | undefined;
  if (
    typeof v['id'] !== 'string' ||
    typeof v['type'] !== 'string' ||
    typeof v['at'] !== 'string' ||
    Number.isNaN(Date.parse(v['at'] as string)) ||
    typeof v['v'] !== 'number' ||
    typeof author !== 'object' ||
    author === null ||
    typeof author['deviceId'] !== 'string' ||
    !ROLES.includes(author['role'] as Role) ||
    !isRevision(v['supersedes'], v['withdrawn'])
  ) {
    return null;
  }
  return value as Entry;
}

/** The most characters of a withdrawal's reason. */
export const MAX_REASON = 500;

const ANY_ENTRY_ID = /^[0-9a-z]{19}(?:[0-9a-f]{24})?$/;

/**
 * Whether an entry's `supersedes` and `withdrawn` fields are well formed: both absent, or an
 * entry id, or an entry id with a reason of 1 to {@link MAX_REASON} characters.
 */
export function isRevision(supersedes: unknown, withdrawn: unknown): boolean {
  if (supersedes === undefined) return withdrawn === undefined;
  if (typeof supersedes !== 'string' || !ANY_ENTRY_ID.test(supersedes)) return false;
  if (withdrawn === undefined) return true;
  if (typeof withdrawn !== 'object' || withdrawn === null) return false;
  const reason = (withdrawn as { reason?: unknown }).reason;
  return typeof reason === 'string' && reason.trim() !== '' && reason.length <= MAX_REASON;
}

/** When an entry id was written (its first 9 base-36 chars are milliseconds); null if not one. */
export function entryIdTime(id: string): Date | null {
  if (!ANY_ENTRY_ID.test(id)) return null;
  const ms = parseInt(id.slice(0, 9), 36);
  return Number.isFinite(ms) ? new Date(ms) : null;
}

/** Live entries (no tombstones), newest first. */
export function listEntries(doc: Y.Doc, type?: string): Entry[] {
  const out: Entry[] = [];
  entriesMap(doc).forEach((value) => {
    const entry = readEntry(value);
    if (entry && !entry.deleted && (type === undefined || entry.type === type)) out.push(entry);
  });
  return out.sort(newestFirst);
}

/** The record's order: newest `at` first, then the greater id. */
export function newestFirst(a: Entry, b: Entry): number {
  return a.at < b.at ? 1 : a.at > b.at ? -1 : a.id < b.id ? 1 : -1;
}

export function schemaVersion(doc: Y.Doc): number {
  const v = doc.getMap<unknown>(META).get('schema');
  return typeof v === 'number' ? v : 0;
}
