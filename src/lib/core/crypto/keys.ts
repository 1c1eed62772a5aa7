import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { recordIdForRootKey, toHex } from '../sync/protocol';
import { asDeviceId, asRecordId, type DeviceId, type RecordId } from '../ids';
import { randomBytes } from './random';
import { signEd25519, verifyStrict } from './ed25519';

/** An Ed25519 pair for signing and an X25519 pair to which keys are sealed. */
export interface KeyPairs {
  readonly signPublic: Uint8Array;
  readonly signSecret: Uint8Array;
  readonly boxPublic: Uint8Array;
  readonly boxSecret: Uint8Array;
}

export interface DeviceKeys extends KeyPairs {
  readonly deviceId: DeviceId;
}

export interface RootKeys extends KeyPairs {
  /** 32 bytes from which both pairs are derived; what recovery restores. */
  readonly seed: Uint8Array;
  readonly recordId: RecordId;
}

/** A 32-byte key for one purpose (`label`) derived from a seed with HKDF-SHA256. */
export function deriveKey(seed: Uint8Array, label: string): Uint8Array {
  return hkdf(sha256, seed, undefined, utf8ToBytes(`backpack/${label}/1`), 32);
}

function pairsFromSeed(seed: Uint8Array): KeyPairs {
  if (seed.length !== 32) throw new Error('A key seed is 32 bytes.');
  const signSecret = deriveKey(seed, 'sign');
  const boxSecret = deriveKey(seed, 'box');
  return {
    signSecret,
    signPublic: ed25519.getPublicKey(signSecret),
    boxSecret,
    boxPublic: x25519.getPublicKey(boxSecret),
  };
}

/** A new device's keys; the seed never leaves the device (it is kept in the passphrase vault). */
export function deviceKeysFromSeed(seed: Uint8Array): DeviceKeys {
  const pairs = pairsFromSeed(seed);
  return { ...pairs, deviceId: asDeviceId(toHex(pairs.signPublic)) };
}

export function rootKeysFromSeed(seed: Uint8Array): RootKeys {
  const pairs = pairsFromSeed(seed);
  return {
    ...pairs,
    seed: seed.slice(),
    recordId: asRecordId(recordIdForRootKey(pairs.signPublic)),
  };
}

export function newSeed(): Uint8Array {
  return randomBytes(32);
}

/** Ed25519 (RFC 8032), with the expanded key computed once per secret: the same bytes as noble. */
export function sign(message: Uint8Array, signSecret: Uint8Array): Uint8Array {
  return signEd25519(message, signSecret);
}

export function verify(
  signature: Uint8Array,
  message: Uint8Array,
  signPublic: Uint8Array,
): boolean {
  return verifyStrict(signature, message, signPublic);
}

/**
 * A short fingerprint of labelled public keys: 8 groups of 4 digits from SHA-256 over a
 * domain-separation label and every key (length-prefixed), easy to compare aloud. Both screens
 * show it when devices are linked or a share is confirmed, so it must cover every key the other
 * side will seal to or pin: change any one of them and the numbers change.
 */
function fingerprintOf(label: string, keys: readonly Uint8Array[]): string {
  const labelBytes = utf8ToBytes(label);
  const input = new Uint8Array(labelBytes.length + 1 + keys.reduce((n, k) => n + 2 + k.length, 0));
  input.set(labelBytes, 0);
  let at = labelBytes.length + 1; // a zero byte ends the label
  for (const k of keys) {
    input[at] = k.length >> 8;
    input[at + 1] = k.length & 0xff;
    input.set(k, at + 2);
    at += 2 + k.length;
  }
  const h = sha256(input);
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) {
    const n = ((h[i * 2]! << 8) | h[i * 2 + 1]!) % 10000;
    groups.push(n.toString().padStart(4, '0'));
  }
  return groups.join(' ');
}

/** A device's fingerprint: commits to its signing key and to the box key secrets are sealed to. */
export function deviceFingerprint(d: {
  readonly signPublic: Uint8Array;
  readonly boxPublic: Uint8Array;
}): string {
  return fingerprintOf('backpack/fingerprint/device/2', [d.signPublic, d.boxPublic]);
}

/** A record's fingerprint: commits to the root public key, which invitees pin the record to. */
export function recordFingerprint(rootKey: Uint8Array): string {
  return fingerprintOf('backpack/fingerprint/record/2', [rootKey]);
}
