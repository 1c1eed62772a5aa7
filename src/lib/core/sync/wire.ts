/**
 * What the three signed binary formats share: the protocol generation, the key and signature
 * sizes, the field readers and the decoding frame (format byte, full validation, no trailing
 * bytes, a {@link ProtocolError} instead of a throw), and the strict signature check. Each format
 * signs under a domain string of its own, defined next to it, which separates the signatures of
 * the formats from each other.
 *
 * The helpers below are internal to `core/sync`: `protocol.ts` does not re-export them.
 */
import * as decoding from 'lib0/decoding';
import { verifyStrict } from '../crypto/ed25519';
import { isValidId } from './names';
import { protocolError, type ProtocolError } from './protocol-error';

/** The protocol generation. Bump on any incompatible change of the formats below. */
export const PROTOCOL_VERSION = 1;

export const KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

/** Reads a fixed-length byte field; throws inside `decodeWith`, which turns it into an error. */
export function readFixed(d: decoding.Decoder, length: number, what: string): Uint8Array {
  const bytes = decoding.readVarUint8Array(d);
  if (bytes.length !== length) throw new DecodeFailure(`${what} must be ${length} bytes.`);
  return bytes.slice();
}

export function readId(d: decoding.Decoder, what: string): string {
  const id = decoding.readVarString(d);
  if (!isValidId(id)) throw new DecodeFailure(`${what} is not a valid id.`);
  return id;
}

export class DecodeFailure extends Error {}

export function decodeWith<T>(
  bytes: Uint8Array,
  format: number,
  what: string,
  read: (d: decoding.Decoder) => T,
): T | ProtocolError {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    return protocolError('malformed', `The ${what} is empty.`);
  }
  const d = decoding.createDecoder(bytes);
  try {
    const version = decoding.readUint8(d);
    if (version !== format) {
      return protocolError(
        'unsupported-version',
        `This ${what} uses format ${version}; this app understands format ${format}.`,
      );
    }
    const value = read(d);
    if (decoding.hasContent(d)) throw new DecodeFailure(`The ${what} has trailing bytes.`);
    return value;
  } catch (e) {
    const detail = e instanceof DecodeFailure ? e.message : 'It is truncated or corrupt.';
    return protocolError('malformed', `The ${what} cannot be read: ${detail}`);
  }
}

export function verifySignature(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  return verifyStrict(signature, message, publicKey);
}
