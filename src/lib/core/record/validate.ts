import * as Y from 'yjs';
import type { Role } from '../sync/protocol';
import { MISSING_STATE } from '../sync/binding';
import {
  ENTRIES,
  META,
  authorProblem,
  entriesMap,
  isEntryIdOf,
  isRevision,
  readEntry,
} from './entries';
import { entryType } from './registry';

/**
 * The record's write rules, checked on every decrypted update before it is applied (DESIGN §3:
 * "nobody can write in someone else's name"; THREAT_MODEL rule 2):
 *
 * 1. Inserted values go only into the `entries` map, or into `meta` when the writer is an owner.
 * 2. Each inserted entry is one JSON value whose `id` is its key and whose `author.deviceId` is the
 *    envelope's author.
 * 3. A writer who is not an owner only adds fresh entries of its own: every item sits directly in
 *    `entries` (no origin, no right origin) under a key tagged with the writer's own device key
 *    ({@link isEntryIdOf}), one item per key, and the update deletes nothing. Yjs drops a map
 *    value when a newer item for its key integrates, outside any delete set, so checking the delete
 *    set alone would let a grantee replace the patient's entry with a "concurrent" item. A key
 *    tagged with the writer's own key is one no one else writes (owners aside), so the verdict does
 *    not depend on what this device has received so far: replicas agree whatever the order. Nor
 *    may it reuse a Yjs client id of another writer's items (Yjs would drop theirs as known).
 * 4. A writer who is not an owner writes only the entry types its role may write, as the entry-type
 *    registry declares them (a delegate what the patient writes, a professional notes and
 *    messages, a viewer nothing; unknown types only owners), names its own role, and sends data
 *    that passes the type's guard and its role rule (a professional's questionnaire says it was
 *    entered with the patient), with bounded author fields ({@link entryProblem}).
 * 5. Owners are trusted: they may write, replace and delete anything in the record, except
 *    that they write no entry of a type the registry gives them no write for (a review).
 * 6. A grantee's correction or withdrawal (`supersedes`, `withdrawn`: `versions.ts`) is well
 *    formed, allowed by its type's `corrects` rule for the writer's role (`own`: the entry it
 *    replaces carries the writer's tag), and names an entry of the same type; an entry whose data
 *    names another (`refersTo`, e.g. a warning-sign review) names one of the declared type. When
 *    the named entry is not here yet the update waits ({@link MISSING_STATE}), so the verdict is
 *    the same on every device ({@link revisionProblem}).
 *
 * For owner updates a Yjs item names its parent only when it has no neighbours; otherwise the
 * parent is that of its origin, which is found in the same update or in the current inner doc,
 * as Yjs itself does when it integrates the item.
 */

type Located = { root: string; key: string | null; value: unknown } | 'nested' | 'unknown';

type DecodedItem = Y.Item;

function contentValue(content: unknown): unknown {
  if (content instanceof Y.ContentAny)
    return content.getContent().length === 1 ? content.getContent()[0] : content.getContent();
  return undefined;
}

