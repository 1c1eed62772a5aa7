import { entryIdTime, isEntryIdOf, type Entry, type EntryAuthor } from './entries';
import { entryType } from './registry';

/**
 * Corrections and withdrawals (issue 12 item 8) as a pure fold over a compartment's entries.
 *
 * A correction is a new entry of the same type with `supersedes: <id>`; a withdrawal is such a
 * version that also carries `withdrawn: { reason }` (its data is the withdrawn version's). A
 * `supersedes` link is honoured when the entry it names is in the record, of the same type, not
 * itself a withdrawal, and its writer may correct it: the registry's `writers[role].corrects` for
 * that type is `any`, or `own` and the named entry carries the writer's tag. Of several versions
 * that replace one entry, the one with the greatest id wins (the others are shown as superseded
 * by it); links that form a loop are dropped with their entries. The verdicts depend only on the
 * entries, not on the order they arrived in, so every device shows the same current versions.
 */

export interface VersionInfo {
  readonly entry: Entry;
  /** The entry this version replaces, when the link is honoured. */
  readonly replaces?: Entry;
  /** The version that replaced this one. */
  readonly supersededBy?: Entry;
  /** This version withdraws the entry it replaces. */
  readonly withdrawal: boolean;
  /** The latest version of its entry, and not withdrawn: what charts, scores and exports use. */
  readonly current: boolean;
  /** The whole history this version belongs to was withdrawn. */
  readonly withdrawnBy?: Entry;
}

export interface RecordVersions {
  /** Current versions, in the order given (newest first from `listEntries`). */
  readonly current: Entry[];
  /** Every version that takes part (loops dropped), in the order given. */
  readonly all: Entry[];
  readonly info: ReadonlyMap<string, VersionInfo>;
}

/** Whether the writer `by` may correct or withdraw `target` (the registry's `corrects` rule). */
export function mayCorrect(by: Pick<EntryAuthor, 'deviceId' | 'role'>, target: Entry): boolean {
  const s = entryType(target.type);
  if (!s) return false;
  const rule = s.writers[by.role].corrects;
  return rule === 'any' || (rule === 'own' && isEntryIdOf(target.id, by.deviceId));
}

/** When a version was written: from its id (milliseconds), else its `at`. */
export function writtenAt(e: Entry): Date {
  return entryIdTime(e.id) ?? new Date(e.at);
}

export function foldVersions(entries: readonly Entry[]): RecordVersions {
  const byId = new Map<string, Entry>();
  for (const e of entries) byId.set(e.id, e);

  // Honoured links: version → the entry it replaces.
  const parent = new Map<string, Entry>();
  for (const e of entries) {
    if (e.supersedes === undefined) continue;
    const target = byId.get(e.supersedes);
    if (!target || target.id === e.id || target.type !== e.type) continue;
    if (target.withdrawn !== undefined || !mayCorrect(e.author, target)) continue;
    parent.set(e.id, target);
  }

  // Drop loops (only an owner's hand-made entries can form one): an entry whose chain of
  // replaced entries comes back to itself.
  const looped = new Set<string>();
  for (const e of entries) {
    const seen = new Set<string>([e.id]);
    for (let p = parent.get(e.id); p; p = parent.get(p.id)) {
      if (seen.has(p.id)) {
        if (p.id === e.id) looped.add(e.id);
        break;
      }
      seen.add(p.id);
    }
  }
  for (const id of looped) parent.delete(id);
  for (const [id, p] of parent) if (looped.has(p.id)) parent.delete(id);

  // Of several replacements of one entry, the greatest id wins.
  const winner = new Map<string, Entry>();
  for (const [id, p] of parent) {
    const e = byId.get(id)!;
    const w = winner.get(p.id);
    if (!w || e.id > w.id) winner.set(p.id, e);
  }

  const info = new Map<string, VersionInfo>();
  const root = (e: Entry): Entry => {
    let r = e;
    for (let p = parent.get(r.id); p; p = parent.get(p.id)) r = p;
    return r;
  };
  // The withdrawal that ends each history (walking winners from its first version).
  const endOf = new Map<string, Entry>();
  const headOf = (first: Entry): Entry => {
    let h = first;
    for (let next = winner.get(h.id); next; next = winner.get(h.id)) h = next;
    return h;
  };
  const all: Entry[] = [];
  const current: Entry[] = [];
  for (const e of entries) {
    if (looped.has(e.id)) continue;
    all.push(e);
    const first = root(e);
    let head = endOf.get(first.id);
    if (!head) {
      head = headOf(first);
      endOf.set(first.id, head);
    }
    const replaces = parent.get(e.id);
    const won = winner.get(e.id);
    // A losing sibling is superseded by the winning version of the same entry.
    const lostTo =
      replaces && winner.get(replaces.id)?.id !== e.id ? winner.get(replaces.id) : undefined;
    const supersededBy = won ?? lostTo;
    const withdrawal = e.withdrawn !== undefined && replaces !== undefined;
    const isCurrent = supersededBy === undefined && e.withdrawn === undefined;
    const withdrawnBy = head.withdrawn !== undefined && parent.has(head.id) ? head : undefined;
    info.set(e.id, {
      entry: e,
      ...(replaces ? { replaces } : {}),
      ...(supersededBy ? { supersededBy } : {}),
      withdrawal,
      current: isCurrent,
      ...(withdrawnBy ? { withdrawnBy } : {}),
    });
    if (isCurrent) current.push(e);
  }
  return { current, all, info };
}

