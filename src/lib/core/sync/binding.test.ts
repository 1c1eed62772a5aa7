import * as Y from 'yjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  deviceKeysFromSeed,
  forceEd25519Backend,
  newSeed,
  randomBytes,
  sealEnvelopeBytes,
  sign,
  signEd25519Async,
  verifyEnvelopeSignatureAsync,
} from '../crypto/index';
import {
  deleteEntry,
  listEntries,
  newEntryId,
  putEntry,
  validateRecordUpdate,
  type Entry,
} from '../record/index';
import { EncryptedDocBinding, OUTER_ARRAY } from './binding';
import { MemoryKeyring } from './keyring';
import {
  decodeEnvelope,
  encodeEnvelope,
  isProtocolError,
  toHex,
  type Envelope,
  type Role,
} from './protocol';
import { prng } from '../prng';

const DOC = 'clinical';

/**
 * The paths a signature can be checked on: the synchronous default (noble, strict), and the
 * asynchronous one on WebCrypto and on its noble fallback (forced).
 */
const SIGNATURE_PATHS = ['sync', 'webcrypto', 'noble'] as const;
type SignaturePath = (typeof SIGNATURE_PATHS)[number];
let verifier: ((env: Envelope) => boolean | Promise<boolean>) | undefined;
const live: EncryptedDocBinding[] = [];

function usePath(path: SignaturePath): void {
  forceEd25519Backend(path === 'sync' ? null : path);
  verifier = path === 'sync' ? undefined : verifyEnvelopeSignatureAsync;
  live.length = 0;
}

/** Waits until every binding made since {@link usePath} has applied what it received. */
async function settleAll(): Promise<void> {
  for (let round = 0; round < 3; round++) await Promise.all(live.map((b) => b.settled()));
}

interface Device {
  name: string;
  keys: ReturnType<typeof deviceKeysFromSeed>;
  role: Role;
  inner: Y.Doc;
  outer: Y.Doc;
  binding: EncryptedDocBinding;
}

function makeDevice(
  name: string,
  keyring: MemoryKeyring,
  role: Role = 'owner',
  compactAfter = 300,
): Device {
  const keys = deviceKeysFromSeed(newSeed());
  keyring.setRole(keys.signPublic, role);
  const inner = new Y.Doc();
  const outer = new Y.Doc();
  const binding = new EncryptedDocBinding({
    docId: DOC,
    inner,
    outer,
    keyring,
    author: { signPublic: keys.signPublic, signSecret: keys.signSecret, role },
    validate: validateRecordUpdate,
    batchMs: 0,
    compactAfter,
    verifySignature: verifier,
  });
  live.push(binding);
  return { name, keys, role, inner, outer, binding };
}

/** Syncs two outer docs both ways, as a relay would. */
function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

/** Puts a note entry written by `deviceId` into `doc` (data as given). */
function putNote(doc: Y.Doc, deviceId: string, data: unknown, role: Role = 'owner'): Entry {
  const entry: Entry = {
    id: newEntryId(deviceId),
    type: 'note',
    at: new Date().toISOString(),
    author: { deviceId, role },
    data,
    v: 1,
  };
  putEntry(doc, entry);
  return entry;
}

function write(
  d: Device,
  text: string,
  at = new Date().toISOString(),
  id = newEntryId(d.keys.deviceId),
): Entry {
  const entry: Entry = {
    id,
    type: 'note',
    at,
    author: { deviceId: d.keys.deviceId, role: d.role },
    data: { text },
    v: 1,
  };
  putEntry(d.inner, entry);
  return entry;
}

function texts(doc: Y.Doc): string[] {
  return listEntries(doc)
    .map((e) => (e.data as { text: string }).text)
    .sort();
}

function setup() {
  const keyring = new MemoryKeyring().setKey(DOC, 0, randomBytes(32));
  const a = makeDevice('a', keyring);
  const b = makeDevice('b', keyring);
  return { keyring, a, b };
}

function pushRaw(d: Device, bytes: Uint8Array): void {
  d.outer.getArray<Uint8Array>(OUTER_ARRAY).push([bytes]);
}

