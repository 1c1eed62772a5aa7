import * as Y from 'yjs';
import type { Role } from '../sync/protocol';
import { MISSING_STATE } from '../sync/binding';
import { ENTRIES, META } from './entries';
import { PROFESSIONAL_TYPES } from './types';

/**
 * The record's write rules, checked on every decrypted update before it is applied (DESIGN §3:
 * "nobody can write in someone else's name"):
 *
 * 1. Inserted values go only into the `entries` map, or into `meta` when the writer is an owner.
 * 2. Each inserted entry is one JSON value whose `id` is its key and whose `author.deviceId` is the
 *    envelope's author.
 * 3. An update may remove (replace or delete) only values its author wrote, unless the author is
 *    an owner.
 *
 * A Yjs update names the parent of an item only when the item has no neighbours; otherwise the
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
    if (where.root === META) {
      if (author.role !== 'owner') return 'only the owner writes record metadata';
      continue;
    }
    if (where.root !== ENTRIES || where.key === null)
      return `writes outside the record: ${where.root}`;
    if (s.content instanceof Y.ContentDeleted) continue;
    const value = where.value as { id?: unknown; author?: { deviceId?: unknown } } | undefined;
    if (!(s.content instanceof Y.ContentAny) || typeof value !== 'object' || value === null) {
      return 'an entry must be one JSON value';
    }
    if (value.id !== where.key) return 'an entry id must match its key';
    if (value.author?.deviceId !== author.hex) return 'an entry must name its writer as author';
    const type = (value as { type?: unknown }).type;
    if (author.role === 'professional' && !PROFESSIONAL_TYPES.includes(type as string)) {
      return 'a professional writes only notes and messages';
    }
  }

  if (author.role === 'owner') return null;
  for (const [client, ranges] of decoded.ds.clients) {
    const structs = inner.store.clients.get(client);
    if (!structs) continue;
    for (const { clock, len } of ranges) {
      let index: number;
      try {
        index = Y.findIndexSS(structs, clock);
      } catch {
        continue; // deletes of state we do not have change nothing here
      }
      for (; index < structs.length && structs[index]!.id.clock < clock + len; index++) {
        const s = structs[index]!;
        if (!(s instanceof Y.Item) || s.deleted) continue;
        const where = locateStored(s);
        if (typeof where !== 'object' || where.root !== ENTRIES) {
          return 'only the owner removes record structure';
        }
        const value = where.value as { author?: { deviceId?: unknown } } | undefined;
        if (value?.author?.deviceId !== author.hex) return "a writer cannot remove another's entry";
      }
    }
  }
  return null;
}
