import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { RecordSession, completeLink, startLink } from '../../src/lib/app/record-session';
import { Workspace, WorkspaceError } from '../../src/lib/app/workspace';
import { deviceFingerprint, deviceKeysFromSeed, newSeed } from '../../src/lib/core/crypto/index';
import {
  AlteredCodeError,
  encodeContactCode,
  encodeInviteCode,
  encodeLinkCode,
  inviteMailbox,
  parseContactCode,
  parseInviteCode,
  parseLinkCode,
  signInvite,
  type Profile,
} from '../../src/lib/core/sharing/index';
import { getManifest } from '../../src/lib/platform/relay-http';
import { deviceOpts, PASS, useTestRelay, waitFor } from './helpers';

/**
 * Issue 11, item 3: someone who can edit a code in transit swaps in their own box key. Each
 * attack goes through the real relay; it must be refused and reported, nothing may be sealed to
 * the attacker or put in any mailbox, the manifest stays as it was, and the record keeps working.
 */

const gpProfile: Profile = {
  kind: 'professional',
  name: 'Dr. Lund',
  profession: 'GP',
  organisation: 'Lægehuset',
  sector: 'primary-care',
};

const relay = useTestRelay();

const attacker = deviceKeysFromSeed(newSeed());
const mailboxes = () => relay.relay.store.mailboxCount();
const notes = (s: RecordSession) =>
  s.entries('clinical').map((e) => (e.data as { note?: string }).note ?? '');

/** What the relay and the patient's device hold of the manifest, to compare before and after. */
async function manifestState(s: RecordSession) {
  const bytes = await getManifest(s.relayUrl, s.recordId);
  return { relay: Buffer.from(bytes ?? []).toString('hex'), version: s.currentManifest.version };
}