describe('encrypted doc binding', () => {
  it('syncs an entry between two devices through ciphertext only', () => {
    const { a, b } = setup();
    write(a, 'neck stiff after a long drive');
    sync(a.outer, b.outer);
    expect(texts(b.inner)).toEqual(['neck stiff after a long drive']);
    const stored = Buffer.from(Y.encodeStateAsUpdate(a.outer));
    expect(stored.includes(Buffer.from('long drive'))).toBe(false);
    expect(b.binding.stats().rejected).toEqual([]);
  });

  it('seals a local change once after receiving, on every signature path', async () => {
    for (const path of SIGNATURE_PATHS) {
      usePath(path);
      const { a, b } = setup();
      for (let i = 0; i < 5; i++) write(a, `from a ${i}`);
      sync(a.outer, b.outer);
      await settleAll();
      expect(texts(b.inner)).toHaveLength(5);
      const before = b.outer.getArray(OUTER_ARRAY).length;
      write(b, 'from b');
      expect(b.outer.getArray(OUTER_ARRAY).length).toBe(before + 1);
      sync(a.outer, b.outer);
      await settleAll();
      expect(texts(a.inner)).toContain('from b');
      expect(a.outer.getArray(OUTER_ARRAY).length).toBe(before + 1);
    }
    usePath('sync');
  });

  it('batches local updates into one envelope', async () => {
    const keyring = new MemoryKeyring().setKey(DOC, 0, randomBytes(32));
    const keys = deviceKeysFromSeed(newSeed());
    keyring.setRole(keys.signPublic, 'owner');
    const inner = new Y.Doc();
    const outer = new Y.Doc();
    const binding = new EncryptedDocBinding({
      docId: DOC,
      inner,
      outer,
      keyring,
      author: { ...keys, role: 'owner' },
      batchMs: 20,
    });
    for (let i = 0; i < 10; i++) {
      putNote(inner, keys.deviceId, { i });
    }
    // The first change left at once; the nine that followed within the window wait for its end.
    expect(outer.getArray(OUTER_ARRAY).length).toBe(1);
    expect(binding.stats().unsealed).toBe(9);
    await new Promise((r) => setTimeout(r, 60));
    expect(outer.getArray(OUTER_ARRAY).length).toBe(2);
    binding.destroy();
  });

  describe('instant single edits (issue 15)', () => {
    function device(batchMs: number) {
      const keyring = new MemoryKeyring().setKey(DOC, 0, randomBytes(32));
      const keys = deviceKeysFromSeed(newSeed());
      keyring.setRole(keys.signPublic, 'owner');
      const inner = new Y.Doc();
      const outer = new Y.Doc();
      const binding = new EncryptedDocBinding({
        docId: DOC,
        inner,
        outer,
        keyring,
        author: { ...keys, role: 'owner' },
        batchMs,
      });
      const put = (i: number) => putNote(inner, keys.deviceId, { i });
      return { outer, binding, put, sent: () => outer.getArray(OUTER_ARRAY).length };
    }

    it('a single edit leaves the device before the batch window ends', () => {
      const d = device(10_000);
      const t0 = Date.now();
      d.put(1);
      expect(d.sent()).toBe(1); // sealed and in the outer doc synchronously, within the edit
      expect(d.binding.stats().unsealed).toBe(0);
      expect(Date.now() - t0).toBeLessThan(10_000);
      d.binding.destroy();
    });

    it('a burst of typing is one envelope plus the first; a change after a quiet window is instant again', async () => {
      const d = device(40);
      for (let i = 0; i < 25; i++) d.put(i);
      expect(d.sent()).toBe(1);
      await new Promise((r) => setTimeout(r, 80));
      expect(d.sent()).toBe(2);
      await new Promise((r) => setTimeout(r, 60)); // quiet for a whole window
      d.put(99);
      expect(d.sent()).toBe(3);
      d.binding.destroy();
    });

    it('a local change is sealed before the page’s own listeners run, also after receiving', async () => {
      const { a, b } = setup();
      // The page re-reads the record on every change; it must not hold the edit back.
      const sentWhenPageRan: number[] = [];
      b.inner.on('update', () => sentWhenPageRan.push(b.outer.getArray(OUTER_ARRAY).length));
      write(b, 'before receiving');
      write(a, 'from a');
      sync(a.outer, b.outer); // b applies a's envelope (its listener must stay first)
      await settleAll();
      write(b, 'after receiving');
      expect(sentWhenPageRan).toEqual([1, 2, 3]);
    });
  });

  it('verifies envelopes that arrive together concurrently and applies them in arrival order', async () => {
    const { keyring, a } = setup();
    const e = write(a, 'v0');
    for (let i = 1; i <= 30; i++) putEntry(a.inner, { ...e, data: { text: `v${i}` } });
    const items = a.outer.getArray<Uint8Array>(OUTER_ARRAY).toArray();
    expect(items).toHaveLength(31);
    const rng = prng(7);
    let inFlight = 0;
    let most = 0;
    // Checks that finish in a random order: application must still follow arrival order.
    const slow = async (env: Envelope) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, Math.floor(rng() * 20)));
      inFlight--;
      return verifyEnvelopeSignatureAsync(env);
    };
    const keys = deviceKeysFromSeed(newSeed());
    keyring.setRole(keys.signPublic, 'owner');
    const outer = new Y.Doc();
    Y.applyUpdate(outer, Y.encodeStateAsUpdate(a.outer));
    const binding = new EncryptedDocBinding({
      docId: DOC,
      inner: new Y.Doc(),
      outer,
      keyring,
      author: { ...keys, role: 'owner' },
      validate: validateRecordUpdate,
      batchMs: 0,
      verifySignature: slow,
    });
    expect(binding.stats().applied).toBe(0); // nothing applied before its signature is checked
    await binding.settled();
    expect(most).toBe(31);
    expect(binding.stats().applied).toBe(31);
    expect(texts(binding.inner)).toEqual(['v30']);
    expect(binding.stats().rejected).toEqual([]);
  });

  describe.each(SIGNATURE_PATHS)('tamper (signatures: %s)', (path) => {
    beforeEach(() => usePath(path));
    afterEach(() => usePath('sync'));

    it('rejects flipped bits and leaves the record intact', async () => {
      const { a, b } = setup();
      write(a, 'first');
      sync(a.outer, b.outer);
      await settleAll();
      const good = a.outer.getArray<Uint8Array>(OUTER_ARRAY).get(0);
      let rejected = 0;
      for (const i of [5, 40, good.length - 70, good.length - 3]) {
        const bad = good.slice();
        bad[i]! ^= 0x10;
        pushRaw(a, bad);
        rejected++;
      }
      sync(a.outer, b.outer);
      await settleAll();
      expect(texts(b.inner)).toEqual(['first']);
      expect(b.binding.stats().rejected).toHaveLength(rejected);
    });

    it('rejects a replayed envelope', async () => {
      const { a, b } = setup();
      write(a, 'once');
      const first = a.outer.getArray<Uint8Array>(OUTER_ARRAY).get(0);
      sync(a.outer, b.outer);
      await settleAll();
      pushRaw(a, first.slice());
      sync(a.outer, b.outer);
      await settleAll();
      expect(b.binding.stats().rejected.map((r) => r.reason)).toEqual(['replay']);
      expect(texts(b.inner)).toEqual(['once']);
    });

    it('converges when envelopes arrive reordered', async () => {
      const { a, b } = setup();
      const e = write(a, 'v1');
      putEntry(a.inner, { ...e, data: { text: 'v2' } });
      write(a, 'other');
      const items = a.outer.getArray<Uint8Array>(OUTER_ARRAY).toArray();
      const reordered = new Y.Doc();
      const binding = new EncryptedDocBinding({
        docId: DOC,
        inner: new Y.Doc(),
        outer: reordered,
        keyring: (b.binding as unknown as { keyring: MemoryKeyring }).keyring,
        author: { ...b.keys, role: 'owner' },
        validate: validateRecordUpdate,
        batchMs: 0,
        verifySignature: verifier,
      });
      for (const item of [...items].reverse())
        reordered.getArray<Uint8Array>(OUTER_ARRAY).push([item]);
      await binding.settled();
      expect(texts(binding.inner)).toEqual(texts(a.inner));
      expect(binding.stats().rejected).toEqual([]);
    });

    it('rejects an entry written in someone else\u2019s name', async () => {
      const { keyring, a, b } = setup();
      const mallory = makeDevice('m', keyring, 'delegate');
      putEntry(mallory.inner, {
        id: newEntryId(mallory.keys.deviceId),
        type: 'note',
        at: new Date().toISOString(),
        author: { deviceId: a.keys.deviceId, role: 'owner' },
        data: { text: 'forged' },
        v: 1,
      });
      sync(mallory.outer, b.outer);
      await settleAll();
      expect(texts(b.inner)).toEqual([]);
      expect(b.binding.stats().rejected[0]?.reason).toBe('forbidden-change');
    });

    it("rejects a non-owner replacing or deleting another writer's entry", async () => {
      const { keyring, a, b } = setup();
      const e = write(a, 'patient wrote this');
      sync(a.outer, b.outer);
      await settleAll();
      const attacks: Array<(r: Device) => void> = [
        (r) =>
          putEntry(r.inner, {
            ...e,
            author: { deviceId: r.keys.deviceId, role: 'delegate' },
            data: { text: 'overwritten' },
          }),
        (r) => deleteEntry(r.inner, e.id, { deviceId: r.keys.deviceId, role: 'delegate' }, e.at),
        (r) => r.inner.getMap('entries').delete(e.id),
      ];
      for (const attack of attacks) {
        const relative = makeDevice('r', keyring, 'delegate');
        sync(a.outer, relative.outer);
        await settleAll();
        attack(relative);
        sync(relative.outer, b.outer);
        await settleAll();
      }
      expect(texts(b.inner)).toEqual(['patient wrote this']);
      expect(b.binding.stats().rejected.map((r) => r.reason)).toEqual([
        'forbidden-change',
        'forbidden-change',
        'forbidden-change',
      ]);
    });

    it('rejects envelopes of a device without a write grant, and snapshots by non-owners', async () => {
      const { keyring, a, b } = setup();
      const viewer = makeDevice('v', keyring, 'delegate');
      keyring.setRole(viewer.keys.signPublic, 'viewer');
      write(viewer, 'viewer writes');
      const delegate = makeDevice('d', keyring, 'delegate');
      write(delegate, 'fine');
      delegate.binding.compact(); // refused locally: not an owner
      const env = decodeEnvelope(delegate.outer.getArray<Uint8Array>(OUTER_ARRAY).get(0));
      if (isProtocolError(env)) throw new Error(env.message);
      const fakeSnapshot = sealEnvelopeBytes(
        {
          kind: 'snapshot',
          docId: DOC,
          epoch: 0,
          author: delegate.keys.signPublic,
          seq: 9,
          covers: new Map(),
        },
        keyring.key(DOC, 0)!,
        Y.encodeStateAsUpdate(delegate.inner),
        delegate.keys.signSecret,
      );
      pushRaw(delegate, fakeSnapshot);
      sync(viewer.outer, b.outer);
      await settleAll();
      sync(delegate.outer, b.outer);
      await settleAll();
      expect(texts(b.inner)).toEqual(['fine']);
      expect(
        b.binding
          .stats()
          .rejected.map((r) => r.reason)
          .sort(),
      ).toEqual(['not-a-writer', 'snapshot-not-owner']);
      void a;
    });

    it('defers an envelope of an unknown newer epoch and rejects one of a forgotten older epoch', async () => {
      const { keyring, a, b } = setup();
      const newKey = randomBytes(32);
      const future = sealEnvelopeBytes(
        {
          kind: 'update',
          docId: DOC,
          epoch: 1,
          author: a.keys.signPublic,
          seq: 50,
          covers: new Map(),
        },
        newKey,
        (() => {
          const d = new Y.Doc();
          putNote(d, a.keys.deviceId, { text: 'epoch one' });
          return Y.encodeStateAsUpdate(d);
        })(),
        a.keys.signSecret,
      );
      pushRaw(a, future);
      sync(a.outer, b.outer);
      await settleAll();
      expect(b.binding.stats().deferred).toBe(1);
      expect(texts(b.inner)).toEqual([]);
      keyring.setKey(DOC, 1, newKey);
      b.binding.retryDeferred();
      await settleAll();
      expect(texts(b.inner)).toEqual(['epoch one']);
      // An envelope that claims epoch 1 but was sealed with the epoch-0 key fails to open.
      const wrong = decodeEnvelope(future);
      if (isProtocolError(wrong)) throw new Error(wrong.message);
      const lying = sealEnvelopeBytes(
        { ...wrong, seq: 51 },
        keyring.key(DOC, 0)!,
        new Uint8Array([0, 0]),
        a.keys.signSecret,
      );
      const relabelled = decodeEnvelope(lying);
      if (isProtocolError(relabelled)) throw new Error(relabelled.message);
      pushRaw(a, encodeEnvelope({ ...relabelled, epoch: 1 }));
      sync(a.outer, b.outer);
      await settleAll();
      expect(b.binding.stats().rejected.map((r) => r.reason)).toEqual([
        'bad-signature-or-ciphertext',
      ]);
    });
  });

  describe('compaction', () => {
    it('replaces covered envelopes with one snapshot; a new device loads from it', () => {
      const keyring = new MemoryKeyring().setKey(DOC, 0, randomBytes(32));
      const a = makeDevice('a', keyring, 'owner', 20);
      const b = makeDevice('b', keyring, 'delegate');
      for (let i = 0; i < 15; i++) write(a, `a${i}`);
      for (let i = 0; i < 10; i++) write(b, `b${i}`);
      sync(a.outer, b.outer);
      write(a, 'trigger');
      const arr = a.outer.getArray<Uint8Array>(OUTER_ARRAY);
      expect(arr.length).toBe(1);
      const snap = decodeEnvelope(arr.get(0));
      if (isProtocolError(snap)) throw new Error(snap.message);
      expect(snap.kind).toBe('snapshot');
      expect(snap.covers.get(toHex(b.keys.signPublic))).toBe(10);
      sync(a.outer, b.outer);
      const c = makeDevice('c', keyring, 'owner');
      sync(a.outer, c.outer);
      expect(texts(c.inner)).toEqual(texts(a.inner));
      expect(texts(c.inner)).toHaveLength(26);
      // Inner state is never removed because outer items vanish.
      expect(texts(b.inner)).toEqual(texts(a.inner));
      // b keeps counting its seq past what the snapshot covers.
      write(b, 'after');
      sync(b.outer, c.outer);
      expect(c.binding.stats().rejected).toEqual([]);
      expect(texts(c.inner)).toContain('after');
    });
  });
});

