import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { base32, isValidId } from '../sync/protocol';
import { deviceFingerprint } from '../crypto/index';
import type { DevicePublic } from './manifest';
import {
  AlteredCodeError,
  encodeCode,
  parseCode,
  signCode,
  verifyCode,
  type CodeFormat,
  type Unsigned,
} from './signed-code';

/**
 * Linking a new device of the patient's: the new device shows a link code (QR or text) with its
 * public keys, a one-time mailbox id and the relay URL, all signed by its own signing key; an
 * existing owner device reads it, verifies the signature, shows the new device's fingerprint
 * (over both its keys) to compare with the one on the new screen, adds the device to the
 * manifest and drops the root seed, sealed to the new device's box key, into the mailbox.
 */
export interface LinkRequest extends DevicePublic {
  readonly mailbox: string;
  readonly relayUrl: string;
  /** By `signPublic`, over every other field (`signed-code.ts`). */
  readonly signature: Uint8Array;
}

const RELAY_URL = /^https?:\/\/[^\s]{1,200}$/;

const LINK_CODE: CodeFormat<LinkRequest> = {
  prefix: 'backpack-link:',
  domain: 'backpack/link-code/2',
  write(e, r) {
    encoding.writeVarString(e, r.mailbox);
    encoding.writeVarUint8Array(e, r.signPublic);
    encoding.writeVarUint8Array(e, r.boxPublic);
    encoding.writeVarString(e, r.relayUrl);
  },
  read(d) {
    const mailbox = decoding.readVarString(d);
    const signPublic = decoding.readVarUint8Array(d).slice();
    const boxPublic = decoding.readVarUint8Array(d).slice();
    const relayUrl = decoding.readVarString(d);
    if (!isValidId(mailbox) || signPublic.length !== 32 || boxPublic.length !== 32) return null;
    if (!RELAY_URL.test(relayUrl)) return null;
    return { mailbox, signPublic, boxPublic, relayUrl };
  },
  signer: (r) => r.signPublic,
};

/** The new device signs its request with its own key (`signSecret` matches `signPublic`). */
export function signLinkRequest(r: Unsigned<LinkRequest>, signSecret: Uint8Array): LinkRequest {
  return signCode(LINK_CODE, r, signSecret);
}

/** True if the request is exactly what its device signed; checked again before sealing to it. */
export function verifyLinkRequest(r: LinkRequest): boolean {
  return verifyCode(LINK_CODE, r);
}

/** Throws unless the request is exactly what its device signed (before anything is sealed to it). */
export function assertLinkRequestSigned(r: LinkRequest): void {
  if (!verifyLinkRequest(r)) throw new AlteredCodeError('link code');
}

export function encodeLinkCode(r: LinkRequest): string {
  return encodeCode(LINK_CODE, r);
}

/**
 * `altered`: the signature does not cover the fields (someone changed the code); `outdated`: an
 * unsigned code from an older app.
 */
export type LinkCodeError = 'not-a-link-code' | 'damaged' | 'altered' | 'outdated';

export function parseLinkCode(text: string): LinkRequest | { error: LinkCodeError } {
  const parsed = parseCode(LINK_CODE, text);
  if ('error' in parsed) {
    return { error: parsed.error === 'wrong-kind' ? 'not-a-link-code' : parsed.error };
  }
  return parsed;
}

export function newMailboxId(random: Uint8Array): string {
  return `m${base32(random)}`;
}

export function linkContext(mailbox: string): string {
  return `link:${mailbox}`;
}

/** The fingerprint both screens show while linking: over the signing and the box key. */
export { deviceFingerprint };
