/** The manifest rules, and the manifest codec they read (round trips, truncations, junk). */
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from './envelope-codec';
import {
  decodeManifest,
  encodeManifest,
  manifestSigningBytes,
  type ManifestBody,
} from './manifest-codec';
import { granteeFor, verifyManifest } from './manifest-rules';
import { recordIdForRootKey } from './names';
import { isProtocolError } from './protocol-error';

const device = ed25519.keygen();
const root = ed25519.keygen();
const recordId = recordIdForRootKey(root.publicKey);
const now = 1_800_000_000_000;

function manifest(overrides: Partial<ManifestBody> = {}, secret = root.secretKey) {
  const body: ManifestBody = {
    recordId,
    version: 1,
    rootKey: root.publicKey,
    rootBoxKey: new Uint8Array(32).fill(1),
    issuedAt: now,
    compartments: [{ name: 'clinical', docId: 'clinical', epoch: 0 }],
    grantees: [
      {
        deviceKey: device.publicKey,
        boxKey: new Uint8Array(32).fill(2),
        role: 'owner',
        compartments: ['clinical'],
        since: now,
        notAfter: null,
        certificate: null,
      },
    ],
    lockboxes: [],
    signer: root.publicKey,
    ...overrides,
  };
  return { ...body, signature: ed25519.sign(manifestSigningBytes(body), secret) };
}

describe('manifests', () => {
  it('round-trips and verifies', () => {
    const m = decodeManifest(encodeManifest(manifest()));
    if (isProtocolError(m)) throw new Error(m.message);
    expect(verifyManifest(m)).toBeNull();
    expect(granteeFor(m, device.publicKey, 'clinical', now)?.role).toBe('owner');
    expect(granteeFor(m, device.publicKey, 'journal', now)).toBeNull();
  });

  it('refuses a forged signature and a root key of another record', () => {
    const forged = manifest({}, ed25519.keygen().secretKey);
    expect(verifyManifest(forged)?.error).toBe('bad-signature');
    const other = ed25519.keygen();
    const squatted = manifest(
      { rootKey: other.publicKey, signer: other.publicKey },
      other.secretKey,
    );
    expect(verifyManifest(squatted)?.error).toBe('wrong-record');
  });

  it('ends a grant at notAfter', () => {
    const m = manifest({
      grantees: [
        {
          deviceKey: device.publicKey,
          boxKey: new Uint8Array(32),
          role: 'viewer',
          compartments: ['clinical'],
          since: now,
          notAfter: now + 1000,
          certificate: null,
        },
      ],
    });
    expect(granteeFor(m, device.publicKey, 'clinical', now + 999)?.role).toBe('viewer');
    expect(granteeFor(m, device.publicKey, 'clinical', now + 1000)).toBeNull();
  });

  it('rejects truncations and random bytes without throwing', () => {
    const bytes = encodeManifest(manifest());
    for (let i = 0; i < bytes.length; i += 7) {
      expect(isProtocolError(decodeManifest(bytes.subarray(0, i)))).toBe(true);
    }
    let seed = 1;
    for (let n = 0; n < 500; n++) {
      const junk = Uint8Array.from({ length: (n % 90) + 1 }, () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed & 255;
      });
      expect(() => decodeManifest(junk)).not.toThrow();
      expect(() => decodeEnvelope(junk)).not.toThrow();
    }
  });
});