describe('convergence (property)', () => {
  it.each(Array.from({ length: 40 }, (_, i) => i + 1))(
    'three devices with random edits, disconnects and compactions converge (seed %i)',
    (seed) => {
      const rand = prng(seed);
      const keyring = new MemoryKeyring().setKey(DOC, 0, randomBytes(32));
      const devices = [
        makeDevice('phone', keyring, 'owner', 12),
        makeDevice('laptop', keyring, 'owner', 12),
        makeDevice('relative', keyring, 'delegate'),
      ];
      const relay = new Y.Doc();
      const online = devices.map(() => rand() < 0.5);
      const mine = new Map<Device, Entry[]>(devices.map((d) => [d, []]));
      for (let step = 0; step < 120; step++) {
        const d = devices[Math.floor(rand() * devices.length)]!;
        const i = devices.indexOf(d);
        const r = rand();
        if (r < 0.45) {
          // Only owners edit or delete (THREAT_MODEL rule 2); the relative only adds entries.
          const own = d.role === 'owner' ? mine.get(d)! : [];
          if (own.length > 0 && rand() < 0.3) {
            const e = own[Math.floor(rand() * own.length)]!;
            putEntry(d.inner, { ...e, data: { text: `${e.id}-edit-${step}` } });
          } else if (own.length > 0 && rand() < 0.15) {
            const e = own.splice(Math.floor(rand() * own.length), 1)[0]!;
            deleteEntry(d.inner, e.id, e.author, new Date().toISOString());
          } else {
            mine.get(d)!.push(write(d, `${d.name}-${step}`, new Date(1e12 + step).toISOString()));
          }
        } else if (r < 0.8) {
          if (online[i]) sync(d.outer, relay);
        } else if (r < 0.95) {
          online[i] = !online[i];
        } else if (d.role === 'owner') {
          d.binding.compact();
        }
      }
      for (let round = 0; round < 2; round++) for (const d of devices) sync(d.outer, relay);
      const expected = JSON.stringify(listEntries(devices[0]!.inner));
      for (const d of devices) {
        expect(JSON.stringify(listEntries(d.inner))).toBe(expected);
        expect(d.binding.stats().rejected).toEqual([]);
        expect(d.binding.stats().gaps.size).toBe(0);
      }
      const fresh = makeDevice('fresh', keyring, 'owner');
      sync(relay, fresh.outer);
      expect(JSON.stringify(listEntries(fresh.inner))).toBe(expected);
    },
  );
});