/** The current versions only (see {@link foldVersions}). */
export function currentEntries(entries: readonly Entry[]): Entry[] {
  return foldVersions(entries).current;
}

/** One card of the timeline: the latest version of an entry (or its withdrawal) and before it. */
export interface TimelineItem {
  readonly head: Entry;
  readonly info: VersionInfo;
  /** The versions it replaced, newest first. */
  readonly earlier: readonly Entry[];
}

/**
 * The timeline's cards, in the order of `v.all`: one per entry history, headed by its current
 * version or its withdrawal, with the versions it replaced (losing concurrent versions too).
 */
export function timelineItems(v: RecordVersions): TimelineItem[] {
  // Losing concurrent versions, by the version that beat them.
  const lostTo = new Map<string, Entry[]>();
  for (const x of v.all) {
    const xi = v.info.get(x.id);
    if (!xi?.replaces || !xi.supersededBy) continue;
    if (v.info.get(xi.replaces.id)?.supersededBy?.id === x.id) continue;
    const list = lostTo.get(xi.supersededBy.id) ?? [];
    list.push(x);
    lostTo.set(xi.supersededBy.id, list);
  }
  const out: TimelineItem[] = [];
  for (const e of v.all) {
    const info = v.info.get(e.id);
    if (!info || info.supersededBy) continue;
    const earlier: Entry[] = [];
    const seen = new Set<string>([e.id]);
    const queue: Entry[] = [...(info.replaces ? [info.replaces] : []), ...(lostTo.get(e.id) ?? [])];
    while (queue.length > 0) {
      const p = queue.shift()!;
      if (seen.has(p.id)) continue;
      seen.add(p.id);
      earlier.push(p);
      const pi = v.info.get(p.id);
      if (pi?.replaces) queue.push(pi.replaces);
      queue.push(...(lostTo.get(p.id) ?? []));
    }
    earlier.sort(
      (a, b) => writtenAt(b).getTime() - writtenAt(a).getTime() || (a.id < b.id ? 1 : -1),
    );
    out.push({ head: e, info, earlier });
  }
  return out;
}

/**
 * A fold with what it was folded from (sorted by `order`, as {@link foldVersions} got it), so that
 * later entries can be added without folding everything again ({@link extendFold}).
 */
export interface Fold {
  readonly input: readonly Entry[];
  /** The ids of `input`. */
  readonly ids: ReadonlySet<string>;
  /** Ids named by a `supersedes` in `input` that are not in it (a correction arrived first). */
  readonly awaited: ReadonlySet<string>;
  readonly versions: RecordVersions;
}

/** Folds `input` (already in the record's order) and keeps what {@link extendFold} needs. */
export function foldOf(input: readonly Entry[]): Fold {
  const ids = new Set<string>();
  for (const e of input) ids.add(e.id);
  const awaited = new Set<string>();
  for (const e of input)
    if (e.supersedes !== undefined && !ids.has(e.supersedes)) awaited.add(e.supersedes);
  return { input, ids, awaited, versions: foldVersions(input) };
}

/**
 * The fold of `fold.input` with `added` inserted in `order`, or `null` when that needs a full
 * fold. Without one, an added entry changes no verdict but its own: it is new (no entry of the
 * fold has its id), replaces nothing and is no withdrawal (no `supersedes`, no `withdrawn`), and
 * no entry of the fold names it (so no link starts being honoured). Its verdict is then "current,
 * replaces nothing", which is what {@link foldVersions} gives it, and every other verdict stays
 * as it was (`versions.test.ts` compares the two on random histories).
 */
export function extendFold(
  fold: Fold,
  added: readonly Entry[],
  order: (a: Entry, b: Entry) => number,
): Fold | null {
  if (added.length === 0) return fold;
  const fresh = new Set<string>();
  for (const e of added) {
    if (e.supersedes !== undefined || e.withdrawn !== undefined) return null;
    if (fold.ids.has(e.id) || fold.awaited.has(e.id) || fresh.has(e.id)) return null;
    fresh.add(e.id);
  }
  const input = fold.input.slice();
  const all = fold.versions.all.slice();
  const current = fold.versions.current.slice();
  const info = new Map(fold.versions.info);
  const ids = new Set(fold.ids);
  for (const e of added) {
    insertSorted(input, e, order);
    insertSorted(all, e, order);
    insertSorted(current, e, order);
    info.set(e.id, { entry: e, withdrawal: false, current: true });
    ids.add(e.id);
  }
  return { input, ids, awaited: fold.awaited, versions: { current, all, info } };
}

/** Inserts `e` into `list` (sorted by `order`) after every element that sorts before it. */
function insertSorted(list: Entry[], e: Entry, order: (a: Entry, b: Entry) => number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (order(list[mid]!, e) <= 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, e);
}
