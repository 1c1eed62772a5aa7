import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { recordIdForRootKey, toHex } from '../sync/protocol';
import { asDeviceId, asRecordId, type DeviceId, type RecordId } from '../ids';
import { randomBytes } from './random';

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

export function sign(message: Uint8Array, signSecret: Uint8Array): Uint8Array {
  return ed25519.sign(message, signSecret);
}

export function verify(
  signature: Uint8Array,
  message: Uint8Array,
  signPublic: Uint8Array,
): boolean {
  try {
    return ed25519.verify(signature, message, signPublic);
  } catch {
    return false;
  }
}

/**
 * A short fingerprint of a public key, shown on both screens when devices are linked or a share is
 * confirmed: 8 groups of 4 digits from SHA-256, easy to compare aloud.
 */
export function fingerprint(publicKey: Uint8Array): string {
  const h = sha256(publicKey);
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) {
    const n = ((h[i * 2]! << 8) | h[i * 2 + 1]!) % 10000;
    groups.push(n.toString().padStart(4, '0'));
  }
  return groups.join(' ');
}
