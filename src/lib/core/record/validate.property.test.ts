import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { prng } from '../prng';
import { MISSING_STATE } from '../sync/binding';
import type { Role } from '../sync/protocol';
import { deleteEntry, entriesMap, newEntryId, putEntry, readEntry, type Entry } from './entries';
import { craftUpdate, copyDoc, itemAt, nextClock, type CraftedItem } from './testing';
import { validateRecordUpdate } from './validate';

/**
 * Property: whatever order a hostile relay delivers updates in, replicas that apply only what
 * `validateRecordUpdate` allows (a) end with the same visible entries, (b) never see an owner's
 * value replaced or removed by a non-owner's update, and (c) all receive the honest grantees'
 * entries. The replicas follow the binding: an update that cannot be judged yet waits and is
 * retried after each update applied.
 */

interface Author {
  readonly hex: string;
  readonly role: Role;
}

type Kind = 'honest' | 'attack' | 'own-duplicate';

interface Update {
  readonly by: Author;
  readonly bytes: Uint8Array;
  readonly kind: Kind;
  readonly form?: string;
}

function hexFrom(rand: () => number): string {
  let s = '';
  for (let i = 0; i < 64; i++) s += Math.floor(rand() * 16).toString(16);
  return s;
}

function shuffle<T>(items: readonly T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Visible values in `entries` written by an owner, as JSON. */
function ownerValues(doc: Y.Doc, owners: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  entriesMap(doc).forEach((value, key) => {
    const e = readEntry(value);
    if (e && owners.has(e.author.deviceId)) out.set(key, JSON.stringify(value));
  });
  return out;
}

function visible(doc: Y.Doc): string {
  return JSON.stringify(
    Object.entries(entriesMap(doc).toJSON()).sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

class Replica {
  readonly doc = new Y.Doc();
  readonly seen = new Set<Update>();
  readonly refused = new Set<Update>();
  readonly violations: string[] = [];
  private waiting: Update[] = [];

  constructor(private readonly owners: ReadonlySet<string>) {}

  receive(u: Update): void {
    if (this.seen.has(u)) return;
    this.seen.add(u);
    if (!this.judge(u)) return;
    let progress = true;
    while (progress && this.waiting.length > 0) {
      const waiting = this.waiting;
      this.waiting = [];
      progress = false;
      for (const w of waiting) progress = this.judge(w) || progress;
    }
  }

  get pending(): number {
    return this.waiting.length;
  }

  private judge(u: Update): boolean {
    const verdict = validateRecordUpdate(u.bytes, this.doc, u.by);
    if (verdict === MISSING_STATE) {
      this.waiting.push(u);
      return false;
    }
    if (verdict !== null) {
      this.refused.add(u);
      return false;
    }
    const before = u.by.role === 'owner' ? null : ownerValues(this.doc, this.owners);
    Y.applyUpdate(this.doc, u.bytes, this);
    if (before) {
      const after = ownerValues(this.doc, this.owners);
      for (const [key, value] of before) {
        if (after.get(key) !== value) this.violations.push(`${u.form ?? u.kind} changed ${key}`);
      }
    }
    return true;
  }
}

interface Writer {
  readonly author: Author;
  readonly hostile: boolean;
  readonly replica: Replica;
  /** Keys of entries this writer added. */
  readonly added: string[];
}

const ATTACKS = [
  'concurrent',
  'concurrent-in-owners-name',
  'sequential-stripped',
  'sequential-with-delete-set',
  'delete',
  'delete-before-arrival',
  'right-origin',
  'meta',
  'owner-tag',
  'own-sequential-replace',
  'two-items-one-key',
] as const;

function run(seed: number) {
  const rand = prng(seed);
  const at = (step: number) => new Date(Date.UTC(2026, 0, 1) + step * 60_000).toISOString();
  const owner: Author = { hex: hexFrom(rand), role: 'owner' };
  const grantees: Author[] = [
    { hex: hexFrom(rand), role: rand() < 0.5 ? 'professional' : 'delegate' },
  ];
  if (rand() < 0.5) grantees.push({ hex: hexFrom(rand), role: 'delegate' });
  const owners = new Set([owner.hex]);
  const writers: Writer[] = [owner, ...grantees].map((author, i) => ({
    author,
    hostile: i > 0 && rand() < 0.6,
    replica: new Replica(owners),
    added: [],
  }));
  const log: Update[] = [];
  const clientIds = new Set<number>();
  const freshClient = () => {
    let c: number;
    do c = 0x80000000 + Math.floor(rand() * 0x7fffffff);
    while (clientIds.has(c));
    clientIds.add(c);
    return c;
  };
  for (const w of writers) {
    w.replica.doc.clientID = freshClient();
    w.replica.doc.on('update', (bytes: Uint8Array, origin: unknown) => {
      if (origin === w.replica) return;
      const u: Update = { by: w.author, bytes, kind: 'honest' };
      w.replica.seen.add(u);
      log.push(u);
    });
  }
  const publish = (w: Writer, bytes: Uint8Array, kind: Kind, form: string) =>
    log.push({ by: w.author, bytes, kind, form });
  const make = (w: Writer, id: string, text: string, step: number): Entry => ({
    id: id as Entry['id'],
    type: 'note',
    at: at(step),
    author: { deviceId: w.author.hex, role: w.author.role },
    data: { text },
    v: 1,
  });
  const honestGrantees = writers.filter((w) => w.author.role !== 'owner' && !w.hostile);

  for (let step = 0; step < 30; step++) {
    const w = writers[Math.floor(rand() * writers.length)]!;
    const doc = w.replica.doc;
    if (rand() < 0.4) {
      for (const u of shuffle(log, rand)) if (rand() < 0.7) w.replica.receive(u);
      continue;
    }
    const r = rand();
    if (w.author.role === 'owner') {
      const mine = w.added.filter((k) => readEntry(entriesMap(doc).get(k))?.deleted !== true);
      const honestKeys = honestGrantees
        .flatMap((g) => g.added)
        .filter((k) => entriesMap(doc).has(k));
      if (r < 0.2 && mine.length > 0) {
        const k = mine[Math.floor(rand() * mine.length)]!;
        putEntry(doc, make(w, k, `edit-${step}`, step));
      } else if (r < 0.3 && mine.length > 0) {
        const k = mine[Math.floor(rand() * mine.length)]!;
        if (rand() < 0.5) deleteEntry(doc, k as Entry['id'], make(w, k, '', step).author, at(step));
        else entriesMap(doc).delete(k);
      } else if (r < 0.4 && honestKeys.length > 0) {
        const k = honestKeys[Math.floor(rand() * honestKeys.length)]!;
        putEntry(doc, make(w, k, `corrected-${step}`, step));
      } else {
        const id = newEntryId(w.author.hex, Date.UTC(2026, 0, 1) + step, rand);
        w.added.push(id);
        putEntry(doc, make(w, id, `owner-${step}`, step));
      }
      continue;
    }
    if (!w.hostile || r < 0.4) {
      const id = newEntryId(w.author.hex, Date.UTC(2026, 0, 1) + step, rand);
      w.added.push(id);
      putEntry(doc, make(w, id, `${w.author.role}-${step}`, step));
      continue;
    }
    // A hostile grantee crafts raw updates from what it has seen.
    const client = freshClient();
    const ownerKeys = [...ownerValues(doc, owners).keys()];
    const target = ownerKeys.length > 0 ? ownerKeys[Math.floor(rand() * ownerKeys.length)]! : null;
    const own = w.added.filter((k) => itemAt(doc, k) !== null);
    if (rand() < 0.25 && own.length > 0) {
      // Its own entry again, as a concurrent item: allowed, and must converge.
      const k = own[Math.floor(rand() * own.length)]!;
      const item: CraftedItem = {
        client,
        clock: 0,
        parent: 'entries',
        key: k,
        value: make(w, k, `dup-${step}`, step),
      };
      publish(w, craftUpdate([item]), 'own-duplicate', 'own-duplicate');
      continue;
    }
    const form = ATTACKS[Math.floor(rand() * ATTACKS.length)]!;
    const item = target ? itemAt(doc, target) : null;
    const forged = (k: string) => make(w, k, `forged-${step}`, step);
    let bytes: Uint8Array | null = null;
    if (form === 'concurrent' && target) {
      bytes = craftUpdate([
        { client, clock: 0, parent: 'entries', key: target, value: forged(target) },
      ]);
    } else if (form === 'concurrent-in-owners-name' && target) {
      const value = { ...(entriesMap(doc).get(target) as Entry), data: { text: 'forged' } };
      bytes = craftUpdate([{ client, clock: 0, parent: 'entries', key: target, value }]);
    } else if (form === 'sequential-stripped' && item) {
      bytes = craftUpdate([{ client, clock: 0, origin: item.lastId, value: forged(target!) }]);
    } else if (form === 'sequential-with-delete-set' && target) {
      const copy = copyDoc(doc);
      const sv = Y.encodeStateVector(copy);
      putEntry(copy, forged(target));
      bytes = Y.encodeStateAsUpdate(copy, sv);
    } else if (form === 'delete' && item) {
      bytes = craftUpdate([], [{ client: item.id.client, clock: item.id.clock, len: item.length }]);
    } else if (form === 'delete-before-arrival') {
      const victim = writers[0]!.replica.doc.clientID;
      const clock = nextClock(doc, victim) + Math.floor(rand() * 3);
      bytes = craftUpdate([], [{ client: victim, clock, len: 2 }]);
    } else if (form === 'right-origin' && item) {
      bytes = craftUpdate([{ client, clock: 0, rightOrigin: item.id, value: forged(target!) }]);
    } else if (form === 'meta') {
      bytes = craftUpdate([{ client, clock: 0, parent: 'meta', key: 'schema', value: 99 }]);
    } else if (form === 'owner-tag') {
      const id = newEntryId(owner.hex, Date.UTC(2026, 0, 1) + step, rand);
      bytes = craftUpdate([{ client, clock: 0, parent: 'entries', key: id, value: forged(id) }]);
    } else if (form === 'own-sequential-replace' && own.length > 0) {
      const k = own[Math.floor(rand() * own.length)]!;
      bytes = craftUpdate([{ client, clock: 0, origin: itemAt(doc, k)!.lastId, value: forged(k) }]);
    } else if (form === 'two-items-one-key') {
      const id = newEntryId(w.author.hex, Date.UTC(2026, 0, 1) + step, rand);
      bytes = craftUpdate([
        { client, clock: 0, parent: 'entries', key: id, value: forged(id) },
        { client, clock: 1, origin: Y.createID(client, 0), value: forged(id) },
      ]);
    }
    if (bytes) publish(w, bytes, 'attack', form);
  }

  for (const w of writers) for (const u of shuffle(log, rand)) w.replica.receive(u);
  const fresh = [0, 1, 2].map(() => new Replica(owners));
  for (const replica of fresh) for (const u of shuffle(log, rand)) replica.receive(u);
  return { log, writers, fresh, owners, honestGrantees };
}

const RUNS = 300;

describe('write rules under random interleavings (property)', () => {
  it(`${RUNS} runs: replicas agree, owners’ values survive, honest entries arrive`, () => {
    let attacks = 0;
    let duplicates = 0;
    let honest = 0;
    const problems: string[] = [];
    for (let seed = 1; seed <= RUNS; seed++) {
      const { log, writers, fresh, owners, honestGrantees } = run(seed);
      const fail = (what: string) => problems.push(`seed ${seed}: ${what}`);
      const replicas = [...fresh, ...writers.map((w) => w.replica)];
      const expected = visible(fresh[0]!.doc);
      replicas.forEach((replica, i) => {
        // (a) one visible record, whatever the order.
        if (visible(replica.doc) !== expected) fail(`replica ${i} differs`);
        if (replica.pending !== 0) fail(`replica ${i} holds ${replica.pending} back`);
        // (b) no non-owner update changed or removed an owner's visible value.
        for (const v of replica.violations) fail(`replica ${i}: ${v}`);
      });
      for (const u of log) {
        for (const replica of fresh) {
          if (u.kind === 'attack' && !replica.refused.has(u)) fail(`${u.form} accepted`);
          if (u.kind !== 'attack' && replica.refused.has(u)) fail(`${u.kind} refused`);
        }
      }
      attacks += log.filter((u) => u.kind === 'attack').length;
      duplicates += log.filter((u) => u.kind === 'own-duplicate').length;
      // Every value at a key an owner added is still the owner's.
      const doc = fresh[1]!.doc;
      for (const key of writers[0]!.added) {
        const value = readEntry(entriesMap(doc).get(key));
        if (value && !owners.has(value.author.deviceId)) fail(`owner's ${key} taken over`);
      }
      // (c) honest grantees' entries arrive (as written, or as an owner corrected them).
      for (const g of honestGrantees) {
        for (const key of g.added) {
          honest++;
          const value = readEntry(entriesMap(doc).get(key));
          if (!value) fail(`honest ${key} missing`);
          else if (value.author.deviceId !== g.author.hex && !owners.has(value.author.deviceId)) {
            fail(`honest ${key} taken over`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(honest).toBeGreaterThan(RUNS);
    expect(attacks).toBeGreaterThan(RUNS);
    expect(duplicates).toBeGreaterThan(20);
    // ~7 s of CPU on the 2-core dev box; the timeout only guards against a loaded machine.
  }, 60_000);
});