describe('asynchronous signing (WebCrypto, issue 15)', () => {
  /** A signer whose signatures complete when the test says, in any order. */
  function heldSigner() {
    const held: Array<() => void> = [];
    const signer = (message: Uint8Array, secret: Uint8Array) =>
      new Promise<Uint8Array>((resolve) => held.push(() => resolve(sign(message, secret))));
    return { signer, held };
  }

  function device(
    signer: (m: Uint8Array, s: Uint8Array) => Uint8Array | Promise<Uint8Array>,
    batchMs = 0,
    keyring = new MemoryKeyring().setKey(DOC, 0, randomBytes(32)),
    keys = deviceKeysFromSeed(newSeed()),
    checkpoint?: Uint8Array,
    outer = new Y.Doc(),
  ) {
    keyring.setRole(keys.signPublic, 'owner');
    const inner = new Y.Doc();
    const binding = new EncryptedDocBinding({
      docId: DOC,
      inner,
      outer,
      keyring,
      author: { ...keys, role: 'owner' },
      validate: validateRecordUpdate,
      batchMs,
      sign: signer,
      ...(checkpoint ? { checkpoint } : {}),
    });
    const put = (text: string) => putNote(inner, keys.deviceId, { text });
    const seqs = () =>
      outer
        .getArray<Uint8Array>(OUTER_ARRAY)
        .toArray()
        .map((b) => decodeEnvelope(b))
        .map((e) => (isProtocolError(e) ? -1 : e.seq));
    return { keyring, keys, inner, outer, binding, put, seqs };
  }

  function reader(keyring: MemoryKeyring, outer: Y.Doc) {
    const inner = new Y.Doc();
    const keys = deviceKeysFromSeed(newSeed());
    keyring.setRole(keys.signPublic, 'owner');
    const binding = new EncryptedDocBinding({
      docId: DOC,
      inner,
      outer,
      keyring,
      author: { ...keys, role: 'owner' },
      validate: validateRecordUpdate,
      batchMs: 0,
    });
    return { inner, binding };
  }

  const until = async (ok: () => boolean) => {
    for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 2));
    expect(ok()).toBe(true);
  };

  it('takes the seq when sealing and appends in seq order when signatures complete out of order', async () => {
    const { signer, held } = heldSigner();
    const a = device(signer);
    a.put('one');
    a.put('two');
    a.put('three');
    expect(a.seqs()).toEqual([]);
    expect(a.binding.stats().unsealed).toBe(3); // not in the outer array yet
    held[2]!();
    await new Promise((r) => setTimeout(r, 0));
    expect(a.seqs()).toEqual([]); // the third waits for the first two
    held[0]!();
    await new Promise((r) => setTimeout(r, 0));
    expect(a.seqs()).toEqual([1]);
    held[1]!();
    await new Promise((r) => setTimeout(r, 0));
    expect(a.seqs()).toEqual([1, 2, 3]);
    expect(a.binding.stats().unsealed).toBe(0);
    const b = reader(a.keyring, new Y.Doc());
    sync(a.outer, b.binding.outer);
    expect(texts(b.inner)).toEqual(['one', 'three', 'two']);
    expect(b.binding.stats().rejected).toEqual([]);
    a.binding.destroy();
  });

  it('flush, a checkpoint and destroy sign what is in flight at once; a late signature adds nothing', async () => {
    const { signer, held } = heldSigner();
    const a = device(signer);
    a.put('one');
    a.put('two');
    a.binding.flush();
    expect(a.seqs()).toEqual([1, 2]); // signed synchronously, same rule and bytes
    for (const release of held) release();
    await new Promise((r) => setTimeout(r, 0));
    expect(a.seqs()).toEqual([1, 2]);

    a.put('three');
    expect(a.seqs()).toEqual([1, 2]);
    const checkpoint = a.binding.checkpoint();
    expect(a.seqs()).toEqual([1, 2, 3]); // a checkpoint never claims a seq not in the array
    a.put('four'); // in flight when the device closes
    a.binding.destroy();
    expect(a.seqs()).toEqual([1, 2, 3, 4]);
    for (const release of held) release();
    await new Promise((r) => setTimeout(r, 0));
    expect(a.seqs()).toEqual([1, 2, 3, 4]);

    const reopened = device(signer, 0, a.keyring, a.keys, checkpoint, a.outer);
    expect(texts(reopened.inner)).toEqual(['four', 'one', 'three', 'two']);
    expect(reopened.binding.stats().applied).toBe(1); // only the envelope after the checkpoint
    expect(reopened.binding.stats().rejected).toEqual([]);
    reopened.put('five');
    reopened.binding.flush();
    expect(reopened.seqs()).toEqual([1, 2, 3, 4, 5]);
    const b = reader(a.keyring, new Y.Doc());
    sync(a.outer, b.binding.outer);
    expect(texts(b.inner)).toEqual(['five', 'four', 'one', 'three', 'two']);
    expect(b.binding.stats().rejected).toEqual([]);
    reopened.binding.destroy();
  });

  it('with WebCrypto: a single edit leaves at once, a burst is batched, and the envelopes verify', async () => {
    usePath('webcrypto');
    const a = device(signEd25519Async, 40);
    for (let i = 0; i < 25; i++) a.put(`t${i}`);
    await until(() => a.seqs().length === 1);
    expect(a.binding.stats().unsealed).toBe(24); // the rest waits for the window
    await new Promise((r) => setTimeout(r, 80));
    await until(() => a.seqs().length === 2);
    await new Promise((r) => setTimeout(r, 60)); // quiet for a whole window
    const t0 = Date.now();
    a.put('after a pause');
    await until(() => a.seqs().length === 3);
    expect(Date.now() - t0).toBeLessThan(40);
    expect(a.seqs()).toEqual([1, 2, 3]);
    const b = reader(a.keyring, new Y.Doc());
    sync(a.outer, b.binding.outer);
    expect(texts(b.inner)).toHaveLength(26);
    expect(b.binding.stats().rejected).toEqual([]);
    a.binding.destroy();
    usePath('sync');
  });

  it('a receiver decrypts while the signature is checked, and applies nothing whose signature fails', async () => {
    usePath('webcrypto');
    const { a, b } = setup();
    write(a, 'genuine');
    const good = a.outer.getArray<Uint8Array>(OUTER_ARRAY).get(0);
    const env = decodeEnvelope(good);
    if (isProtocolError(env)) throw new Error('bad fixture');
    // The ciphertext decrypts under the epoch key; only the signature is wrong.
    const forged = encodeEnvelope({ ...env, signature: randomBytes(64) });
    pushRaw(b, forged);
    await settleAll();
    expect(texts(b.inner)).toEqual([]);
    expect(b.binding.stats().rejected.map((r) => r.reason)).toEqual([
      'bad-signature-or-ciphertext',
    ]);
    sync(a.outer, b.outer);
    await settleAll();
    expect(texts(b.inner)).toEqual(['genuine']);
    usePath('sync');
  });

  it('seals nothing while a newer manifest is awaited, and the checkpoint keeps the change', async () => {
    const a = device(signEd25519Async);
    a.keyring.setVersion(5).sawManifestVersion(6);
    a.put('waits for manifest 6');
    await new Promise((r) => setTimeout(r, 10));
    expect(a.seqs()).toEqual([]);
    expect(a.binding.stats().unsealed).toBe(1);
    const checkpoint = a.binding.checkpoint();
    const reopened = device(signEd25519Async, 0, a.keyring, a.keys, checkpoint);
    expect(reopened.binding.stats().unsealed).toBe(1);
    reopened.binding.destroy();
    a.keyring.setVersion(6);
    a.binding.retryDeferred();
    expect(a.seqs()).toEqual([1]);
    a.binding.destroy();
  });
});

