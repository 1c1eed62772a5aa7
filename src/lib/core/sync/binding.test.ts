import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import {
  deviceKeysFromSeed,
  newSeed,
  randomBytes,
  verifyEnvelopeSignatureAsync,
} from '../crypto/index';
import {
  deleteEntry,
  listEntries,
  putEntry,
  validateRecordUpdate,
  type Entry,
} from '../record/index';
import { OUTER_ARRAY } from './binding';
import {
  DOC,
  SIGNATURE_PATHS,
  usePath,
  settleAll,
  type Device,
  makeDevice,
  ownerBinding,
  sync,
  putNote,
  write,
  texts,
  setup,
} from './binding.testing';
import { MemoryKeyring } from './keyring';
import { decodeEnvelope, isProtocolError, toHex, type Envelope } from './protocol';
import { prng } from '../prng';

/** The binding end to end: sealing and batching local changes, receiving, compaction, convergence. */

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
    const binding = ownerBinding(keyring, keys, { inner, outer, batchMs: 20 });
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
      const binding = ownerBinding(keyring, keys, { inner, outer, batchMs });
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
    const binding = ownerBinding(keyring, keys, {
      outer,
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
