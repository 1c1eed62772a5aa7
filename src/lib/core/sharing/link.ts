import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { base32, fromBase64Url, isProtocolError, isValidId, toBase64Url } from '../sync/protocol';
import { fingerprint } from '../crypto/index';
import type { DevicePublic } from './manifest';

/**
 * Linking a new device of the patient's: the new device shows a link code (QR or text) with its
 * public keys and a one-time mailbox id; an existing owner device reads it, shows the new
 * device's fingerprint to compare with the one on the new screen, adds the device to the manifest
 * and drops the root seed, sealed to the new device's box key, into the mailbox.
 */
const PREFIX = 'backpack-link:';
const FORMAT = 1;

export interface LinkRequest extends DevicePublic {
  readonly mailbox: string;
  readonly relayUrl: string;
}

export function encodeLinkCode(r: LinkRequest): string {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, FORMAT);
  encoding.writeVarString(e, r.mailbox);
  encoding.writeVarUint8Array(e, r.signPublic);
  encoding.writeVarUint8Array(e, r.boxPublic);
  encoding.writeVarString(e, r.relayUrl);
  return PREFIX + toBase64Url(encoding.toUint8Array(e));
}

export type LinkCodeError = 'not-a-link-code' | 'damaged';

export function parseLinkCode(text: string): LinkRequest | { error: LinkCodeError } {
  const trimmed = text.trim();
  if (!trimmed.startsWith(PREFIX)) return { error: 'not-a-link-code' };
  const bytes = fromBase64Url(trimmed.slice(PREFIX.length));
  if (isProtocolError(bytes)) return { error: 'damaged' };
  try {
    const d = decoding.createDecoder(bytes);
    if (decoding.readUint8(d) !== FORMAT) return { error: 'damaged' };
    const mailbox = decoding.readVarString(d);
    const signPublic = decoding.readVarUint8Array(d).slice();
    const boxPublic = decoding.readVarUint8Array(d).slice();
    const relayUrl = decoding.readVarString(d);
    if (decoding.hasContent(d) || !isValidId(mailbox) || signPublic.length !== 32) {
      return { error: 'damaged' };
    }
    if (boxPublic.length !== 32 || !/^https?:\/\/[^\s]{1,200}$/.test(relayUrl)) {
      return { error: 'damaged' };
    }
    return { mailbox, signPublic, boxPublic, relayUrl };
  } catch {
    return { error: 'damaged' };
  }
}

export function newMailboxId(random: Uint8Array): string {
  return `m${base32(random)}`;
}

export function linkContext(mailbox: string): string {
  return `link:${mailbox}`;
}

/** The fingerprint both screens show while linking. */
export function deviceFingerprint(d: DevicePublic): string {
  return fingerprint(d.signPublic);
}