describe('codes edited in transit, through the real relay', () => {
  it('a link code with the box key swapped is refused before anything is sealed to it', async () => {
    const { session: phone } = await RecordSession.create(
      PASS,
      relay.relay.url,
      deviceOpts('-ec-ph'),
    );
    phone.write('pain-checkin', { scores: { neck: 5 }, note: 'before the attack' });
    await phone.settled();

    const pending = startLink(relay.relay.url);
    const genuine = encodeLinkCode(pending.request);
    const parsedGenuine = parseLinkCode(genuine);
    if ('error' in parsedGenuine) throw new Error(parsedGenuine.error);
    // The attacker edits the pasted text: its own box key, the laptop's signing key and mailbox.
    const edited = encodeLinkCode({ ...parsedGenuine, boxPublic: attacker.boxPublic });
    expect(edited).not.toBe(genuine);
    // Reading it (what the devices page does) refuses it with the clear error.
    expect(parseLinkCode(edited)).toEqual({ error: 'altered' });

    // A caller that skips the reader (or swaps the key after reading) is refused by approveLink.
    const before = await manifestState(phone);
    const boxesBefore = await mailboxes();
    await expect(
      phone.approveLink({ ...parsedGenuine, boxPublic: attacker.boxPublic }),
    ).rejects.toThrow(AlteredCodeError);
    await expect(
      phone.approveLink({ ...parsedGenuine, boxPublic: attacker.boxPublic }),
    ).rejects.toThrow(/changed or damaged; ask for a new one/);
    expect(await mailboxes()).toBe(boxesBefore); // nothing was put in any mailbox
    expect(await manifestState(phone)).toEqual(before); // the manifest is unchanged
    expect(phone.currentManifest.grantees.map((g) => g.role)).toEqual(['owner']);

    // The record stays intact and usable: the genuine code still links the laptop.
    phone.write('pain-checkin', { scores: { neck: 4 }, note: 'after the attack' });
    await phone.settled();
    expect(deviceFingerprint(parsedGenuine)).toBe(deviceFingerprint(pending.request));
    await phone.approveLink(parsedGenuine);
    const laptop = await completeLink(pending, PASS, deviceOpts('-ec-lap'));
    if (!laptop) throw new Error('the genuine link did not complete');
    await waitFor(
      () =>
        notes(laptop).includes('before the attack') && notes(laptop).includes('after the attack'),
    );
    await laptop.close();
    await phone.close();
  }, 60_000);

  it('a contact code with the box key swapped is refused; no keys or notice reach the attacker', async () => {
    const { session: patient } = await RecordSession.create(
      PASS,
      relay.relay.url,
      deviceOpts('-ec-pt'),
    );
    patient.write('pain-checkin', { scores: { back: 6 }, note: 'for the GP' });
    await patient.settled();
    const gpWs = await Workspace.create(gpProfile, PASS, deviceOpts('-ec-gp'));
    const { code } = gpWs.contactCode(relay.relay.url);
    const genuine = parseContactCode(code);
    if ('error' in genuine) throw new Error(genuine.error);
    const swapped = {
      ...genuine,
      device: { signPublic: genuine.device.signPublic, boxPublic: attacker.boxPublic },
    };
    const edited = encodeContactCode(swapped);
    expect(parseContactCode(edited)).toEqual({ error: 'altered' });

    const before = await manifestState(patient);
    const boxesBefore = await mailboxes();
    const scope = {
      role: 'professional',
      compartments: ['clinical'],
      notAfter: null,
      manage: false,
    } as const;
    await expect(patient.grant(swapped, scope, swapped)).rejects.toThrow(AlteredCodeError);
    // The genuine person with an edited card for the notice is refused too.
    await expect(patient.grant(genuine, scope, swapped)).rejects.toThrow(AlteredCodeError);
    expect(await mailboxes()).toBe(boxesBefore);
    expect(await manifestState(patient)).toEqual(before);
    expect(patient.accessList()).toEqual([]);
    expect(patient.accessEvents()).toEqual([]);
    // No lockbox in the manifest is sealed to the attacker's box key.
    expect(
      patient.currentManifest.lockboxes.some((l) =>
        Buffer.from(l.recipient).equals(Buffer.from(attacker.boxPublic)),
      ),
    ).toBe(false);

    // The genuine code still works, and the record keeps syncing.
    await patient.grant(genuine, scope, genuine);
    await waitFor(async () => (await gpWs.poll()) > 0);
    const gp = gpWs.session(patient.recordId)!;
    await waitFor(() => notes(gp).includes('for the GP'));
    await gpWs.close();
    await patient.close();
  }, 60_000);

  it('an invite edited or re-signed by someone the record does not list is refused by the invitee', async () => {
    const { session: patient } = await RecordSession.create(
      PASS,
      relay.relay.url,
      deviceOpts('-ec-pt3'),
    );
    const gpWs = await Workspace.create(gpProfile, PASS, deviceOpts('-ec-gp3'));
    const { invite, code } = patient.createInvite();
    const boxesBefore = await mailboxes();

    // Edited relay, original signature: refused as altered before anything is sent.
    const edited = encodeInviteCode({ ...invite, relayUrl: 'http://127.0.0.1:9' });
    await expect(gpWs.acceptInvite(edited)).rejects.toMatchObject({ code: 'altered' });
    // Re-signed by the attacker around a secret of its own: the signature verifies, but the
    // record's manifest does not list the attacker as a device that may share.
    const forged = signInvite(
      {
        relayUrl: invite.relayUrl,
        rootKey: invite.rootKey,
        secret: new Uint8Array(16).fill(7),
        issuer: attacker.signPublic,
      },
      attacker.signSecret,
    );
    const forgedCode = encodeInviteCode(forged);
    expect(parseInviteCode(forgedCode)).toMatchObject({ recordId: patient.recordId });
    const refused = gpWs.acceptInvite(forgedCode);
    await expect(refused).rejects.toBeInstanceOf(WorkspaceError);
    await expect(gpWs.acceptInvite(forgedCode)).rejects.toMatchObject({ code: 'issuer' });
    expect(await mailboxes()).toBe(boxesBefore); // no answer went to either mailbox
    expect(gpWs.records()).toEqual([]);

    // The genuine invite still works.
    await gpWs.acceptInvite(code);
    expect(await mailboxes()).toBe(boxesBefore + 1);
    const answer = await patient.takeInviteAnswer(invite);
    expect(answer?.profile).toEqual(gpProfile);
    expect(inviteMailbox(forged).mailbox).not.toBe(inviteMailbox(invite).mailbox);
    await gpWs.close();
    await patient.close();
  }, 60_000);
});
