import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import {
  deriveKey,
  deviceKeysFromSeed,
  openSealed,
  seal,
  sign,
  verify,
  type KeyPairs,
} from '../crypto/index';
import { base32, bytesEqual, isValidId, recordIdForRootKey } from '../sync/protocol';
import type { DevicePublic } from './manifest';
import {
  AlteredCodeError,
  encodeCode,
  parseCode,
  signCode,
  verifyCode,
  type CodeFormat,
  type SignedCodeError,
  type Unsigned,
} from './signed-code';

/**
 * Invites (DESIGN §3), both ways, through one-time sealed mailboxes on the relay:
 *
 * - **Patient → person.** The patient's device shows an invite code (QR or link text): relay,
 *   record id, the root public key (the invitee pins it; both screens show its fingerprint), a
 *   16-byte secret and the showing device's key, signed by that device (the invitee checks that
 *   the record's manifest lists it as an owner or managing delegate). The secret derives the mailbox id and an X25519 key pair; the invitee seals
 *   its answer (device keys and profile, signed by the device key) to that key. The patient opens
 *   it, compares the device fingerprint with the invitee's screen, chooses the scope and grants.
 * - **Person → patient.** The professional shows a contact code: relay, a fresh mailbox id,
 *   device keys and profile, signed by the device. The patient scans it, verifies the signature, compares fingerprints, grants, and drops the
 *   record id and root key into the mailbox, sealed to the professional's device.
 *
 * Profiles are the grantee's public identity (name, profession, organisation, sector). They reach
 * the patient's device, and from there only the encrypted record: the manifest holds no names.
 */

export const SECTORS = [
  'primary-care',
  'physiotherapy',
  'hospital',
  'municipality',
  'employment',
  'private-practice',
  'family',
  'other',
] as const;
export type Sector = (typeof SECTORS)[number];

export type PersonKind = 'professional' | 'relative';

export interface Profile {
  readonly kind: PersonKind;
  readonly name: string;
  /** e.g. "Physiotherapist"; empty for relatives. */
  readonly profession: string;
  readonly organisation: string;
  readonly sector: Sector;
}

const MAX_FIELD = 120;

export type ProfileProblem = 'name' | 'field-too-long' | 'sector' | 'kind';

/** Checks a profile typed by a person or read from outside; `null` when it is fine. */
export function profileProblem(p: unknown): ProfileProblem | null {
  if (typeof p !== 'object' || p === null) return 'name';
  const v = p as Record<string, unknown>;
  if (v['kind'] !== 'professional' && v['kind'] !== 'relative') return 'kind';
  const fields = ['name', 'profession', 'organisation'] as const;
  for (const f of fields)
    if (typeof v[f] !== 'string') return f === 'name' ? 'name' : 'field-too-long';
  if ((v['name'] as string).trim().length === 0) return 'name';
  if (fields.some((f) => (v[f] as string).length > MAX_FIELD)) return 'field-too-long';
  if (!(SECTORS as readonly string[]).includes(v['sector'] as string)) return 'sector';
  return null;
}

function writeProfile(e: encoding.Encoder, p: Profile): void {
  encoding.writeVarString(e, p.kind);
  encoding.writeVarString(e, p.name);
  encoding.writeVarString(e, p.profession);
  encoding.writeVarString(e, p.organisation);
  encoding.writeVarString(e, p.sector);
}

function readProfile(d: decoding.Decoder): Profile | null {
  const p = {
    kind: decoding.readVarString(d),
    name: decoding.readVarString(d),
    profession: decoding.readVarString(d),
    organisation: decoding.readVarString(d),
    sector: decoding.readVarString(d),
  };
  return profileProblem(p) === null ? (p as Profile) : null;
}

const RELAY_URL = /^https?:\/\/[^\s]{1,200}$/;

/** Why a code is refused: see `signed-code.ts` (`altered`, `outdated`). */
export type CodeError = SignedCodeError;

function readKey(d: decoding.Decoder): Uint8Array | null {
  const k = decoding.readVarUint8Array(d).slice();
  return k.length === 32 ? k : null;
}

// ---------------------------------------------------------------------------------------------
// Patient → person

export interface Invite {
  readonly relayUrl: string;
  readonly recordId: string;
  readonly rootKey: Uint8Array;
  /** 16 random bytes: whoever holds the code can answer it, once. */
  readonly secret: Uint8Array;
  /** The signing key of the device that shows the invite: an owner or a managing delegate. */
  readonly issuer: Uint8Array;
  /** By `issuer`, over every other field. */
  readonly signature: Uint8Array;
}

const INVITE_CODE: CodeFormat<Invite> = {
  prefix: 'backpack-invite:',
  domain: 'backpack/invite-code/2',
  write(e, i) {
    encoding.writeVarString(e, i.relayUrl);
    encoding.writeVarUint8Array(e, i.rootKey);
    encoding.writeVarUint8Array(e, i.secret);
    encoding.writeVarUint8Array(e, i.issuer);
  },
  read(d) {
    const relayUrl = decoding.readVarString(d);
    const rootKey = readKey(d);
    const secret = decoding.readVarUint8Array(d).slice();
    const issuer = readKey(d);
    if (!RELAY_URL.test(relayUrl) || !rootKey || secret.length !== 16 || !issuer) return null;
    return { relayUrl, recordId: recordIdForRootKey(rootKey), rootKey, secret, issuer };
  },
  signer: (i) => i.issuer,
};

