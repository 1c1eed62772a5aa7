import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed, randomBytes, rootKeysFromSeed } from '../crypto/index';
import { bytesEqual } from '../sync/protocol';
import {
  encodeContactCode,
  encodeInviteCode,
  inviteCodeFrom,
  inviteLink,
  inviteMailbox,
  openInviteAnswer,
  openShareNotice,
  parseContactCode,
  parseInviteCode,
  profileProblem,
  sealInviteAnswer,
  sealShareNotice,
  type Invite,
  type Profile,
} from './invite';

const root = rootKeysFromSeed(newSeed());
const physio = deviceKeysFromSeed(newSeed());
const profile: Profile = {
  kind: 'professional',
  name: 'Ana Jensen',
  profession: 'Physiotherapist',
  organisation: 'Fysio Nord',
  sector: 'physiotherapy',
};
const invite: Invite = {
  relayUrl: 'http://127.0.0.1:8787',
  recordId: root.recordId,
  rootKey: root.signPublic,
  secret: randomBytes(16),
};

describe('invites', () => {
  it('round-trips an invite code and derives the same mailbox on both sides', () => {
    const parsed = parseInviteCode(encodeInviteCode(invite));
    expect(parsed).toMatchObject({ relayUrl: invite.relayUrl, recordId: root.recordId });
    if ('error' in parsed) throw new Error('parse');
    expect(inviteMailbox(parsed).mailbox).toBe(inviteMailbox(invite).mailbox);
  });

  it('travels as a link whose fragment carries the code, and comes back out of it', () => {
    const code = encodeInviteCode(invite);
    const link = inviteLink('https://backpack.example', code);
    expect(link.startsWith('https://backpack.example/#invite=')).toBe(true);
    expect(new URL(link).pathname).toBe('/'); // nothing but the fragment carries the code
    expect(inviteCodeFrom(link)).toBe(code);
    expect(inviteCodeFrom(`  ${code}\n`)).toBe(code);
    expect(parseInviteCode(inviteCodeFrom(link))).toMatchObject({ recordId: root.recordId });
    // A broken escape is handed back as typed, and then refused as a code.
    expect(parseInviteCode(inviteCodeFrom('https://x/#invite=%E0%A4%A'))).toEqual({
      error: 'wrong-kind',
    });
  });

  it('refuses other codes and damaged ones', () => {
    expect(parseInviteCode('backpack-link:AAAA')).toEqual({ error: 'wrong-kind' });
    expect(parseInviteCode('')).toEqual({ error: 'wrong-kind' });
    const code = encodeInviteCode(invite);
    expect(parseInviteCode(code.slice(0, -3))).toEqual({ error: 'damaged' });
    expect(parseInviteCode(`${code}AA`)).toEqual({ error: 'damaged' });
    expect(parseInviteCode('backpack-invite:!!!')).toEqual({ error: 'damaged' });
    const badUrl = encodeInviteCode({ ...invite, relayUrl: 'javascript:alert(1)' });
    expect(parseInviteCode(badUrl)).toEqual({ error: 'damaged' });
  });

  it('the answer opens with the invite, verifies, and fails with any other secret or a flipped bit', () => {
    const sealed = sealInviteAnswer(invite, physio, profile);
    const answer = openInviteAnswer(invite, sealed);
    expect(answer?.profile).toEqual(profile);
    expect(bytesEqual(answer!.device.signPublic, physio.signPublic)).toBe(true);
    expect(openInviteAnswer({ ...invite, secret: randomBytes(16) }, sealed)).toBeNull();
    for (const i of [0, 40, sealed.length - 1]) {
      const flipped = sealed.slice();
      flipped[i]! ^= 1;
      expect(openInviteAnswer(invite, flipped)).toBeNull();
    }
    // Bound to the record: the same answer cannot be replayed for another record's invite.
    const other = rootKeysFromSeed(newSeed());
    const otherInvite = { ...invite, recordId: other.recordId, rootKey: other.signPublic };
    expect(openInviteAnswer(otherInvite, sealed)).toBeNull();
  });

  it('checks profiles', () => {
    expect(profileProblem(profile)).toBeNull();
    expect(profileProblem({ ...profile, name: '  ' })).toBe('name');
    expect(profileProblem({ ...profile, sector: 'x' })).toBe('sector');
    expect(profileProblem({ ...profile, kind: 'owner' })).toBe('kind');
    expect(profileProblem({ ...profile, organisation: 'x'.repeat(121) })).toBe('field-too-long');
    expect(profileProblem(null)).toBe('name');
  });
});

describe('contact cards', () => {
  it('round-trip, and the notice opens only for the card’s device', () => {
    const card = {
      relayUrl: 'https://relay.example',
      mailbox: 'mabcdefgh',
      device: { signPublic: physio.signPublic, boxPublic: physio.boxPublic },
      profile,
    };
    const parsed = parseContactCode(encodeContactCode(card));
    expect(parsed).toMatchObject({ relayUrl: card.relayUrl, mailbox: card.mailbox, profile });
    expect(parseContactCode(encodeInviteCode(invite))).toEqual({ error: 'wrong-kind' });
    const sealed = sealShareNotice(card, 'https://relay.example', root.signPublic);
    expect(openShareNotice(physio.boxSecret, card.mailbox, sealed)).toMatchObject({
      recordId: root.recordId,
      relayUrl: 'https://relay.example',
    });
    expect(openShareNotice(physio.boxSecret, 'mother', sealed)).toBeNull();
    expect(
      openShareNotice(deviceKeysFromSeed(newSeed()).boxSecret, card.mailbox, sealed),
    ).toBeNull();
  });
});
