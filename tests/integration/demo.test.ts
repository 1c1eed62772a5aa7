import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import {
  collectDemo,
  createDemoRecord,
  DEMO_FLAG,
  DEMO_PASSPHRASE,
} from '../../src/lib/app/demo/index';
import { RecordSession } from '../../src/lib/app/record-session';
import { Workspace } from '../../src/lib/app/workspace';
import { deviceOpts, useTestRelay } from './helpers';

const opts = deviceOpts('-demo-test');

const relay = useTestRelay();

/** Fields that are fresh random ids or keys on every run. */
const RANDOM = new Set(['ref', 'blobId', 'key', 'target', 'goal', 'item', 'appointment']);

describe('the demo record, built through the real relay', () => {
  it('holds the same material as the collected demo, with real authors, and leaves no simulated devices behind', async () => {
    const now = new Date('2026-11-30T12:00:00Z');
    const steps: string[] = [];
    const patient = await createDemoRecord(relay.relay.url, opts, (s) => steps.push(s), now);
    expect(steps).toEqual(['record', 'people', 'entries', 'sync', 'done']);
    const expected = collectDemo(now);
    for (const [compartment, entries] of expected) {
      const got = patient.entries(compartment).filter((e) => e.type !== 'access');
      expect(got.map((e) => [e.type, e.at, e.author.role]).sort()).toEqual(
        entries.map((e) => [e.type, e.at, e.author.role]).sort(),
      );
    }
    const note = patient.entries('clinical', 'note')[0]!;
    expect(note.author).toMatchObject({ role: 'professional', name: 'Ana Jensen (demo)' });
    const rows = patient
      .accessList()
      .map((r) => r.person?.name)
      .sort();
    expect(rows).toEqual(['Ana Jensen (demo)', 'Maja (demo)']);
    expect(await patient.loadLocal(DEMO_FLAG)).toBe(true);
    // The simulated professional's and relative's devices are gone from this machine.
    expect(await Workspace.exists({ namespace: '-demo-test-demo-professional' })).toBe(false);
    expect(await Workspace.exists({ namespace: '-demo-test-demo-relative' })).toBe(false);
    await patient.close();
    // The demo opens again with its stated passphrase.
    const again = await RecordSession.unlock(DEMO_PASSPHRASE, opts);
    expect(again?.entries('clinical').filter((e) => e.type !== 'access').length).toBe(
      expected.get('clinical')!.length,
    );
    await again?.close();
  }, 60_000);

  it('is the same demo for the same seed and spans six months', () => {
    const now = new Date('2026-11-30T12:00:00Z');
    const a = collectDemo(now);
    const b = collectDemo(now);
    const strip = (m: typeof a) =>
      [...m.values()]
        .flat()
        .map((e) => [
          e.type,
          e.at,
          JSON.stringify(e.data, (k, v: unknown) => (RANDOM.has(k) ? '' : v)),
        ])
        // Entries at the same time are listed by their (random) ids: compare as a set.
        .map((row) => row.join('|'))
        .sort();
    expect(strip(a)).toEqual(strip(b));
    const times = [...a.values()].flat().map((e) => Date.parse(e.at));
    const span = (Math.max(...times) - Math.min(...times)) / 86_400_000;
    expect(span).toBeGreaterThan(170);
    expect(a.get('clinical')!.filter((e) => e.type === 'pain-checkin').length).toBeGreaterThan(60);
  });
});