/** The showing device signs the invite (`signSecret` matches `issuer`). */
export function signInvite(i: Omit<Unsigned<Invite>, 'recordId'>, signSecret: Uint8Array): Invite {
  return signCode(INVITE_CODE, { ...i, recordId: recordIdForRootKey(i.rootKey) }, signSecret);
}

/** True if the invite is what its issuer signed and its record id is its root key's. */
export function verifyInvite(i: Invite): boolean {
  return i.recordId === recordIdForRootKey(i.rootKey) && verifyCode(INVITE_CODE, i);
}

export function encodeInviteCode(i: Invite): string {
  return encodeCode(INVITE_CODE, i);
}

export function parseInviteCode(text: string): Invite | { error: CodeError } {
  return parseCode(INVITE_CODE, text);
}

/**
 * An invite as a link into the app: the code rides in the URL fragment, which browsers never
 * send to a server. Opening it offers the code to the workspace; scanning its QR with a phone's
 * own camera opens the app directly.
 */
export function inviteLink(origin: string, code: string): string {
  return `${origin}/#invite=${encodeURIComponent(code)}`;
}

/** The invite code inside a pasted link, or the text itself (trimmed) if it is not a link. */
export function inviteCodeFrom(text: string): string {
  const at = text.indexOf('#invite=');
  if (at < 0) return text.trim();
  try {
    return decodeURIComponent(text.slice(at + '#invite='.length)).trim();
  } catch {
    return text.trim();
  }
}

/** The mailbox the answer goes to, and the key pair it is sealed to, both from the secret. */
export function inviteMailbox(i: Pick<Invite, 'secret'>): {
  mailbox: string;
  box: Pick<KeyPairs, 'boxPublic' | 'boxSecret'>;
} {
  const mailbox = `i${base32(deriveKey(i.secret, 'invite-mailbox').slice(0, 16))}`;
  const keys = deviceKeysFromSeed(deriveKey(i.secret, 'invite-box'));
  return { mailbox, box: { boxPublic: keys.boxPublic, boxSecret: keys.boxSecret } };
}

/** Someone asking for access: their device keys and public identity. */
export interface Person {
  readonly device: DevicePublic;
  readonly profile: Profile;
}

export interface InviteAnswer extends Person {
  /** The record and the invite's mailbox the answer is bound to. */
  readonly recordId: string;
  readonly mailbox: string;
  /** By `device.signPublic`, over the record, mailbox, both keys and the profile. */
  readonly signature: Uint8Array;
}

function answerSigningBytes(a: Unsigned<InviteAnswer>): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, 'backpack/invite-answer/1');
  encoding.writeVarString(e, a.recordId);
  encoding.writeVarString(e, a.mailbox);
  encoding.writeVarUint8Array(e, a.device.signPublic);
  encoding.writeVarUint8Array(e, a.device.boxPublic);
  writeProfile(e, a.profile);
  return encoding.toUint8Array(e);
}

/** True if the answer is what its device signed; checked again before granting. */
export function verifyInviteAnswer(a: InviteAnswer): boolean {
  if (a.device.signPublic.length !== 32 || a.device.boxPublic.length !== 32) return false;
  return verify(a.signature, answerSigningBytes(a), a.device.signPublic);
}

/** The invitee's answer: its device keys and profile, signed by the device, sealed to the invite. */
export function sealInviteAnswer(invite: Invite, device: KeyPairs, profile: Profile): Uint8Array {
  const { mailbox, box } = inviteMailbox(invite);
  const answer: Unsigned<InviteAnswer> = {
    device: { signPublic: device.signPublic, boxPublic: device.boxPublic },
    profile,
    recordId: invite.recordId,
    mailbox,
  };
  const e = encoding.createEncoder();
  encoding.writeUint8(e, 1);
  encoding.writeVarUint8Array(e, answer.device.signPublic);
  encoding.writeVarUint8Array(e, answer.device.boxPublic);
  writeProfile(e, profile);
  encoding.writeVarUint8Array(e, sign(answerSigningBytes(answer), device.signSecret));
  return seal(box.boxPublic, encoding.toUint8Array(e), `invite:${mailbox}`);
}

