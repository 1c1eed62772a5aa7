import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import type { EpochKeys } from './manifest';

/**
 * What a device keeps secret, serialised for the passphrase vault: its own seed, the record root
 * seed (every owner device holds it), and the epoch keys it has opened (so that envelopes of
 * older epochs stay readable when the manifest no longer carries their lockboxes).
 */
export interface Keychain {
  readonly deviceSeed: Uint8Array;
  readonly rootSeed: Uint8Array | null;
  readonly epochKeys: EpochKeys;
}

const FORMAT = 1;

export function encodeKeychain(k: Keychain): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, FORMAT);
  encoding.writeVarUint8Array(e, k.deviceSeed);
  encoding.writeUint8(e, k.rootSeed ? 1 : 0);
  if (k.rootSeed) encoding.writeVarUint8Array(e, k.rootSeed);
  encoding.writeVarUint(e, k.epochKeys.size);
  for (const [docId, epochs] of k.epochKeys) {
    encoding.writeVarString(e, docId);
    encoding.writeVarUint(e, epochs.size);
    for (const [epoch, key] of epochs) {
      encoding.writeVarUint(e, epoch);
      encoding.writeVarUint8Array(e, key);
    }
  }
  return encoding.toUint8Array(e);
}

export function decodeKeychain(bytes: Uint8Array): Keychain | null {
  try {
    const d = decoding.createDecoder(bytes);
    if (decoding.readUint8(d) !== FORMAT) return null;
    const deviceSeed = decoding.readVarUint8Array(d).slice();
    const rootSeed = decoding.readUint8(d) === 1 ? decoding.readVarUint8Array(d).slice() : null;
    const epochKeys: EpochKeys = new Map();
    for (let i = decoding.readVarUint(d); i > 0; i--) {
      const docId = decoding.readVarString(d);
      const epochs = new Map<number, Uint8Array>();
      for (let j = decoding.readVarUint(d); j > 0; j--) {
        const epoch = decoding.readVarUint(d);
        epochs.set(epoch, decoding.readVarUint8Array(d).slice());
      }
      epochKeys.set(docId, epochs);
    }
    if (deviceSeed.length !== 32 || (rootSeed && rootSeed.length !== 32)) return null;
    return { deviceSeed, rootSeed, epochKeys };
  } catch {
    return null;
  }
}
