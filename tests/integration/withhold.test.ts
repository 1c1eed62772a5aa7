import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordSession, completeLink, startLink } from '../../src/lib/app/record-session';
import { Workspace } from '../../src/lib/app/workspace';
import { decodeEnvelope, isProtocolError, toHex } from '../../src/lib/core/sync/protocol';
import { OUTER_ARRAY } from '../../src/lib/core/sync/binding';
import { PAIN_CHECKIN } from '../../src/lib/core/record/index';
import { deviceOpts, PASS, PHYSIO_PROFILE, startTestRelay, waitFor } from './helpers';

/**
 * THREAT_MODEL rule 6: a relay that withholds the manifest written by a revocation cannot keep
 * another of the patient's devices writing under the key the revoked professional still holds.
 *
 * The laptop reaches the same relay under another spelling of its address (`127.1`, which URL
 * parsing turns into 127.0.0.1), so this test can make the relay withhold manifests from the
 * laptop alone: every manifest request from it is answered with the first manifest it saw.
 */

let relay: Awaited<ReturnType<typeof startTestRelay>>;
const realFetch = globalThis.fetch;
let withholding = false;
let stale: ArrayBuffer | null = null;

beforeAll(async () => {
  relay = await startTestRelay();
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const viaLaptop = url.startsWith('http://127.1:');
    const isManifestGet = /\/manifest$/.test(url) && (init?.method ?? 'GET') === 'GET';
    if (viaLaptop && isManifestGet && withholding && stale) {
      return new Response(stale.slice(0), {
        status: 200,
        headers: { 'content-type': 'application/octet-stream' },
      });
    }
    const res = await realFetch(input, init);
    if (viaLaptop && isManifestGet && res.ok && !withholding)
      stale = await res.clone().arrayBuffer();
    return res;
  };
});
afterAll(async () => {
  globalThis.fetch = realFetch;
  await relay.relay.close();
});

function envelopesBy(session: RecordSession, author: Uint8Array) {
  const outer = session.compartment('clinical')!.outer;
  return outer
    .getArray<Uint8Array>(OUTER_ARRAY)
    .toArray()
    .map((b) => decodeEnvelope(b))
    .filter((e) => !isProtocolError(e) && toHex(e.author) === toHex(author))
    .map((e) => (isProtocolError(e) ? -1 : e.epoch));
}

