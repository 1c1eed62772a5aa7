import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import {
  deriveKey,
  deviceKeysFromSeed,
  fingerprint,
  openSealed,
  seal,
  sign,
  verify,
  type KeyPairs,
} from '../crypto/index';
import {
  base32,
  fromBase64Url,
  isProtocolError,
  isValidId,
  recordIdForRootKey,
  toBase64Url,
} from '../sync/protocol';
import type { DevicePublic } from './manifest';

/**
 * Invites (DESIGN §3), both ways, through one-time sealed mailboxes on the relay:
 *
 * - **Patient → person.** The patient's device shows an invite code (QR or link text): relay,
 *   record id, the root public key (the invitee pins it; both screens show its fingerprint) and a
 *   16-byte secret. The secret derives the mailbox id and an X25519 key pair; the invitee seals
 *   its answer (device keys and profile, signed by the device key) to that key. The patient opens
 *   it, compares the device fingerprint with the invitee's screen, chooses the scope and grants.
 * - **Person → patient.** The professional shows a contact code: relay, a fresh mailbox id,
 *   device keys and profile. The patient scans it, compares fingerprints, grants, and drops the
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

export type CodeError = 'wrong-kind' | 'damaged';

function decodeCode<T>(
  text: string,
  prefix: string,
  read: (d: decoding.Decoder) => T | null,
): T | { error: CodeError } {
  const trimmed = text.trim();
  if (!trimmed.startsWith(prefix)) return { error: 'wrong-kind' };
  const bytes = fromBase64Url(trimmed.slice(prefix.length));
  if (isProtocolError(bytes)) return { error: 'damaged' };
  try {
    const d = decoding.createDecoder(bytes);
    if (decoding.readUint8(d) !== 1) return { error: 'damaged' };
    const value = read(d);
    if (value === null || decoding.hasContent(d)) return { error: 'damaged' };
    return value;
  } catch {
    return { error: 'damaged' };
  }
}

function readKey(d: decoding.Decoder): Uint8Array | null {
  const k = decoding.readVarUint8Array(d).slice();
  return k.length === 32 ? k : null;
}

// ---------------------------------------------------------------------------------------------
// Patient → person

const INVITE_PREFIX = 'backpack-invite:';

export interface Invite {
  readonly relayUrl: string;
  readonly recordId: string;
  readonly rootKey: Uint8Array;
  /** 16 random bytes: whoever holds the code can answer it, once. */
  readonly secret: Uint8Array;
}

export function encodeInviteCode(i: Invite): string {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, 1);
  encoding.writeVarString(e, i.relayUrl);
  encoding.writeVarUint8Array(e, i.rootKey);
  encoding.writeVarUint8Array(e, i.secret);
  return INVITE_PREFIX + toBase64Url(encoding.toUint8Array(e));
}

export function parseInviteCode(text: string): Invite | { error: CodeError } {
  return decodeCode(text, INVITE_PREFIX, (d) => {
    const relayUrl = decoding.readVarString(d);
    const rootKey = readKey(d);
    const secret = decoding.readVarUint8Array(d).slice();
    if (!RELAY_URL.test(relayUrl) || !rootKey || secret.length !== 16) return null;
    return { relayUrl, recordId: recordIdForRootKey(rootKey), rootKey, secret };
  });
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

export interface InviteAnswer {
  readonly device: DevicePublic;
  readonly profile: Profile;
}

function answerSigningBytes(recordId: string, mailbox: string, a: InviteAnswer): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, 'backpack/invite-answer/1');
  encoding.writeVarString(e, recordId);
  encoding.writeVarString(e, mailbox);
  encoding.writeVarUint8Array(e, a.device.signPublic);
  encoding.writeVarUint8Array(e, a.device.boxPublic);
  writeProfile(e, a.profile);
  return encoding.toUint8Array(e);
}

/** The invitee's answer: its device keys and profile, signed by the device, sealed to the invite. */
export function sealInviteAnswer(invite: Invite, device: KeyPairs, profile: Profile): Uint8Array {
  const { mailbox, box } = inviteMailbox(invite);
  const answer: InviteAnswer = {
    device: { signPublic: device.signPublic, boxPublic: device.boxPublic },
    profile,
  };
  const e = encoding.createEncoder();
  encoding.writeUint8(e, 1);
  encoding.writeVarUint8Array(e, answer.device.signPublic);
  encoding.writeVarUint8Array(e, answer.device.boxPublic);
  writeProfile(e, profile);
  encoding.writeVarUint8Array(
    e,
    sign(answerSigningBytes(invite.recordId, mailbox, answer), device.signSecret),
  );
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
    const answer: InviteAnswer = { device: { signPublic, boxPublic }, profile };
    if (!verify(signature, answerSigningBytes(invite.recordId, mailbox, answer), signPublic)) {
      return null;
    }
    return answer;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Person → patient

const CONTACT_PREFIX = 'backpack-contact:';

export interface ContactCard extends InviteAnswer {
  readonly relayUrl: string;
  /** Where the patient's device drops the record's address. */
  readonly mailbox: string;
}

export function encodeContactCode(c: ContactCard): string {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, 1);
  encoding.writeVarString(e, c.relayUrl);
  encoding.writeVarString(e, c.mailbox);
  encoding.writeVarUint8Array(e, c.device.signPublic);
  encoding.writeVarUint8Array(e, c.device.boxPublic);
  writeProfile(e, c.profile);
  return CONTACT_PREFIX + toBase64Url(encoding.toUint8Array(e));
}

export function parseContactCode(text: string): ContactCard | { error: CodeError } {
  return decodeCode(text, CONTACT_PREFIX, (d) => {
    const relayUrl = decoding.readVarString(d);
    const mailbox = decoding.readVarString(d);
    const signPublic = readKey(d);
    const boxPublic = readKey(d);
    const profile = readProfile(d);
    if (!RELAY_URL.test(relayUrl) || !isValidId(mailbox) || !signPublic || !boxPublic) return null;
    if (!profile) return null;
    return { relayUrl, mailbox, device: { signPublic, boxPublic }, profile };
  });
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

/** What both screens show to confirm they talk about the same record / device. */
export const keyFingerprint = fingerprint;