export function validateRecordUpdate(
  update: Uint8Array,
  inner: Y.Doc,
  author: { hex: string; role: Role },
): string | null {
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return 'not a Yjs update';
  }
  if (author.role !== 'owner') return validateGranteeUpdate(decoded, inner, author);
  const local = new Map<number, DecodedItem[]>();
  for (const s of decoded.structs) {
    if (!(s instanceof Y.Item)) continue;
    const list = local.get(s.id.client) ?? [];
    list.push(s);
    local.set(s.id.client, list);
  }

  const findLocal = (id: Y.ID): DecodedItem | null => {
    for (const s of local.get(id.client) ?? []) {
      if (id.clock >= s.id.clock && id.clock < s.id.clock + s.length) return s;
    }
    return null;
  };

  const findStored = (id: Y.ID): Y.Item | null => {
    const structs = inner.store.clients.get(id.client);
    if (!structs || structs.length === 0) return null;
    const last = structs[structs.length - 1]!;
    if (id.clock >= last.id.clock + last.length) return null;
    try {
      const s = Y.getItem(inner.store, id);
      return s instanceof Y.Item ? s : null;
    } catch {
      return null;
    }
  };

  const locateStored = (item: Y.Item): Located => {
    const parent = item.parent;
    if (!(parent instanceof Y.AbstractType)) return 'unknown';
    if (parent._item !== null) return 'nested';
    return {
      root: Y.findRootTypeKey(parent),
      key: item.parentSub,
      value: contentValue(item.content),
    };
  };

  const locate = (item: DecodedItem, depth = 0): Located => {
    if (depth > 10_000) return 'unknown';
    const parent = item.parent as unknown;
    if (typeof parent === 'string') {
      return { root: parent, key: item.parentSub, value: contentValue(item.content) };
    }
    if (parent instanceof Y.ID) return 'nested';
    const anchor = item.origin ?? item.rightOrigin;
    if (!anchor) return 'unknown';
    const fromUpdate = findLocal(anchor);
    const where = fromUpdate
      ? locate(fromUpdate, depth + 1)
      : ((s) => (s ? locateStored(s) : 'unknown'))(findStored(anchor));
    if (typeof where !== 'object') return where;
    return { root: where.root, key: where.key, value: contentValue(item.content) };
  };

  for (const s of decoded.structs) {
    if (!(s instanceof Y.Item)) continue;
    const where = locate(s);
    if (where === 'nested') return 'nested types are not part of the record schema';
    if (where === 'unknown') return MISSING_STATE;
    if (where.root === META) continue;
    if (where.root !== ENTRIES || where.key === null)
      return `writes outside the record: ${where.root}`;
    if (s.content instanceof Y.ContentDeleted) continue;
    const value = where.value as { id?: unknown; author?: { deviceId?: unknown } } | undefined;
    if (!(s.content instanceof Y.ContentAny) || typeof value !== 'object' || value === null) {
      return 'an entry must be one JSON value';
    }
    if (value.id !== where.key) return 'an entry id must match its key';
    if (value.author?.deviceId !== author.hex) return 'an entry must name its writer as author';
    // Owners write every type but those the registry keeps from them (a professional's review).
    const typed = value as { type?: unknown; deleted?: unknown };
    const s2 = typeof typed.type === 'string' ? entryType(typed.type) : undefined;
    if (s2 && !s2.writers.owner.write && typed.deleted !== true) {
      return `an owner may not write entries of type ${s2.type}`;
    }
  }
  return null;
}

/**
 * Rule 3: what a delegate or a professional may send. Judged on the update alone, except that a
 * visible value another author wrote under the key (an owner's correction) is never replaced, and
 * that a Yjs client id under which this device holds another writer's item is never reused.
 */
function validateGranteeUpdate(
  decoded: ReturnType<typeof Y.decodeUpdate>,
  inner: Y.Doc,
  author: { hex: string; role: Role },
): string | null {
  for (const ranges of decoded.ds.clients.values()) {
    if (ranges.length > 0) return 'only the owner deletes';
  }
  const entries = entriesMap(inner);
  const keys = new Set<string>();
  const foreign = new Map<number, boolean>();
  for (const s of decoded.structs) {
    if (!(s instanceof Y.Item)) return 'only the owner removes record structure';
    if (!foreign.has(s.id.client))
      foreign.set(s.id.client, heldByAnother(inner, s.id.client, author.hex));
    if (foreign.get(s.id.client)) return 'a writer uses only its own Yjs client ids';
    const parent = s.parent as unknown;
    if (parent === META) return 'only the owner writes record metadata';
    if (typeof parent !== 'string' || s.origin !== null || s.rightOrigin !== null) {
      return "a writer only adds new entries; it never replaces or removes another's";
    }
    if (parent !== ENTRIES || s.parentSub === null) return `writes outside the record: ${parent}`;
    const key = s.parentSub;
    const value = contentValue(s.content) as
      | {
          id?: unknown;
          author?: { deviceId?: unknown; role?: unknown };
          type?: unknown;
          data?: unknown;
          v?: unknown;
          supersedes?: unknown;
          withdrawn?: unknown;
        }
      | undefined;
    if (!(s.content instanceof Y.ContentAny) || typeof value !== 'object' || value === null) {
      return 'an entry must be one JSON value';
    }
    if (value.id !== key) return 'an entry id must match its key';
    if (value.author?.deviceId !== author.hex) return 'an entry must name its writer as author';
    if (!isEntryIdOf(key, author.hex)) return "an entry id must carry its writer's tag";
    if (keys.has(key)) return 'one value per entry in an update';
    keys.add(key);
    const problem = entryProblem(value, author.role) ?? revisionProblem(value, author, entries);
    if (problem) return problem;
    const current = entries.get(key);
    const by = (current as { author?: { deviceId?: unknown } } | undefined)?.author?.deviceId;
    if (current !== undefined && by !== author.hex) {
      return "would replace another author's entry";
    }
  }
  return null;
}

