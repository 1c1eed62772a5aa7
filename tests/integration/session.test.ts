import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordSession, completeLink, startLink } from '../../src/lib/app/record-session';
import {
  dumpIndexedDb,
  readAllFiles,
  recordingWebSocket,
  startTestRelay,
  waitFor,
} from './helpers';

const fast = { alg: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;
const CANARY = 'CANARY-stiff-neck-7f3a9c';
const PASS = 'correct horse battery staple';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
const frames: Buffer[] = [];
const WS = recordingWebSocket(frames);
const opts = (namespace: string) => ({ kdf: fast, WebSocketPolyfill: WS, namespace, batchMs: 10 });

beforeAll(async () => {
  relay = await startTestRelay();
});
afterAll(async () => {
  await relay.relay.close();
});

function notes(s: RecordSession): string[] {
  return s.entries('clinical').map((e) => (e.data as { note?: string }).note ?? '');
}

describe('a record across the patient’s devices, through the real relay', () => {
  it('links a second device, syncs a check-in, restores on a third, and leaks no plaintext', async () => {
    const { session: phone, recoveryCode } = await RecordSession.create(
      PASS,
      relay.relay.url,
      opts('-phone'),
    );
    phone.addPainCheckIn({ scores: { neck: 6 }, note: CANARY });
    await phone.settled();
    expect(phone.syncState()).toEqual({ state: 'synced' });

    // Link a laptop through the mailbox.
    const pending = startLink(relay.relay.url);
    expect(await completeLink(pending, PASS, opts('-laptop'))).toBeNull();
    await phone.approveLink(pending.request);
    const laptop = await completeLink(pending, PASS, opts('-laptop'));
    if (!laptop) throw new Error('link did not complete');
    await waitFor(() => notes(laptop).includes(CANARY));
    expect(laptop.entries('clinical')[0]?.author.deviceId).toBe(phone.device.deviceId);

    // The laptop writes; the phone sees it.
    laptop.addPainCheckIn({ scores: { back: 2 }, note: 'from the laptop' });
    await laptop.settled();
    await waitFor(() => notes(phone).includes('from the laptop'));

    // Restore on a spare device from the recovery kit.
    const spare = await RecordSession.restore(recoveryCode, PASS, relay.relay.url, opts('-spare'));
    await waitFor(() => notes(spare).includes(CANARY) && notes(spare).includes('from the laptop'));

    // Unlock again from local storage: wrong passphrase refused, right one opens offline data.
    await phone.close();
    expect(await RecordSession.unlock('not the passphrase', opts('-phone'))).toBeNull();
    const again = await RecordSession.unlock(PASS, opts('-phone'));
    expect(again && notes(again)).toContain(CANARY);

    // Canary: the marker never reached the relay's files, logs, frames, or IndexedDB.
    const needle = Buffer.from(CANARY);
    expect(readAllFiles(relay.dataDir).includes(needle)).toBe(false);
    expect(relay.logs.join('\n').includes(CANARY)).toBe(false);
    expect(frames.length).toBeGreaterThan(10);
    expect(frames.some((f) => f.includes(needle))).toBe(false);
    const idb = await dumpIndexedDb();
    expect(idb.length).toBeGreaterThan(1000);
    expect(idb.includes(needle)).toBe(false);

    for (const s of [again, laptop, spare]) await s?.close();
  });

  it('refuses a wrong recovery code clearly and changes nothing', async () => {
    await expect(
      RecordSession.restore('AAAA-BBBB', PASS, relay.relay.url, opts('-bad')),
    ).rejects.toMatchObject({ code: 'length' });
  });
});

describe('questionnaires, drafts and device-local state', () => {
  it('saves a scorable questionnaire, refuses one that is not, and keeps drafts encrypted', async () => {
    const { session } = await RecordSession.create(PASS, relay.relay.url, opts('-forms'));
    const entry = session.addQuestionnaire({
      instrument: 'startback',
      answers: [1, 0, 0, 0, 1, 1, 1, 1, 4],
    });
    expect(session.entries('clinical', 'questionnaire').map((e) => e.id)).toEqual([entry.id]);
    expect(() =>
      session.addQuestionnaire({
        instrument: 'startback',
        answers: [1, 0, 0, 0, 1, 1, 1, 1, null],
      }),
    ).toThrow(/cannot be scored/);
    expect(() => session.addQuestionnaire({ instrument: 'odi', answers: [9] })).toThrow();
    expect(session.entries('clinical', 'questionnaire')).toHaveLength(1);

    const draft = { answers: [1, null, 0], note: CANARY };
    await session.saveLocal('draft:startback', draft);
    expect(await session.loadLocal('draft:startback')).toEqual(draft);
    expect((await dumpIndexedDb()).includes(Buffer.from(CANARY))).toBe(false);
    await session.close();

    // Survives a reload (a new unlock), and clears.
    const again = await RecordSession.unlock(PASS, opts('-forms'));
    if (!again) throw new Error('unlock failed');
    expect(await again.loadLocal('draft:startback')).toEqual(draft);
    await again.clearLocal('draft:startback');
    expect(await again.loadLocal('draft:startback')).toBeUndefined();
    await again.close();
  });
});