describe('checkpoints', () => {
  it('reopen from a checkpoint verifies only envelopes that came after it', () => {
    const keyring = new MemoryKeyring().setKey(DOC, 0, randomBytes(32));
    const a = makeDevice('a', keyring);
    for (let i = 0; i < 5; i++) write(a, `e${i}`);
    const checkpoint = a.binding.checkpoint();
    write(a, 'after checkpoint');
    const reopened = new EncryptedDocBinding({
      docId: DOC,
      inner: new Y.Doc(),
      outer: a.outer,
      keyring,
      author: { ...a.keys, role: 'owner' },
      validate: validateRecordUpdate,
      batchMs: 0,
      checkpoint,
    });
    expect(texts(reopened.inner)).toEqual(texts(a.inner));
    expect(reopened.stats().applied).toBe(1);
    expect(reopened.stats().rejected).toEqual([]);
    // A replayed copy of a checkpointed envelope is still caught.
    pushRaw(a, a.outer.getArray<Uint8Array>(OUTER_ARRAY).get(0).slice());
    expect(reopened.stats().rejected.map((r) => r.reason)).toEqual(['replay']);
    // The device continues its own seq after the checkpoint.
    reopened.destroy();
  });

  it('ignores a damaged checkpoint and verifies everything', () => {
    const keyring = new MemoryKeyring().setKey(DOC, 0, randomBytes(32));
    const a = makeDevice('a', keyring);
    write(a, 'x');
    const b = new EncryptedDocBinding({
      docId: DOC,
      inner: new Y.Doc(),
      outer: a.outer,
      keyring,
      author: { ...a.keys, role: 'owner' },
      batchMs: 0,
      checkpoint: new Uint8Array([1, 200, 3]),
    });
    expect(texts(b.inner)).toEqual(['x']);
    expect(b.stats().applied).toBe(1);
  });
});