/**
 * Rule 4: what a grantee's entry may be. Its type must be registered and writable by the
 * writer's role (`registry.ts`); its `author.role` must be that role (no professional shown as
 * "the patient"); its schema version a positive integer; and data of a version this app knows
 * must pass the type's guard. Data of a newer version is accepted unchecked (a newer app's
 * entry) and not shown here: readers skip it (`isValidEntry`).
 */
function entryProblem(
  value: { author?: { role?: unknown }; type?: unknown; data?: unknown; v?: unknown },
  role: Role,
): string | null {
  const type = typeof value.type === 'string' ? value.type : '';
  const spec = entryType(type);
  if (!spec || !spec.writers[role].write) {
    return `a ${role} may not write entries of type ${type.slice(0, 40) || '?'}`;
  }
  if (value.author?.role !== role) return 'an entry must name its writer’s role';
  const author = authorProblem(value.author);
  if (author) return author;
  const v = value.v;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    return 'an entry needs a schema version';
  }
  if (v <= spec.version && !spec.guard(value.data)) return `malformed ${type} data`;
  return v <= spec.version ? (spec.roleRule?.(value.data, role) ?? null) : null;
}

/**
 * Rule 6: a grantee's correction, withdrawal or reference. Called after {@link entryProblem}, so
 * the type is registered and writable by the role.
 */
function revisionProblem(
  value: { type?: unknown; data?: unknown; v?: unknown; supersedes?: unknown; withdrawn?: unknown },
  author: { hex: string; role: Role },
  entries: Y.Map<unknown>,
): string | null {
  const type = value.type as string;
  const spec = entryType(type)!;
  if (!isRevision(value.supersedes, value.withdrawn)) return 'a malformed correction';
  if (typeof value.supersedes === 'string') {
    const rule = spec.writers[author.role].corrects;
    if (rule === 'none') return `a ${author.role} may not correct entries of type ${type}`;
    if (rule === 'own' && !isEntryIdOf(value.supersedes, author.hex)) {
      return `a ${author.role} corrects or withdraws only its own entries`;
    }
    const target = entries.get(value.supersedes);
    if (target === undefined) return MISSING_STATE;
    const old = readEntry(target);
    if (!old || old.deleted || old.type !== type) return 'a correction keeps its entry’s type';
  }
  if (spec.refersTo && typeof value.v === 'number' && value.v <= spec.version) {
    const id = spec.refersTo.target(value.data);
    const target = entries.get(id);
    if (target === undefined) return MISSING_STATE;
    const named = readEntry(target);
    if (!named || named.deleted || named.type !== spec.refersTo.type) {
      return `a ${type} names an entry of type ${spec.refersTo.type}`;
    }
  }
  return null;
}

/**
 * Whether this device holds an item under Yjs client id `client` that names another writer. Items
 * under a taken client id and clock are dropped by Yjs as already known, so a grantee reusing the
 * patient's client id could hide the patient's next entries. (Partial: a device that has none of
 * that client's items yet cannot tell; see THREAT_MODEL, known limits.)
 */
function heldByAnother(inner: Y.Doc, client: number, hex: string): boolean {
  const structs = inner.store.clients.get(client) ?? [];
  // Newest first: the item just before the clock a reuse would take is the one that tells.
  for (let i = structs.length - 1; i >= 0; i--) {
    const s = structs[i]!;
    if (!(s instanceof Y.Item) || !(s.content instanceof Y.ContentAny)) continue;
    const value = contentValue(s.content) as { author?: { deviceId?: unknown } } | undefined;
    const by = value?.author?.deviceId;
    if (typeof by === 'string') return by !== hex;
  }
  return false;
}
