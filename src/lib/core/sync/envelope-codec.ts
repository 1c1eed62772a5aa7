/**
 * Envelopes: one encrypted Yjs update or snapshot of a compartment, as the relay stores and
 * forwards it. Its header, the header as the ciphertext's additional data, the bytes the author
 * signs, the codec and the signature check.
 */
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { concat } from './bytes';
import type { ProtocolError } from './protocol-error';
import {
  DecodeFailure,
  KEY_BYTES,
  SIGNATURE_BYTES,
  decodeWith,
  readFixed,
  readId,
  verifySignature,
} from './wire';

/**
 * 2: the header names the manifest version its author wrote under. Format 1 envelopes (without
 * it) are still read.
 */
export const ENVELOPE_FORMAT = 2;
const LEGACY_ENVELOPE_FORMAT = 1;

const DOMAIN_ENVELOPE = utf8ToBytes('backpack/envelope/1\0');

export const NONCE_BYTES = 24;
/** Upper bound of one envelope's ciphertext (a snapshot of a large record fits comfortably). */
export const MAX_CIPHERTEXT_BYTES = 16 * 1024 * 1024;

export type EnvelopeKind = 'update' | 'snapshot';
const ENVELOPE_KINDS: readonly EnvelopeKind[] = ['update', 'snapshot'];

/** A snapshot's `covers`: for each author (hex of the public key), the highest seq it includes. */
export type Covers = ReadonlyMap<string, number>;

export interface EnvelopeHeader {
  readonly kind: EnvelopeKind;
  readonly docId: string;
  readonly epoch: number;
  /** Ed25519 public key of the writing device. */
  readonly author: Uint8Array;
  /** Per author and document, +1 for each envelope (snapshots included). */
  readonly seq: number;
  /** Empty for updates. */
  readonly covers: Covers;
  /**
   * The version of the manifest the author held when it wrote this (format 2). A device that
   * sees a newer version from a device that may change sharing stops writing until it has that
   * manifest. Absent in format 1 envelopes.
   */
  readonly manifestVersion?: number;
}

export interface Envelope extends EnvelopeHeader {
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly signature: Uint8Array;
}

function writeHeader(e: encoding.Encoder, h: EnvelopeHeader): void {
  const legacy = h.manifestVersion === undefined;
  encoding.writeUint8(e, legacy ? LEGACY_ENVELOPE_FORMAT : ENVELOPE_FORMAT);
  encoding.writeUint8(e, ENVELOPE_KINDS.indexOf(h.kind));
  encoding.writeVarString(e, h.docId);
  encoding.writeVarUint(e, h.epoch);
  encoding.writeVarUint8Array(e, h.author);
  encoding.writeVarUint(e, h.seq);
  const covers = [...h.covers.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  encoding.writeVarUint(e, covers.length);
  for (const [author, seq] of covers) {
    encoding.writeVarString(e, author);
    encoding.writeVarUint(e, seq);
  }
  if (!legacy) encoding.writeVarUint(e, h.manifestVersion ?? 0);
}

/**
 * The additional authenticated data of an envelope's ciphertext: its encoded header, so that a
 * ciphertext cannot be moved to another document, epoch, author, position or kind.
 */
export function envelopeAad(h: EnvelopeHeader): Uint8Array {
  const e = encoding.createEncoder();
  writeHeader(e, h);
  return encoding.toUint8Array(e);
}

/** What the author signs: a domain string, the header, the nonce and the ciphertext. */
export function envelopeSigningBytes(
  h: EnvelopeHeader,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array {
  return concat(DOMAIN_ENVELOPE, envelopeAad(h), nonce, ciphertext);
}

export function encodeEnvelope(env: Envelope): Uint8Array {
  const e = encoding.createEncoder();
  writeHeader(e, env);
  encoding.writeVarUint8Array(e, env.nonce);
  encoding.writeVarUint8Array(e, env.ciphertext);
  encoding.writeVarUint8Array(e, env.signature);
  return encoding.toUint8Array(e);
}

export function decodeEnvelope(bytes: Uint8Array): Envelope | ProtocolError {
  const format =
    bytes instanceof Uint8Array && bytes[0] === LEGACY_ENVELOPE_FORMAT
      ? LEGACY_ENVELOPE_FORMAT
      : ENVELOPE_FORMAT;
  return decodeWith(bytes, format, 'envelope', (d) => {
    const kind = ENVELOPE_KINDS[decoding.readUint8(d)];
    if (!kind) throw new DecodeFailure('Unknown kind.');
    const docId = readId(d, 'The document id');
    const epoch = decoding.readVarUint(d);
    const author = readFixed(d, KEY_BYTES, 'The author key');
    const seq = decoding.readVarUint(d);
    if (seq < 1) throw new DecodeFailure('seq starts at 1.');
    const coverCount = decoding.readVarUint(d);
    if (kind === 'update' && coverCount !== 0) throw new DecodeFailure('Updates cover nothing.');
    const covers = new Map<string, number>();
    let previous = '';
    for (let i = 0; i < coverCount; i++) {
      const who = decoding.readVarString(d);
      if (!/^[0-9a-f]{64}$/.test(who) || who <= previous) {
        throw new DecodeFailure('covers must list distinct author keys in order.');
      }
      previous = who;
      covers.set(who, decoding.readVarUint(d));
    }
    const manifestVersion = format === ENVELOPE_FORMAT ? decoding.readVarUint(d) : undefined;
    const nonce = readFixed(d, NONCE_BYTES, 'The nonce');
    const ciphertext = decoding.readVarUint8Array(d).slice();
    if (ciphertext.length > MAX_CIPHERTEXT_BYTES) throw new DecodeFailure('Too large.');
    const signature = readFixed(d, SIGNATURE_BYTES, 'The signature');
    const header = { kind, docId, epoch, author, seq, covers };
    return {
      ...header,
      ...(manifestVersion === undefined ? {} : { manifestVersion }),
      nonce,
      ciphertext,
      signature,
    };
  });
}

export function verifyEnvelopeSignature(env: Envelope): boolean {
  return verifySignature(
    env.signature,
    envelopeSigningBytes(env, env.nonce, env.ciphertext),
    env.author,
  );
}
