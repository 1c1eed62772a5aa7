import type * as Y from 'yjs';
import { deleteEntry, entriesMap, readEntry, type Compartment, type EntryAuthor } from './entries';
import type { EntryId } from '../ids';
import { ENTRY_TYPES } from './registry';

/**
 * Moves the entries this device wrote in a compartment their type has since left (`formerly`
 * in the registry: the warning signs from `clinical` to `safety`) into the compartment the type
 * lives in now, under the same ids, and leaves a tombstone behind (an owner's deletion; the next
 * compaction then drops the old content from the relay's copy).
 *
 * Every client checks a correction, a withdrawal or a review against the entry it names in the
 * same document, so a history moves whole or not at all: only histories (an entry, its versions
 * and the reviews naming it) written entirely by this device move. One with a professional's
 * review stays where it is, readable by whoever reads `from` (ARCHITECTURE.md, known limits).
 * Idempotent; returns how many entries moved.
 */
export function moveToNewCompartment(
  from: Y.Doc,
  to: Y.Doc,
  fromName: Compartment,
  toName: Compartment,
  author: EntryAuthor,
  nowIso: string,
): number {
  const types = new Map<string, { refersTo?: (data: never) => string }>();
  for (const spec of Object.values(ENTRY_TYPES)) {
    if (spec.compartment === toName && spec.formerly === fromName) {
      types.set(spec.type, spec.refersTo ? { refersTo: spec.refersTo.target } : {});
    }
  }
  if (types.size === 0) return 0;
  const source = entriesMap(from);
  const values = new Map<string, unknown>();
  const authors = new Map<string, string>();
  // Union-find over "names": supersedes and refersTo join an entry to the one it is about.
  const parent = new Map<string, string>();
  const find = (id: string): string => {
    let r = id;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  const join = (a: string, b: string) => {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  source.forEach((value, key) => {
    const e = readEntry(value);
    if (!e || e.id !== key || e.deleted || !types.has(e.type)) return;
    values.set(key, value);
    authors.set(key, e.author.deviceId);
    join(key, key);
    if (e.supersedes !== undefined) join(key, e.supersedes);
    const refersTo = types.get(e.type)?.refersTo;
    if (refersTo) {
      try {
        const target = refersTo(e.data as never);
        if (typeof target === 'string') join(key, target);
      } catch {
        join(key, `invalid:${key}`); // data that cannot be read keeps its history in place
      }
    }
  });
  const blocked = new Set<string>();
  for (const id of parent.keys()) {
    // A member that is not here (named but missing, or of another type) or by someone else.
    if (!values.has(id) || authors.get(id) !== author.deviceId) blocked.add(find(id));
  }
  const moving = [...values.keys()].filter((id) => !blocked.has(find(id)));
  if (moving.length === 0) return 0;
  const target = entriesMap(to);
  to.transact(() => {
    for (const id of moving) if (!target.has(id)) target.set(id, values.get(id));
  });
  from.transact(() => {
    for (const id of moving) deleteEntry(from, id as EntryId, author, nowIso);
  });
  return moving.length;
}
