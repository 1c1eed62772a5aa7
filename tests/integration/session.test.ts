import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordSession, completeLink, startLink } from '../../src/lib/app/record-session';
import { DEFAULT_KDF, LEGACY_KDF, parseRecoveryCode } from '../../src/lib/core/crypto/index';
import { legacyKit } from '../../src/lib/core/crypto/testing';
import { toHex } from '../../src/lib/core/sync/protocol';
import { DeviceStore } from '../../src/lib/platform/vault-db';
import {
  getRecoveryBlob,
  getRecoveryBlobByLocator,
  putRecoveryBlob,
} from '../../src/lib/platform/relay-http';
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
    phone.write('pain-checkin', { scores: { neck: 6 }, note: CANARY });
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
    laptop.write('pain-checkin', { scores: { back: 2 }, note: 'from the laptop' });
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
    expect(await new DeviceStore('-bad').readVault()).toBeNull();
  });

  it('restores from a short kit found by its locator, and refuses a mistyped one', async () => {
    const { session, recoveryCode } = await RecordSession.create(
      PASS,
      relay.relay.url,
      opts('-kit'),
    );
    await session.settled();
    const chars = recoveryCode.replace(/-/g, '').split('');
    expect(chars.length).toBeLessThanOrEqual(32);
    const i = chars.findIndex((c, k) => c !== chars[k + 1]);
    [chars[i], chars[i + 1]] = [chars[i + 1]!, chars[i]!];
    await expect(
      RecordSession.restore(chars.join(''), PASS, relay.relay.url, opts('-kit-typo')),
    ).rejects.toMatchObject({ code: 'checksum' });
    const parsed = parseRecoveryCode(recoveryCode);
    if ('error' in parsed || parsed.format !== 2) throw new Error('not a format-2 kit');
    // The relay keeps the blob under the locator, not the record id.
    expect(await getRecoveryBlob(relay.relay.url, session.recordId)).toBeNull();
    expect(await getRecoveryBlobByLocator(relay.relay.url, parsed.locator)).not.toBeNull();
    const spare = await RecordSession.restore(
      recoveryCode.toLowerCase(),
      PASS,
      relay.relay.url,
      opts('-kit-spare'),
    );
    expect(spare.recordId).toBe(session.recordId);
    expect(relay.logs.join('\n')).not.toContain(parsed.locator);
    await spare.close();
    await session.close();
  });

  it('restores from a format-1 (80-character) kit, looked up by record id', async () => {
    const { session } = await RecordSession.create(PASS, relay.relay.url, opts('-legacy'));
    await session.settled();
    const old = legacyKit(session.root!);
    // What the app uploaded before format 2: the blob by record id, with an owner proof.
    await putRecoveryBlob(relay.relay.url, session.recordId, old.blob, session.device);
    const spare = await RecordSession.restore(old.code, PASS, relay.relay.url, opts('-legacy-2'));
    expect(spare.recordId).toBe(session.recordId);
    expect(spare.root && toHex(spare.root.signPublic)).toBe(toHex(session.root!.signPublic));
    await spare.close();
    await session.close();
  });
});

describe('a local change reaches the relay before the page hears of it', () => {
  it('tells the listeners after the envelope has been sent, not while its signature is made', async () => {
    const sent: Buffer[] = [];
    const { session } = await RecordSession.create(PASS, relay.relay.url, {
      ...opts('-notify-order'),
      WebSocketPolyfill: recordingWebSocket(sent),
    });
    await session.settled();
    await new Promise((r) => setTimeout(r, 30)); // past the batch window: a single edit
    // Frames big enough to carry an envelope (a check-in's is about 500 bytes).
    const envelopesSent = () => sent.filter((f) => f.length > 300).length;
    const before = envelopesSent();
    const told: number[] = [];
    session.subscribe(() => told.push(envelopesSent() - before));
    session.write('pain-checkin', { scores: { back: 4 } });
    // WebCrypto is still making the signature: the page (which would now re-read the record and
    // render) is told nothing yet, so it cannot hold the envelope back.
    expect(told).toEqual([]);
    await waitFor(() => told.length > 0);
    expect(told[0]).toBe(1);
    await session.settled();
    expect(session.entries('clinical').length).toBe(1);
    await session.close();
  });
});

describe('passphrase vault upgrade', () => {
  it('re-wraps a vault written with scrypt N=2^15 at the next unlock, in one write', async () => {
    // The vault as the previous version wrote it: the real create path with the old settings.
    const legacy = { ...opts('-upgrade'), kdf: LEGACY_KDF };
    const { session } = await RecordSession.create(PASS, relay.relay.url, legacy);
    await session.settled();
    await session.close();
    const store = new DeviceStore('-upgrade');
    const before = (await store.readVault())!;
    expect(before.keychain.kdf).toMatchObject(LEGACY_KDF);

    // A wrong passphrase changes nothing.
    const current = { ...opts('-upgrade'), kdf: undefined };
    expect(await RecordSession.unlock('not the passphrase', current)).toBeNull();
    expect((await store.readVault())!.keychain).toEqual(before.keychain);

    // The record opens with the old wrapping; the new one is written once it is open.
    const unlocked = await RecordSession.unlock(PASS, current);
    expect(unlocked?.recordId).toBe(session.recordId);
    await waitFor(async () => (await store.readVault())!.keychain.kdf.alg === 'argon2id', 30_000);
    await unlocked!.close();
    const after = (await store.readVault())!;
    expect(after.keychain.kdf).toMatchObject(DEFAULT_KDF);
    expect({ ...after, keychain: null }).toEqual({ ...before, keychain: null });

    // Either state a crash could leave opens: the old row (write not committed) and the new one.
    await store.writeVault(before);
    const fromOld = await RecordSession.unlock(PASS, { ...current, kdf: LEGACY_KDF });
    expect(fromOld?.recordId).toBe(session.recordId);
    await fromOld!.close();
    await store.writeVault(after);
    const fromNew = await RecordSession.unlock(PASS, current);
    expect(fromNew?.recordId).toBe(session.recordId);
    await fromNew!.close();
    await new Promise((r) => setTimeout(r, 200));
    // Settings at the minimum are not wrapped again.
    expect((await store.readVault())!.keychain).toEqual(after.keychain);
    store.close();
  }, 60_000);
});

describe('questionnaires, drafts and device-local state', () => {
  it('saves a scorable questionnaire, refuses one that is not, and keeps drafts encrypted', async () => {
    const { session } = await RecordSession.create(PASS, relay.relay.url, opts('-forms'));
    const entry = session.write('questionnaire', {
      instrument: 'startback',
      answers: [1, 0, 0, 0, 1, 1, 1, 1, 4],
    });
    expect(session.entries('clinical', 'questionnaire').map((e) => e.id)).toEqual([entry.id]);
    expect(() =>
      session.write('questionnaire', {
        instrument: 'startback',
        answers: [1, 0, 0, 0, 1, 1, 1, 1, null],
      }),
    ).toThrow(/cannot be scored/);
    expect(() => session.write('questionnaire', { instrument: 'odi', answers: [9] })).toThrow();
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
