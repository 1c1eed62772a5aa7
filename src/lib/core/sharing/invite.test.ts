import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import {
  deviceFingerprint,
  deviceKeysFromSeed,
  newSeed,
  randomBytes,
  recordFingerprint,
  rootKeysFromSeed,
} from '../crypto/index';
import { bytesEqual, fromBase64Url, isProtocolError, toBase64Url } from '../sync/protocol';
import {
  assertPersonSigned,
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
  signContactCard,
  signInvite,
  verifyInviteAnswer,
  type ContactCard,
  type Invite,
  type Profile,
} from './invite';
import { AlteredCodeError } from './signed-code';

const root = rootKeysFromSeed(newSeed());
const physio = deviceKeysFromSeed(newSeed());
const profile: Profile = {
  kind: 'professional',
  name: 'Ana Jensen',
  profession: 'Physiotherapist',
  organisation: 'Fysio Nord',
  sector: 'physiotherapy',
};
/** The patient's phone, which shows the invite. */
const phone = deviceKeysFromSeed(newSeed());
const attacker = deviceKeysFromSeed(newSeed());
const invite: Invite = signInvite(
  {
    relayUrl: 'http://127.0.0.1:8787',
    rootKey: root.signPublic,
    secret: randomBytes(16),
    issuer: phone.signPublic,
  },
  phone.signSecret,
);

/** Every one-character edit of a code (but its last, which may carry only padding bits). */
function oneCharEdits(code: string, prefix: string): string[] {
  const body = code.slice(prefix.length);
  const out: string[] = [];
  for (let i = 0; i < body.length - 1; i++) {
    out.push(prefix + body.slice(0, i) + (body[i] === 'A' ? 'B' : 'A') + body.slice(i + 1));
  }
  return out;
}

/** The code with its signature (the last 65 bytes) cut off. */
function stripped(code: string, prefix: string): string {
  const b = fromBase64Url(code.slice(prefix.length));
  if (isProtocolError(b)) throw new Error('not base64url');
  return prefix + toBase64Url(b.slice(0, b.length - 65));
}

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

const card: ContactCard = signContactCard(
  {
    relayUrl: 'https://relay.example',
    mailbox: 'mabcdefgh',
    device: { signPublic: physio.signPublic, boxPublic: physio.boxPublic },
    profile,
  },
  physio.signSecret,
);

