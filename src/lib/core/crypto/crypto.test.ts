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
  unwrapAndUpgrade,
  needsKdfUpgrade,
  meetsKdfMinimum,
  recoveryLocator,
  wrapWithPassphrase,
  DEFAULT_KDF,
  KdfError,
  LEGACY_KDF,
  type WrappedSecret,
} from './index';
import { legacyKit } from './testing';

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

  it('wraps new secrets with Argon2id at OWASP’s minimum', async () => {
    expect(DEFAULT_KDF).toEqual({ alg: 'argon2id', m: 19 * 1024, t: 2, p: 1 });
    expect(meetsKdfMinimum(DEFAULT_KDF)).toBe(true);
    expect(meetsKdfMinimum(LEGACY_KDF)).toBe(false);
    expect(meetsKdfMinimum({ alg: 'scrypt', N: 2 ** 17, r: 8, p: 1 })).toBe(true);
    const secret = randomBytes(32);
    const wrapped = await wrapWithPassphrase('correct horse battery', secret);
    expect(wrapped.kdf).toMatchObject(DEFAULT_KDF);
    expect(await unwrapWithPassphrase('correct horse battery', wrapped)).toEqual(secret);
    expect(needsKdfUpgrade(wrapped)).toBe(false);
  });

  it('re-wraps a secret written with the old scrypt N=2^15 settings, with a new salt', async () => {
    const secret = randomBytes(64);
    const old = await wrapWithPassphrase('correct horse battery', secret, LEGACY_KDF);
    expect(needsKdfUpgrade(old)).toBe(true);
    expect(await unwrapAndUpgrade('wrong horse battery', old)).toBeNull();
    const opened = await unwrapAndUpgrade('correct horse battery', old);
    expect(opened?.secret).toEqual(secret);
    const upgraded = await opened!.upgrade!();
    expect(upgraded.kdf).toMatchObject(DEFAULT_KDF);
    expect(toHex(upgraded.kdf.salt)).not.toBe(toHex(old.kdf.salt));
    expect(await unwrapWithPassphrase('correct horse battery', upgraded)).toEqual(secret);
    expect(needsKdfUpgrade(upgraded)).toBe(false);
    // The settings a device writes are not "upgraded" to themselves (tests write cheap ones).
    const fast = { alg: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;
    const cheap = await wrapWithPassphrase('x', secret, fast);
    expect((await unwrapAndUpgrade('x', cheap, fast))?.upgrade).toBeNull();
  }, 60_000);

  it('refuses stored settings that are unknown or absurd, before deriving anything', async () => {
    const wrapped = await wrapWithPassphrase('p', randomBytes(8), {
      alg: 'scrypt',
      N: 2 ** 10,
      r: 8,
      p: 1,
    });
    const bad = (kdf: unknown) => ({ ...wrapped, kdf }) as unknown as WrappedSecret;
    for (const kdf of [
      { ...wrapped.kdf, N: 2 ** 30 },
      { ...wrapped.kdf, N: 2 ** 20, r: 8 },
      { ...wrapped.kdf, N: 1000 },
      { ...wrapped.kdf, alg: 'pbkdf2' },
      { alg: 'argon2id', m: 2 ** 30, t: 2, p: 1, salt: wrapped.kdf.salt },
      { alg: 'argon2id', m: 19456, t: 2, p: 1, salt: new Uint8Array(4) },
      null,
    ]) {
      await expect(unwrapWithPassphrase('p', bad(kdf))).rejects.toBeInstanceOf(KdfError);
    }
  });
});

