import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { sign, verify } from '../crypto/index';
import { fromBase64Url, isProtocolError, toBase64Url } from '../sync/protocol';

/**
 * Codes a device shows about itself (link code, contact code, invite code) travel as text or QR
 * through channels an attacker may edit. Each is `prefix ‖ base64url(format ‖ fields ‖ signature)`:
 * the showing device signs every field, after a domain-separation string naming the kind of code,
 * with its Ed25519 key. A reader verifies before it uses anything from the code, and every step
 * that seals a secret to a key from a code verifies again right before sealing (`verifyCode`).
 *
 * Swapping a box key, mailbox or relay breaks the signature; swapping the signing key as well
 * changes the fingerprint both screens show (`deviceFingerprint`, `recordFingerprint`).
 */

/** Format 1 codes were unsigned; they are refused with "update the app on the other device". */
export const SIGNED_CODE_FORMAT = 2;

export type SignedCodeError = 'wrong-kind' | 'damaged' | 'altered' | 'outdated';

export type Unsigned<T> = Omit<T, 'signature'>;

export interface CodeFormat<T extends { readonly signature: Uint8Array }> {
  readonly prefix: string;
  /** Domain separation: names the kind of code and its version. */
  readonly domain: string;
  write(e: encoding.Encoder, value: Unsigned<T>): void;
  /** Reads and validates the fields; `null` if any is malformed. */
  read(d: decoding.Decoder): Unsigned<T> | null;
  /** The Ed25519 public key that must have signed `value` (one of its own fields). */
  signer(value: Unsigned<T>): Uint8Array;
}

/** A code whose signature does not verify: it was changed after the showing device made it. */
export class AlteredCodeError extends Error {
  override name = 'AlteredCodeError';
  readonly code = 'altered';
  constructor(what: string) {
    super(`The ${what} has been changed or damaged; ask for a new one.`);
  }
}

function body<T extends { readonly signature: Uint8Array }>(
  format: CodeFormat<T>,
  value: Unsigned<T>,
): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, SIGNED_CODE_FORMAT);
  format.write(e, value);
  return encoding.toUint8Array(e);
}

function signingBytes<T extends { readonly signature: Uint8Array }>(
  format: CodeFormat<T>,
  value: Unsigned<T>,
): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, format.domain);
  encoding.writeUint8Array(e, body(format, value));
  return encoding.toUint8Array(e);
}

function withSignature<T extends { readonly signature: Uint8Array }>(
  value: Unsigned<T>,
  signature: Uint8Array,
): T {
  // `Unsigned<T> & { signature }` is `T`; the compiler cannot see through `Omit`.
  return { ...value, signature } as unknown as T;
}

/** Signs every field of `value` with the showing device's key. */
export function signCode<T extends { readonly signature: Uint8Array }>(
  format: CodeFormat<T>,
  value: Unsigned<T>,
  signSecret: Uint8Array,
): T {
  return withSignature<T>(value, sign(signingBytes(format, value), signSecret));
}

/** True if `value`'s signature covers its current fields under its own signing key. */
export function verifyCode<T extends { readonly signature: Uint8Array }>(
  format: CodeFormat<T>,
  value: T,
): boolean {
  try {
    const signer = format.signer(value);
    if (signer.length !== 32 || value.signature.length !== 64) return false;
    return verify(value.signature, signingBytes(format, value), signer);
  } catch {
    return false;
  }
}

export function encodeCode<T extends { readonly signature: Uint8Array }>(
  format: CodeFormat<T>,
  value: T,
): string {
  const e = encoding.createEncoder();
  encoding.writeUint8Array(e, body(format, value));
  encoding.writeVarUint8Array(e, value.signature);
  return format.prefix + toBase64Url(encoding.toUint8Array(e));
}

/** Parses, validates and verifies a code; refuses an unsigned (older) or altered one. */
export function parseCode<T extends { readonly signature: Uint8Array }>(
  format: CodeFormat<T>,
  text: string,
): T | { error: SignedCodeError } {
  const trimmed = text.trim();
  if (!trimmed.startsWith(format.prefix)) return { error: 'wrong-kind' };
  const bytes = fromBase64Url(trimmed.slice(format.prefix.length));
  if (isProtocolError(bytes)) return { error: 'damaged' };
  let value: T;
  try {
    const d = decoding.createDecoder(bytes);
    const version = decoding.readUint8(d);
    if (version === 1) return { error: 'outdated' };
    if (version !== SIGNED_CODE_FORMAT) return { error: 'damaged' };
    const fields = format.read(d);
    if (fields === null) return { error: 'damaged' };
    // A code with its signature cut off or replaced by something else was changed on purpose.
    if (!decoding.hasContent(d)) return { error: 'altered' };
    const signature = decoding.readVarUint8Array(d).slice();
    if (decoding.hasContent(d)) return { error: 'damaged' };
    if (signature.length !== 64) return { error: 'altered' };
    value = withSignature<T>(fields, signature);
  } catch {
    return { error: 'damaged' };
  }
  return verifyCode(format, value) ? value : { error: 'altered' };
}