describe('contact cards', () => {
  it('round-trip, and the notice opens only for the card’s device', () => {
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

describe('edited codes are refused (issue 11, item 3)', () => {
  it('a contact code with its box key, mailbox, relay or profile swapped is refused as altered', () => {
    const edits: Partial<ContactCard>[] = [
      { device: { signPublic: physio.signPublic, boxPublic: attacker.boxPublic } },
      { device: { signPublic: attacker.signPublic, boxPublic: physio.boxPublic } },
      { mailbox: 'mattacker' },
      { relayUrl: 'https://evil.example' },
      { profile: { ...profile, name: 'Someone Else' } },
      { profile: { ...profile, organisation: 'Evil Clinic', sector: 'hospital' } },
    ];
    for (const e of edits) {
      expect(parseContactCode(encodeContactCode({ ...card, ...e }))).toEqual({ error: 'altered' });
    }
    for (const text of oneCharEdits(encodeContactCode(card), 'backpack-contact:')) {
      expect('error' in parseContactCode(text)).toBe(true);
    }
    expect(parseContactCode(stripped(encodeContactCode(card), 'backpack-contact:'))).toEqual({
      error: 'altered',
    });
  });

  it('an invite code with its root key, secret, relay or issuer swapped is refused as altered', () => {
    const other = rootKeysFromSeed(newSeed());
    const edits: Partial<Invite>[] = [
      { rootKey: other.signPublic },
      { secret: randomBytes(16) },
      { relayUrl: 'https://evil.example' },
      { issuer: attacker.signPublic },
    ];
    for (const e of edits) {
      expect(parseInviteCode(encodeInviteCode({ ...invite, ...e }))).toEqual({ error: 'altered' });
    }
    for (const text of oneCharEdits(encodeInviteCode(invite), 'backpack-invite:')) {
      expect('error' in parseInviteCode(text)).toBe(true);
    }
    expect(parseInviteCode(stripped(encodeInviteCode(invite), 'backpack-invite:'))).toEqual({
      error: 'altered',
    });
    // Re-signed by the attacker over another root key: it parses, but the record numbers the
    // invitee compares differ (and the workspace refuses an issuer the manifest does not list).
    const forged = signInvite(
      {
        relayUrl: invite.relayUrl,
        rootKey: other.signPublic,
        secret: invite.secret,
        issuer: attacker.signPublic,
      },
      attacker.signSecret,
    );
    const parsed = parseInviteCode(encodeInviteCode(forged));
    if ('error' in parsed) throw new Error(parsed.error);
    expect(recordFingerprint(parsed.rootKey)).not.toBe(recordFingerprint(root.signPublic));
  });

  it('a contact code re-signed by the attacker with both keys swapped shows other numbers', () => {
    const forged = signContactCard(
      { ...card, device: { signPublic: attacker.signPublic, boxPublic: attacker.boxPublic } },
      attacker.signSecret,
    );
    const parsed = parseContactCode(encodeContactCode(forged));
    if ('error' in parsed) throw new Error(parsed.error);
    expect(deviceFingerprint(parsed.device)).not.toBe(deviceFingerprint(physio));
  });

  it('unsigned codes from an older app are refused as outdated', () => {
    const old = encoding.createEncoder();
    encoding.writeUint8(old, 1);
    encoding.writeVarString(old, 'https://relay.example');
    encoding.writeVarString(old, 'mabcdefgh');
    encoding.writeVarUint8Array(old, physio.signPublic);
    encoding.writeVarUint8Array(old, physio.boxPublic);
    for (const f of ['professional', 'Ana', '', '', 'physiotherapy'])
      encoding.writeVarString(old, f);
    const oldContact = 'backpack-contact:' + toBase64Url(encoding.toUint8Array(old));
    expect(parseContactCode(oldContact)).toEqual({ error: 'outdated' });
    const oldInvite = encoding.createEncoder();
    encoding.writeUint8(oldInvite, 1);
    encoding.writeVarString(oldInvite, invite.relayUrl);
    encoding.writeVarUint8Array(oldInvite, invite.rootKey);
    encoding.writeVarUint8Array(oldInvite, invite.secret);
    const oldCode = 'backpack-invite:' + toBase64Url(encoding.toUint8Array(oldInvite));
    expect(parseInviteCode(oldCode)).toEqual({ error: 'outdated' });
  });

  it('nothing is sealed to a contact card whose box key was changed after it was read', () => {
    const swapped: ContactCard = {
      ...card,
      device: { signPublic: physio.signPublic, boxPublic: attacker.boxPublic },
    };
    expect(() => sealShareNotice(swapped, 'https://relay.example', root.signPublic)).toThrow(
      AlteredCodeError,
    );
    expect(() => assertPersonSigned(swapped, root.recordId)).toThrow(AlteredCodeError);
    // The person granted must be the card's device, key for key.
    const answer = openInviteAnswer(invite, sealInviteAnswer(invite, attacker, profile));
    if (!answer) throw new Error('no answer');
    expect(() => assertPersonSigned(answer, root.recordId, card)).toThrow(AlteredCodeError);
    expect(() => assertPersonSigned(card, root.recordId, card)).not.toThrow();
  });

  it('an invite answer re-checks before granting: swapped box key or another record is refused', () => {
    const answer = openInviteAnswer(invite, sealInviteAnswer(invite, physio, profile));
    if (!answer) throw new Error('no answer');
    expect(verifyInviteAnswer(answer)).toBe(true);
    expect(() => assertPersonSigned(answer, root.recordId)).not.toThrow();
    const swapped = { ...answer, device: { ...answer.device, boxPublic: attacker.boxPublic } };
    expect(verifyInviteAnswer(swapped)).toBe(false);
    expect(() => assertPersonSigned(swapped, root.recordId)).toThrow(AlteredCodeError);
    const elsewhere = rootKeysFromSeed(newSeed()).recordId;
    expect(() => assertPersonSigned(answer, elsewhere)).toThrow(AlteredCodeError);
  });
});