describe('a relay that withholds a new manifest cannot keep a device writing under the old key (rule 6)', () => {
  /** Two owner devices that hold epoch 0; the phone has moved on to epoch 1 (a revocation). */
  function rotated() {
    const old = randomBytes(32);
    const fresh = randomBytes(32);
    const phoneRing = new MemoryKeyring().setKey(DOC, 0, old).setKey(DOC, 1, fresh);
    const laptopRing = new MemoryKeyring().setKey(DOC, 0, old);
    const phone = makeDevice('phone', phoneRing);
    const laptop = makeDevice('laptop', laptopRing);
    phoneRing.setRole(laptop.keys.signPublic, 'owner');
    laptopRing.setRole(phone.keys.signPublic, 'owner');
    return { old, fresh, phoneRing, laptopRing, phone, laptop };
  }

  const epochsBy = (d: Device, author: Device) =>
    d.outer
      .getArray<Uint8Array>(OUTER_ARRAY)
      .toArray()
      .map((b) => decodeEnvelope(b))
      .filter((e) => !isProtocolError(e) && toHex(e.author) === toHex(author.keys.signPublic))
      .map((e) => (isProtocolError(e) ? -1 : e.epoch));

  it('stops sealing once an owner’s envelope of a newer epoch arrives, and resumes under the new key', () => {
    const { fresh, laptopRing, phone, laptop } = rotated();
    write(phone, 'after the revocation');
    sync(phone.outer, laptop.outer);
    expect(laptop.binding.stats().awaitingEpoch).toBe(1);

    write(laptop, 'typed on the laptop while the relay withholds the manifest');
    expect(epochsBy(laptop, laptop)).toEqual([]); // nothing sealed under epoch 0
    expect(laptop.binding.stats().unsealed).toBe(1);

    // The checkpoint keeps the waiting change, so a reload does not lose it.
    const checkpoint = laptop.binding.checkpoint();
    const reopened = new EncryptedDocBinding({
      docId: DOC,
      inner: new Y.Doc(),
      outer: new Y.Doc(),
      keyring: laptopRing,
      author: { ...laptop.keys, role: 'owner' },
      validate: validateRecordUpdate,
      batchMs: 0,
      checkpoint,
    });
    expect(reopened.stats().unsealed).toBe(1);
    reopened.destroy();

    laptopRing.setKey(DOC, 1, fresh); // the newer manifest arrived
    laptop.binding.retryDeferred();
    expect(laptop.binding.stats().awaitingEpoch).toBeNull();
    expect(epochsBy(laptop, laptop)).toEqual([1]);
    sync(laptop.outer, phone.outer);
    expect(texts(phone.inner)).toEqual([
      'after the revocation',
      'typed on the laptop while the relay withholds the manifest',
    ]);
  });

  it('a writer who may not rotate keys cannot freeze anyone with an envelope of a made-up epoch', () => {
    const key = randomBytes(32);
    const patientRing = new MemoryKeyring().setKey(DOC, 0, key);
    const patient = makeDevice('patient', patientRing);
    const physio = makeDevice('physio', new MemoryKeyring().setKey(DOC, 7, randomBytes(32)));
    patientRing.setRole(physio.keys.signPublic, 'professional');
    write(physio, 'note under an epoch nobody made');
    sync(physio.outer, patient.outer);
    expect(patient.binding.stats().awaitingEpoch).toBeNull();
    write(patient, 'still writing');
    expect(epochsBy(patient, patient)).toEqual([0]);
  });

  it('a forged envelope of a newer epoch (bad signature) does not stop writing', () => {
    const { phone, laptop } = rotated();
    write(phone, 'real');
    const bytes = phone.outer.getArray<Uint8Array>(OUTER_ARRAY).get(0);
    const env = decodeEnvelope(bytes);
    if (isProtocolError(env)) throw new Error('bad fixture');
    pushRaw(laptop, encodeEnvelope({ ...env, seq: env.seq + 5, signature: randomBytes(64) }));
    expect(laptop.binding.stats().awaitingEpoch).toBeNull();
  });
});

