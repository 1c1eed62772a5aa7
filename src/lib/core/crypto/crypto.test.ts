import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, toHex, type EnvelopeHeader } from '../sync/protocol';
import {
  deviceFingerprint,
  deviceKeysFromSeed,
  recordFingerprint,
  makeRecoveryKit,
  newSeed,
  openEnvelope,
  openRecoveryBlob,
  openSealed,
  parseRecoveryCode,
  randomBytes,
  rootKeysFromSeed,
  seal,
  sealEnvelope,
  unwrapWithPassphrase,
  wrapWithPassphrase,
} from './index';

const author = deviceKeysFromSeed(newSeed());
const key = randomBytes(32);
const header: EnvelopeHeader = {
  kind: 'update',
  docId: 'clinical-abc',
  epoch: 0,
  author: author.signPublic,
  seq: 1,
  covers: new Map(),
};
const text = new TextEncoder().encode('lower back pain 6/10 after gardening');

describe('envelopes', () => {
  it('round-trips through bytes and opens with the epoch key', () => {
    const env = decodeEnvelope(encodeEnvelope(sealEnvelope(header, key, text, author.signSecret)));
    if ('error' in env) throw new Error(env.message);
    expect(openEnvelope(env, key)).toEqual(text);
  });

  it('does not contain the plaintext', () => {
    const bytes = encodeEnvelope(sealEnvelope(header, key, text, author.signSecret));
    expect(Buffer.from(bytes).includes(Buffer.from('gardening'))).toBe(false);
  });

  it('rejects every single flipped bit', () => {
    const bytes = encodeEnvelope(sealEnvelope(header, key, text, author.signSecret));
    for (let i = 0; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i]! ^= 1 << (i % 8);
      const env = decodeEnvelope(bad);
      if ('error' in env) continue;
      expect(openEnvelope(env, key), `bit flip at byte ${i}`).toBeNull();
    }
  });

  it('rejects a wrong key and a header moved to another seq, epoch or author', () => {
    const env = sealEnvelope(header, key, text, author.signSecret);
    expect(openEnvelope(env, randomBytes(32))).toBeNull();
    expect(openEnvelope({ ...env, seq: 2 }, key)).toBeNull();
    expect(openEnvelope({ ...env, epoch: 1 }, key)).toBeNull();
    const other = deviceKeysFromSeed(newSeed());
    expect(openEnvelope({ ...env, author: other.signPublic }, key)).toBeNull();
  });

  it('rejects an envelope re-signed by someone else under the original author', () => {
    const mallory = deviceKeysFromSeed(newSeed());
    const forged = sealEnvelope(header, key, text, mallory.signSecret);
    expect(openEnvelope(forged, key)).toBeNull();
  });
});

describe('sealing', () => {
  const recipient = deviceKeysFromSeed(newSeed());
  it('opens for the recipient in the same context only', () => {
    const sealed = seal(recipient.boxPublic, key, 'epoch-key:doc:0');
    expect(openSealed(recipient.boxSecret, sealed, 'epoch-key:doc:0')).toEqual(key);
    expect(openSealed(recipient.boxSecret, sealed, 'epoch-key:doc:1')).toBeNull();
    expect(
      openSealed(deviceKeysFromSeed(newSeed()).boxSecret, sealed, 'epoch-key:doc:0'),
    ).toBeNull();
    expect(openSealed(recipient.boxSecret, sealed.subarray(0, 20), 'epoch-key:doc:0')).toBeNull();
  });
});

describe('passphrase vault', () => {
  it('unwraps with the passphrase and refuses a wrong one', async () => {
    const secret = randomBytes(64);
    const fast = { alg: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;
    const wrapped = await wrapWithPassphrase('correct horse battery', secret, fast);
    expect(await unwrapWithPassphrase('correct horse battery', wrapped)).toEqual(secret);
    expect(await unwrapWithPassphrase('correct horse batterY', wrapped)).toBeNull();
  });

  it('treats composed and decomposed unicode passphrases alike', async () => {
    const secret = randomBytes(32);
    const fast = { alg: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;
    const wrapped = await wrapWithPassphrase('Rygsæk Ørebro', secret, fast);
    expect(await unwrapWithPassphrase('Rygsæk Ørebro'.normalize('NFD'), wrapped)).toEqual(secret);
  });
});

describe('recovery kit', () => {
  const root = rootKeysFromSeed(newSeed());

  it('restores the root from the code and the blob', () => {
    const kit = makeRecoveryKit(root);
    const parsed = parseRecoveryCode(kit.code.toLowerCase().replace(/-/g, ' '));
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.recordId).toBe(root.recordId);
    const restored = openRecoveryBlob(parsed.recordId, parsed.kitSecret, kit.blob);
    expect(restored && toHex(restored.signPublic)).toBe(toHex(root.signPublic));
  });

  it('catches typos with the checksum and refuses a blob of another kit', () => {
    const kit = makeRecoveryKit(root);
    const chars = kit.code.split('');
    chars[5] = chars[5] === 'A' ? 'B' : 'A';
    expect(parseRecoveryCode(chars.join(''))).toEqual({ error: 'checksum' });
    expect(parseRecoveryCode('')).toEqual({ error: 'empty' });
    expect(parseRecoveryCode('0000')).toEqual({ error: 'characters' });
    expect(parseRecoveryCode('AAAA-BBBB')).toEqual({ error: 'length' });
    const newer = makeRecoveryKit(root);
    const parsed = parseRecoveryCode(kit.code);
    if ('error' in parsed) throw new Error(parsed.error);
    expect(openRecoveryBlob(parsed.recordId, parsed.kitSecret, newer.blob)).toBeNull();
  });
});

describe('fingerprints', () => {
  it('are 8 groups of 4 digits and differ between keys', () => {
    const a = deviceFingerprint(author);
    expect(a).toMatch(/^(\d{4} ){7}\d{4}$/);
    expect(deviceFingerprint(deviceKeysFromSeed(newSeed()))).not.toBe(a);
    expect(recordFingerprint(author.signPublic)).toMatch(/^(\d{4} ){7}\d{4}$/);
  });

  it('a device fingerprint commits to the box key as well as the signing key', () => {
    const attacker = deviceKeysFromSeed(newSeed());
    const shown = deviceFingerprint(author);
    // Only the box key swapped (what an editor of a code needs to receive sealed secrets).
    expect(
      deviceFingerprint({ signPublic: author.signPublic, boxPublic: attacker.boxPublic }),
    ).not.toBe(shown);
    // Only the signing key swapped, and both swapped.
    expect(
      deviceFingerprint({ signPublic: attacker.signPublic, boxPublic: author.boxPublic }),
    ).not.toBe(shown);
    expect(deviceFingerprint(attacker)).not.toBe(shown);
    // The keys are not interchangeable: swapping their places changes the numbers too.
    expect(
      deviceFingerprint({ signPublic: author.boxPublic, boxPublic: author.signPublic }),
    ).not.toBe(shown);
  });

  it('are domain-separated: a record fingerprint is not a device fingerprint of the same key', () => {
    const k = author.signPublic;
    expect(recordFingerprint(k)).not.toBe(deviceFingerprint({ signPublic: k, boxPublic: k }));
    expect(recordFingerprint(k)).toBe(recordFingerprint(k.slice()));
    expect(recordFingerprint(deviceKeysFromSeed(newSeed()).signPublic)).not.toBe(
      recordFingerprint(k),
    );
  });
});