describe('revocation that a relay cannot freeze', () => {
  it('the laptop stops writing under the old key and says so until it has the new manifest', async () => {
    const url = relay.relay.url;
    const laptopUrl = url.replace('127.0.0.1', '127.1');
    const { session: phone } = await RecordSession.create(PASS, url, deviceOpts('-wh-phone'));
    const pending = startLink(laptopUrl);
    expect(await completeLink(pending, PASS, deviceOpts('-wh-laptop'))).toBeNull();
    await phone.approveLink(pending.request);
    const laptop = await completeLink(pending, PASS, deviceOpts('-wh-laptop'));
    if (!laptop) throw new Error('link did not complete');

    const ws = await Workspace.create(PHYSIO_PROFILE, PASS, deviceOpts('-wh-physio'));
    const { invite, code } = phone.createInvite();
    await ws.acceptInvite(code);
    const answer = await phone.takeInviteAnswer(invite);
    if (!answer) throw new Error('no answer');
    await phone.grant(answer, {
      role: 'professional',
      compartments: ['clinical'],
      notAfter: null,
      manage: false,
    });
    await laptop.refreshManifest();
    laptop.write('pain-checkin', { scores: { back: 4 }, note: 'before' });
    await laptop.settled();
    await phone.settled();
    const oldEpoch = laptop.currentManifest.compartments.find((c) => c.name === 'clinical')!.epoch;

    // The relay withholds every newer manifest from the laptop from now on.
    withholding = true;
    const phoneKey = phone.currentManifest.grantees.find((g) => g.role === 'owner')!.deviceKey;
    const physioKey = phone.accessList().find((r) => r.role === 'professional')!.device;
    await phone.revoke([physioKey]);
    await phone.settled();
    const newEpoch = phone.currentManifest.compartments.find((c) => c.name === 'clinical')!.epoch;
    expect(newEpoch).toBe(oldEpoch + 1);

    // The phone's snapshot under the new epoch reaches the laptop over the socket.
    await waitFor(
      async () => laptop.compartment('clinical')!.binding.stats().awaitingEpoch !== null,
    );
    const laptopKey = laptop.currentManifest.grantees.find(
      (g) => g.role === 'owner' && toHex(g.deviceKey) !== toHex(phoneKey),
    )!.deviceKey;
    const sealedBefore = envelopesBy(laptop, laptopKey);
    expect(sealedBefore.every((e) => e === oldEpoch)).toBe(true);
    laptop.write('pain-checkin', {
      scores: { back: 6 },
      note: 'written while the relay withholds',
    });
    await new Promise((r) => setTimeout(r, 300));
    await laptop.refreshManifest(); // the relay still answers with the old manifest
    const own = laptop.compartment('clinical')!.binding;
    expect(own.stats().unsealed).toBeGreaterThan(0);
    expect(envelopesBy(laptop, laptopKey)).toEqual(sealedBefore); // nothing sealed under the old key
    expect(laptop.syncState()).toMatchObject({ state: 'problem', problem: 'awaiting-manifest' });
    // Nothing new from the laptop under the old epoch on the relay: the phone sees none either.
    await new Promise((r) => setTimeout(r, 200));
    const phoneSide = phone
      .entries('clinical', PAIN_CHECKIN)
      .map((e) => (e.data as { note?: string }).note);
    expect(phoneSide).not.toContain('written while the relay withholds');

    // The relay stops withholding: the laptop adopts the manifest, seals under the new key.
    withholding = false;
    await laptop.refreshManifest();
    await laptop.settled();
    await waitFor(async () =>
      phone
        .entries('clinical', PAIN_CHECKIN)
        .some((e) => (e.data as { note?: string }).note === 'written while the relay withholds'),
    );
    expect(envelopesBy(laptop, laptopKey).slice(sealedBefore.length)).toEqual([newEpoch]);
    expect(laptop.syncState().state).not.toBe('problem');
    await Promise.all([phone.close(), laptop.close(), ws.close()]);
  }, 60_000);

  it('the relay tells the other devices a manifest changed; they have it within 2 s', async () => {
    const url = relay.relay.url;
    const { session: phone } = await RecordSession.create(PASS, url, deviceOpts('-nt-phone'));
    const pending = startLink(url);
    expect(await completeLink(pending, PASS, deviceOpts('-nt-laptop'))).toBeNull();
    await phone.approveLink(pending.request);
    const laptop = await completeLink(pending, PASS, deviceOpts('-nt-laptop'));
    if (!laptop) throw new Error('link did not complete');
    await laptop.settled();
    await phone.settled();
    const ws = await Workspace.create(PHYSIO_PROFILE, PASS, deviceOpts('-nt-physio'));
    const { invite, code } = phone.createInvite();
    await ws.acceptInvite(code);
    const answer = await phone.takeInviteAnswer(invite);
    if (!answer) throw new Error('no answer');
    const before = laptop.currentManifest.version;
    const started = Date.now();
    await phone.grant(answer, {
      role: 'professional',
      compartments: ['clinical'],
      notAfter: null,
      manage: false,
    });
    // No poll and no refresh call: only the relay's notice makes the laptop fetch it.
    await waitFor(() => laptop.currentManifest.version > before, 2_000);
    expect(Date.now() - started).toBeLessThan(2_000 + 500);
    expect(laptop.currentManifest.version).toBe(phone.currentManifest.version);
    await Promise.all([phone.close(), laptop.close(), ws.close()]);
  }, 60_000);
});
