import type * as Y from 'yjs';
import {
  entriesMap,
  listEntries,
  newestFirst,
  readEntry,
  type Entry,
} from '$lib/core/record/entries';
import { isValidEntry, type Compartment } from '$lib/core/record/index';
import { extendFold, foldOf, type Fold, type RecordVersions } from '$lib/core/record/versions';
import type { OpenCompartment } from './session-types';

/**
 * Reading the record again after each change, without folding it all again (`readVersionsOf`).
 *
 * A page re-reads the record on every change, and most changes add one new entry (a check-in
 * written here or received). Folding every version again costs time in proportion to the record;
 * here each view (a list of compartments, per session) keeps its last fold, and each document
 * keeps the keys of its entries map that its transactions changed. A read adds the entries under
 * those keys to the fold when that changes no other verdict (`extendFold`); anything else (a
 * correction, a changed or deleted entry, a read in the middle of a transaction, more changes
 * than the log keeps) folds everything again, as before. The result is the same either way
 * (`record-reads.test.ts`).
 */

/** A shared type as a transaction's `changed` map names it. */
type ChangedType = Parameters<Y.Transaction['changed']['get']>[0];

/** Transactions of one document that changed its entries map, by number. */
class EntryChanges {
  /** Transactions begun and not yet cleaned up: the map may hold what no log shows yet. */
  busy = 0;
  /** How many transactions changed the entries map. */
  count = 0;
  /** The keys each of the last {@link LOG} of them changed; `log[i]` is number `count - len + i + 1`. */
  readonly log: ReadonlySet<string | null>[] = [];

  constructor(doc: Y.Doc) {
    const map = entriesMap(doc);
    doc.on('beforeTransaction', () => this.busy++);
    doc.on('afterTransactionCleanup', (tr: Y.Transaction) => {
      this.busy = Math.max(0, this.busy - 1);
      const keys = tr.changed.get(map as unknown as ChangedType);
      if (!keys) return;
      this.count++;
      this.log.push(keys);
      if (this.log.length > LOG) this.log.shift();
    });
  }

  /** The keys changed since transaction number `since`; `null` if the log no longer reaches. */
  since(since: number): Set<string> | null {
    const missing = this.count - since;
    if (missing > this.log.length) return null;
    const keys = new Set<string>();
    for (const set of this.log.slice(this.log.length - missing))
      for (const k of set) if (k !== null) keys.add(k);
    return keys;
  }
}

/** How many changing transactions a document's log keeps. */
const LOG = 64;

const changesByDoc = new WeakMap<Y.Doc, EntryChanges>();

function changesOf(doc: Y.Doc): EntryChanges {
  let c = changesByDoc.get(doc);
  if (!c) changesByDoc.set(doc, (c = new EntryChanges(doc)));
  return c;
}

/** How reads went (for tests and benches): folded anew, or extended from the last fold. */
export const readCounts = { full: 0, extended: 0 };

interface View {
  readonly docs: readonly (Y.Doc | undefined)[];
  /** Per document: the number of the last transaction this fold includes. */
  seen: readonly number[];
  fold: Fold;
}

type Compartments = ReadonlyMap<string, Pick<OpenCompartment, 'inner'>>;

const views = new WeakMap<Compartments, Map<string, View>>();

/** Every valid entry of `names`' documents, in the record's order (an id once, first name wins). */
function inputOf(docs: readonly (Y.Doc | undefined)[], names: readonly Compartment[]): Entry[] {
  const seen = new Set<string>();
  const all: Entry[] = [];
  names.forEach((name, i) => {
    const doc = docs[i];
    if (!doc) return;
    for (const e of listEntries(doc)) {
      if (seen.has(e.id) || !isValidEntry(e, name)) continue;
      seen.add(e.id);
      all.push(e);
    }
  });
  if (names.length > 1) all.sort(newestFirst);
  return all;
}

/** The entries under `keys` that the fold lacks, or `null` if any key needs a full fold. */
function addedUnder(
  fold: Fold,
  doc: Y.Doc,
  name: Compartment,
  keys: ReadonlySet<string>,
  out: Entry[],
): boolean {
  const map = entriesMap(doc);
  for (const key of keys) {
    if (fold.ids.has(key)) return false; // a folded entry changed (or was deleted)
    const e = readEntry(map.get(key));
    if (!e || e.deleted || !isValidEntry(e, name)) continue; // not in the fold before or after
    if (e.id !== key) return false;
    out.push(e);
  }
  return true;
}

/** The fold of `names` in `compartments`, from the last one where it can be. */
export function cachedVersionsOf(
  compartments: Compartments,
  names: readonly Compartment[],
): RecordVersions {
  const docs = names.map((n) => compartments.get(n)?.inner);
  const trackers = docs.map((d) => (d ? changesOf(d) : undefined));
  // In the middle of a transaction the map may hold changes no log has yet: read it all.
  if (trackers.some((t) => t && t.busy > 0)) return foldOf(inputOf(docs, names)).versions;
  let byNames = views.get(compartments);
  if (!byNames) views.set(compartments, (byNames = new Map()));
  const key = names.join('\n');
  const view = byNames.get(key);
  const seen = trackers.map((t) => t?.count ?? 0);
  if (!view || view.docs.some((d, i) => d !== docs[i])) {
    const fresh: View = { docs, seen, fold: foldOf(inputOf(docs, names)) };
    byNames.set(key, fresh);
    return copy(fresh.fold.versions);
  }
  const added: Entry[] = [];
  let extendable = true;
  for (let i = 0; i < docs.length && extendable; i++) {
    const doc = docs[i];
    const tracker = trackers[i];
    if (!doc || !tracker || tracker.count === view.seen[i]) continue;
    const keys = tracker.since(view.seen[i]!);
    extendable = keys !== null && addedUnder(view.fold, doc, names[i]!, keys, added);
  }
  const extended = extendable ? extendFold(view.fold, added, newestFirst) : null;
  if (extended) readCounts.extended++;
  else readCounts.full++;
  view.fold = extended ?? foldOf(inputOf(docs, names));
  view.seen = seen;
  return copy(view.fold.versions);
}

/** The caller's own arrays: what it sorts or changes is not the kept fold. */
function copy(v: RecordVersions): RecordVersions {
  return { current: v.current.slice(), all: v.all.slice(), info: v.info };
}