describe('a newer manifest version in a signed envelope holds writing back (rule 6)', () => {
  it('waits in every compartment until the keyring holds that version, then seals under it', () => {
    const key = randomBytes(32);
    const phoneRing = new MemoryKeyring().setKey(DOC, 0, key).setVersion(6);
    const laptopRing = new MemoryKeyring().setKey(DOC, 0, key).setVersion(5);
    const phone = makeDevice('phone', phoneRing);
    const laptop = makeDevice('laptop', laptopRing);
    phoneRing.setRole(laptop.keys.signPublic, 'owner');
    laptopRing.setRole(phone.keys.signPublic, 'owner');
    write(phone, 'written under manifest 6');
    sync(phone.outer, laptop.outer);
    expect(texts(laptop.inner)).toEqual(['written under manifest 6']);
    expect(laptop.binding.stats().awaitingManifest).toBe(6);
    write(laptop, 'waits for manifest 6');
    const sealed = () =>
      laptop.outer
        .getArray<Uint8Array>(OUTER_ARRAY)
        .toArray()
        .map((b) => decodeEnvelope(b))
        .filter((e) => !isProtocolError(e) && toHex(e.author) === toHex(laptop.keys.signPublic));
    expect(sealed()).toEqual([]);
    laptopRing.setVersion(6);
    laptop.binding.retryDeferred();
    expect(sealed().map((e) => (isProtocolError(e) ? null : e.manifestVersion))).toEqual([6]);
    expect(laptop.binding.stats().awaitingManifest).toBeNull();
  });

  it('ignores the version claimed by a device that may not change sharing', () => {
    const key = randomBytes(32);
    const patientRing = new MemoryKeyring().setKey(DOC, 0, key).setVersion(3);
    const physioRing = new MemoryKeyring().setKey(DOC, 0, key).setVersion(99);
    const patient = makeDevice('patient', patientRing);
    const physio = makeDevice('physio', physioRing, 'professional');
    patientRing.setRole(physio.keys.signPublic, 'professional');
    write(physio, 'a note');
    sync(physio.outer, patient.outer);
    expect(patient.binding.stats().awaitingManifest).toBeNull();
  });
});