describe('recovery kit', () => {
  const root = rootKeysFromSeed(newSeed());
  const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const bare = (code: string) => code.replace(/-/g, '');

  it('restores the root from a 28-character code that holds no record id', () => {
    const kit = makeRecoveryKit(root);
    expect(kit.code).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(bare(kit.code).length).toBeLessThanOrEqual(32);
    const typed = kit.code.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o').replace(/1/g, 'l');
    const parsed = parseRecoveryCode(typed);
    if ('error' in parsed || parsed.format !== 2) throw new Error('not a format-2 code');
    expect(parsed.locator).toBe(kit.locator);
    expect(parsed.locator).toBe(recoveryLocator(parsed.secret));
    expect(parsed.secret.length * 5).toBeGreaterThanOrEqual(128);
    expect(kit.locator).not.toContain(root.recordId);
    const restored = openRecoveryBlob(parsed, kit.blob);
    expect(restored && toHex(restored.signPublic)).toBe(toHex(root.signPublic));
    // Two kits of one record share nothing the relay could link.
    expect(makeRecoveryKit(root).locator).not.toBe(kit.locator);
  });

  it('catches every single mistyped character and every swap of two characters', () => {
    const kit = makeRecoveryKit(root);
    const chars = bare(kit.code).split('');
    for (let i = 0; i < chars.length; i++) {
      for (const c of CROCKFORD) {
        if (c === chars[i]) continue;
        const typo = [...chars];
        typo[i] = c;
        expect(parseRecoveryCode(typo.join(''))).toEqual({ error: 'checksum' });
      }
      for (let j = i + 1; j < chars.length; j++) {
        if (chars[i] === chars[j]) continue;
        const swapped = [...chars];
        [swapped[i], swapped[j]] = [swapped[j]!, swapped[i]!];
        expect(parseRecoveryCode(swapped.join(''))).toEqual({ error: 'checksum' });
      }
    }
    expect(parseRecoveryCode('')).toEqual({ error: 'empty' });
    expect(parseRecoveryCode(' - ')).toEqual({ error: 'empty' });
    expect(parseRecoveryCode(`${bare(kit.code).slice(0, 27)}U`)).toEqual({ error: 'characters' });
    expect(parseRecoveryCode('AAAA-BBB#')).toEqual({ error: 'characters' });
    expect(parseRecoveryCode('AAAA-BBBB')).toEqual({ error: 'length' });
    expect(parseRecoveryCode(bare(kit.code).slice(0, 27))).toEqual({ error: 'length' });
  });

  it('refuses a blob of another kit, of another format, or altered', () => {
    const kit = makeRecoveryKit(root);
    const parsed = parseRecoveryCode(kit.code);
    if ('error' in parsed) throw new Error(parsed.error);
    expect(openRecoveryBlob(parsed, makeRecoveryKit(root).blob)).toBeNull();
    const altered = kit.blob.slice();
    altered[altered.length - 1]! ^= 1;
    expect(openRecoveryBlob(parsed, altered)).toBeNull();
    expect(openRecoveryBlob(parsed, legacyKit(root).blob)).toBeNull();
    expect(openRecoveryBlob(parsed, kit.blob.subarray(0, 20))).toBeNull();
  });

  it('still reads a format-1 (80-character) kit printed before, and catches its typos', () => {
    const old = legacyKit(root);
    expect(bare(old.code)).toHaveLength(80);
    const parsed = parseRecoveryCode(old.code.toLowerCase());
    if ('error' in parsed || parsed.format !== 1) throw new Error('not a format-1 code');
    expect(parsed.recordId).toBe(root.recordId);
    const restored = openRecoveryBlob(parsed, old.blob);
    expect(restored && toHex(restored.signPublic)).toBe(toHex(root.signPublic));
    // A relay handing over the blob of another record (opened by the same kit secret) fails.
    const otherRoot = rootKeysFromSeed(newSeed());
    expect(openRecoveryBlob(parsed, legacyKit(otherRoot, old.kitSecret).blob)).toBeNull();
    const chars = old.code.split('');
    chars[5] = chars[5] === 'A' ? 'B' : 'A';
    expect(parseRecoveryCode(chars.join(''))).toEqual({ error: 'checksum' });
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