/** Opens and checks an answer from the mailbox; `null` if it does not open or verify. */
export function openInviteAnswer(invite: Invite, sealed: Uint8Array): InviteAnswer | null {
  const { mailbox, box } = inviteMailbox(invite);
  const bytes = openSealed(box.boxSecret, sealed, `invite:${mailbox}`);
  if (!bytes) return null;
  try {
    const d = decoding.createDecoder(bytes);
    if (decoding.readUint8(d) !== 1) return null;
    const signPublic = readKey(d);
    const boxPublic = readKey(d);
    const profile = readProfile(d);
    const signature = decoding.readVarUint8Array(d).slice();
    if (!signPublic || !boxPublic || !profile || decoding.hasContent(d)) return null;
    const answer: InviteAnswer = {
      device: { signPublic, boxPublic },
      profile,
      recordId: invite.recordId,
      mailbox,
      signature,
    };
    return verifyInviteAnswer(answer) ? answer : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Person → patient

export interface ContactCard extends Person {
  readonly relayUrl: string;
  /** Where the patient's device drops the record's address. */
  readonly mailbox: string;
  /** By `device.signPublic`, over every other field. */
  readonly signature: Uint8Array;
}

const CONTACT_CODE: CodeFormat<ContactCard> = {
  prefix: 'backpack-contact:',
  domain: 'backpack/contact-code/2',
  write(e, c) {
    encoding.writeVarString(e, c.relayUrl);
    encoding.writeVarString(e, c.mailbox);
    encoding.writeVarUint8Array(e, c.device.signPublic);
    encoding.writeVarUint8Array(e, c.device.boxPublic);
    writeProfile(e, c.profile);
  },
  read(d) {
    const relayUrl = decoding.readVarString(d);
    const mailbox = decoding.readVarString(d);
    const signPublic = readKey(d);
    const boxPublic = readKey(d);
    const profile = readProfile(d);
    if (!RELAY_URL.test(relayUrl) || !isValidId(mailbox) || !signPublic || !boxPublic) return null;
    if (!profile) return null;
    return { relayUrl, mailbox, device: { signPublic, boxPublic }, profile };
  },
  signer: (c) => c.device.signPublic,
};

/** The professional's (or relative's) device signs its contact card with its own key. */
export function signContactCard(c: Unsigned<ContactCard>, signSecret: Uint8Array): ContactCard {
  return signCode(CONTACT_CODE, c, signSecret);
}

/** True if the card is exactly what its device signed; checked again before sealing to it. */
export function verifyContactCard(c: ContactCard): boolean {
  return verifyCode(CONTACT_CODE, c);
}

export function encodeContactCode(c: ContactCard): string {
  return encodeCode(CONTACT_CODE, c);
}

export function parseContactCode(text: string): ContactCard | { error: CodeError } {
  return parseCode(CONTACT_CODE, text);
}

/** True for a person from a contact card (rather than from an invite answer). */
export function isContactCard(p: InviteAnswer | ContactCard): p is ContactCard {
  return 'relayUrl' in p;
}

/** Verifies whichever signed form `p` came in. */
export function verifyPerson(p: InviteAnswer | ContactCard): boolean {
  return isContactCard(p) ? verifyContactCard(p) : verifyInviteAnswer(p);
}

/**
 * Before granting `p` (which seals epoch keys to `p.device.boxPublic`): throws unless `p` is
 * exactly what its device signed, an answer is bound to `recordId`, and a contact card given for
 * the notice names the same device keys.
 */
export function assertPersonSigned(
  p: InviteAnswer | ContactCard,
  recordId: string,
  contact?: ContactCard,
): void {
  const what = isContactCard(p) ? 'contact code' : 'invite answer';
  if (!verifyPerson(p)) throw new AlteredCodeError(what);
  if (!isContactCard(p) && p.recordId !== recordId) throw new AlteredCodeError(what);
  if (contact) {
    if (!verifyContactCard(contact)) throw new AlteredCodeError('contact code');
    const same =
      bytesEqual(contact.device.signPublic, p.device.signPublic) &&
      bytesEqual(contact.device.boxPublic, p.device.boxPublic);
    if (!same) throw new AlteredCodeError('contact code');
  }
}

/** What the patient's device drops into a contact's mailbox after granting. */
export interface ShareNotice {
  readonly relayUrl: string;
  readonly rootKey: Uint8Array;
  readonly recordId: string;
}

export function sealShareNotice(
  card: ContactCard,
  relayUrl: string,
  rootKey: Uint8Array,
): Uint8Array {
  // Right before sealing: the box key must be the one the card's device signed.
  if (!verifyContactCard(card)) throw new AlteredCodeError('contact code');
  const e = encoding.createEncoder();
  encoding.writeUint8(e, 1);
  encoding.writeVarString(e, relayUrl);
  encoding.writeVarUint8Array(e, rootKey);
  return seal(card.device.boxPublic, encoding.toUint8Array(e), `contact:${card.mailbox}`);
}

export function openShareNotice(
  boxSecret: Uint8Array,
  mailbox: string,
  sealed: Uint8Array,
): ShareNotice | null {
  const bytes = openSealed(boxSecret, sealed, `contact:${mailbox}`);
  if (!bytes) return null;
  try {
    const d = decoding.createDecoder(bytes);
    if (decoding.readUint8(d) !== 1) return null;
    const relayUrl = decoding.readVarString(d);
    const rootKey = readKey(d);
    if (!RELAY_URL.test(relayUrl) || !rootKey || decoding.hasContent(d)) return null;
    return { relayUrl, rootKey, recordId: recordIdForRootKey(rootKey) };
  } catch {
    return null;
  }
}
