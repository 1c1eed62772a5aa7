import { ed25519 } from '@noble/curves/ed25519.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { randomBytes } from './random';
import { sign } from './keys';
import {
  ed25519Backend,
  forceEd25519Backend,
  precheck,
  publicKeyOf,
  signEd25519,
  verifyEd25519,
  useNativeVerifier,
  verifyNoble,
  verifyStrict,
  verifyWebCryptoUnchecked,
} from './ed25519';
import { signEd25519Async, signEd25519Then } from './ed25519-sign';
import { nativeEd25519 } from '../../../../sync-server/src/native-ed25519';
import { ed25519Vectors } from './ed25519-vectors';

const vectors = ed25519Vectors();

afterEach(() => forceEd25519Backend(null));

describe('Ed25519: one strict rule on both paths', () => {
  it('uses WebCrypto in Node 20 and can be forced to the noble fallback', async () => {
    expect(await ed25519Backend()).toBe('webcrypto');
    forceEd25519Backend('noble');
    expect(await ed25519Backend()).toBe('noble');
  });

  it('has a table covering RFC 8032, non-canonical S, R and A, small-order A and R, lengths', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(30);
    const names = vectors.map((v) => v.name).join('\n');
    for (const what of [
      'RFC 8032 test 1',
      'non-canonical S',
      'non-canonical R',
      'non-canonical A',
      'small-order A',
      'small-order R',
      'mixed-order R',
      'mixed-order A',
      'signature 63 bytes',
      'public key 33 bytes',
    ]) {
      expect(names).toContain(what);
    }
    expect(vectors.filter((v) => v.name.startsWith('small-order A'))).toHaveLength(8);
  });

  it.each(['webcrypto', 'noble'] as const)(
    'the shared vectors give the strict verdict on the %s path',
    async (backend) => {
      forceEd25519Backend(backend);
      const verdicts = await Promise.all(
        vectors.map((v) => verifyEd25519(v.signature, v.message, v.publicKey)),
      );
      expect(verdicts.map((ok, i) => `${vectors[i]!.name}: ${ok}`)).toEqual(
        vectors.map((v) => `${v.name}: ${v.valid}`),
      );
    },
  );

  it('the synchronous path (relay, manifests, tokens) gives the same verdicts', () => {
    expect(
      vectors.map((v) => `${v.name}: ${verifyStrict(v.signature, v.message, v.publicKey)}`),
    ).toEqual(vectors.map((v) => `${v.name}: ${v.valid}`));
  });

  it('the native Node path (the relay: OpenSSL behind the prechecks) gives the same verdicts', () => {
    useNativeVerifier(nativeEd25519);
    try {
      expect(
        vectors.map((v) => `${v.name}: ${verifyStrict(v.signature, v.message, v.publicKey)}`),
      ).toEqual(vectors.map((v) => `${v.name}: ${v.valid}`));
    } finally {
      useNativeVerifier(null);
    }
    expect(
      vectors.map((v) => `${v.name}: ${verifyNoble(v.signature, v.message, v.publicKey)}`),
    ).toEqual(vectors.map((v) => `${v.name}: ${v.valid}`));
  });

  it('needs its prechecks and cofactorless equation: bare WebCrypto and bare noble disagree', async () => {
    const bareWeb = await Promise.all(
      vectors.map((v) => verifyWebCryptoUnchecked(v.signature, v.message, v.publicKey)),
    );
    const bareNoble = vectors.map((v) => {
      try {
        return ed25519.verify(v.signature, v.message, v.publicKey, { zip215: false });
      } catch {
        return false;
      }
    });
    const webDiffers = vectors.filter((v, i) => bareWeb[i] !== v.valid).map((v) => v.name);
    const nobleDiffers = vectors.filter((v, i) => bareNoble[i] !== v.valid).map((v) => v.name);
    // Measured on Node 20.20 (OpenSSL 3): it accepts small-order and non-canonical keys and a
    // small-order R; noble's verify (cofactored) accepts an R or A with a small-order component.
    expect(webDiffers).toContain('small-order A #4 (order 2), R = identity, S = 0');
    expect(webDiffers).toContain('non-canonical A (y = p), R = identity, S = 0');
    expect(nobleDiffers).toContain('mixed-order R (R + T8)');
    expect(nobleDiffers).toContain('small-order R #2, S = k·a');
  });

  it('refuses with a reason before any curve arithmetic', () => {
    const t1 = vectors[0]!;
    expect(precheck(t1.signature, t1.publicKey)).toBeNull();
    expect(precheck(t1.signature.subarray(0, 63), t1.publicKey)).toBe('signature-length');
    expect(precheck(t1.signature, t1.publicKey.subarray(1))).toBe('key-length');
    const byName = (n: string) => vectors.find((v) => v.name === n)!;
    const nc = byName('non-canonical S (S + L)');
    expect(precheck(nc.signature, nc.publicKey)).toBe('s-not-canonical');
    const ncA = vectors.find((v) => v.name.startsWith('non-canonical A'))!;
    expect(precheck(ncA.signature, ncA.publicKey)).toBe('key-not-canonical');
    const so = vectors.find((v) => v.name.startsWith('small-order A #1'))!;
    expect(precheck(so.signature, so.publicKey)).toBe('key-small-order');
    const sr = vectors.find((v) => v.name.startsWith('small-order R'))!;
    expect(precheck(sr.signature, sr.publicKey)).toBe('r-small-order');
  });

  it('once the path and the key are known, hands checks and signatures to WebCrypto in the calling task, with the same verdicts and bytes', async () => {
    forceEd25519Backend('webcrypto');
    const check = () => vectors.map((v) => verifyEd25519(v.signature, v.message, v.publicKey));
    await Promise.all(check()); // imports the keys
    const subtle = globalThis.crypto.subtle;
    const verify = vi.spyOn(subtle, 'verify');
    const signing = vi.spyOn(subtle, 'sign');
    try {
      const pending = check();
      const startedNow = verify.mock.calls.length; // before anything was awaited
      const verdicts = await Promise.all(pending);
      // Every vector past the byte prechecks (the others never reach WebCrypto).
      expect(startedNow).toBe(
        vectors.filter((v) => precheck(v.signature, v.publicKey) === null).length,
      );
      expect(verify.mock.calls.length).toBe(startedNow);
      expect(verdicts.map((ok, i) => `${vectors[i]!.name}: ${ok}`)).toEqual(
        vectors.map((v) => `${v.name}: ${v.valid}`),
      );
      const secret = randomBytes(32);
      const msg = randomBytes(80);
      await signEd25519Async(msg, secret); // imports the key
      signing.mockClear();
      const signature = signEd25519Async(msg, secret);
      expect(signing.mock.calls.length).toBe(1);
      expect(Buffer.from(await signature).toString('hex')).toBe(
        Buffer.from(ed25519.sign(msg, secret)).toString('hex'),
      );
    } finally {
      verify.mockRestore();
      signing.mockRestore();
    }
  });

  it('signEd25519Then hands the signature over in the first reaction to WebCrypto, before anything queued after it', async () => {
    forceEd25519Backend('webcrypto');
    const secret = randomBytes(32);
    const msg = randomBytes(80);
    await signEd25519Async(msg, secret); // imports the key
    const subtle = globalThis.crypto.subtle;
    const made: Promise<ArrayBuffer>[] = [];
    const real = subtle.sign.bind(subtle);
    const signing = vi.spyOn(subtle, 'sign').mockImplementation((...args) => {
      const p = real(...args);
      made.push(p);
      return p;
    });
    try {
      const order: string[] = [];
      let signature: Uint8Array | null = null;
      const now = signEd25519Then(msg, secret, (sig) => {
        order.push('signed');
        signature = sig;
      });
      expect(now).toBeNull();
      expect(order).toEqual([]); // never before it returns
      // Something the page queues on the same operation afterwards (as a render would be) comes
      // second; behind a derived promise (signEd25519Async) the signature would come after it.
      await made[0]!.then(() => order.push('queued after'));
      expect(order).toEqual(['signed', 'queued after']);
      expect(Buffer.from(signature!).toString('hex')).toBe(
        Buffer.from(ed25519.sign(msg, secret)).toString('hex'),
      );
      // With the noble path the signature is made at once, and `done` is not called.
      forceEd25519Backend('noble');
      const calls: Uint8Array[] = [];
      const direct = signEd25519Then(msg, secret, (sig) => calls.push(sig));
      expect(Buffer.from(direct!).toString('hex')).toBe(Buffer.from(signature!).toString('hex'));
      await new Promise((r) => setTimeout(r, 5));
      expect(calls).toEqual([]);
    } finally {
      signing.mockRestore();
    }
  });

  it('agrees with noble on random honest signatures and tampering, on both paths', async () => {
    for (let i = 0; i < 20; i++) {
      const secret = randomBytes(32);
      const pk = publicKeyOf(secret);
      const msg = randomBytes(1 + i * 7);
      const sig = signEd25519(msg, secret);
      const bad = sig.slice();
      bad[i % 64]! ^= 0x10;
      for (const backend of ['webcrypto', 'noble'] as const) {
        forceEd25519Backend(backend);
        expect(await verifyEd25519(sig, msg, pk)).toBe(true);
        expect(await verifyEd25519(bad, msg, pk)).toBe(false);
      }
      expect(verifyStrict(sig, msg, pk)).toBe(true);
    }
  });

  it('signs identically with WebCrypto and noble (RFC 8032 signatures are deterministic)', async () => {
    const secret = randomBytes(32);
    const msg = randomBytes(100);
    forceEd25519Backend('webcrypto');
    const web = await signEd25519Async(msg, secret);
    forceEd25519Backend('noble');
    const noble = await signEd25519Async(msg, secret);
    expect(Buffer.from(web).toString('hex')).toBe(Buffer.from(noble).toString('hex'));
    expect(Buffer.from(web).toString('hex')).toBe(
      Buffer.from(signEd25519(msg, secret)).toString('hex'),
    );
  });

  it('signs with WebCrypto under a key imported once per secret: RFC 8032 vector, noble bytes, a reused array', async () => {
    forceEd25519Backend('webcrypto');
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
    // RFC 8032 §7.1 test 2, twice (the second from the cached key).
    const rfcSecret = bytes('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb');
    const rfcSig =
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da' +
      '085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00';
    expect(hex(await signEd25519Async(bytes('72'), rfcSecret))).toBe(rfcSig);
    expect(hex(await signEd25519Async(bytes('72'), rfcSecret))).toBe(rfcSig);
    // Many at once under one secret, as a burst of edits would.
    const secret = randomBytes(32);
    const msgs = Array.from({ length: 20 }, (_, i) => randomBytes(i * 37));
    const sigs = await Promise.all(msgs.map((m) => signEd25519Async(m, secret)));
    msgs.forEach((m, i) => expect(hex(sigs[i]!)).toBe(hex(ed25519.sign(m, secret))));
    // The same array holding another key signs with that key, not the cached one.
    secret.set(randomBytes(32));
    const msg = randomBytes(64);
    expect(hex(await signEd25519Async(msg, secret))).toBe(hex(ed25519.sign(msg, secret)));
    // The message is read when signing starts: changing it afterwards changes nothing.
    const later = randomBytes(64);
    const expected = hex(ed25519.sign(later, secret));
    const pending = signEd25519Async(later, secret);
    later.fill(0);
    expect(hex(await pending)).toBe(expected);
  });

  it('signs with the cached expanded key exactly as noble does, RFC 8032 vectors included, and follows a reused array', () => {
    // RFC 8032 §7.1 test 2 (secret, message, signature).
    const rfc = {
      secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      message: '72',
      signature:
        '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da' +
        '085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    };
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
    const rfcSecret = bytes(rfc.secret);
    expect(hex(signEd25519(bytes(rfc.message), rfcSecret))).toBe(rfc.signature);
    expect(hex(signEd25519(bytes(rfc.message), rfcSecret))).toBe(rfc.signature);
    const secret = randomBytes(32);
    for (let i = 0; i < 20; i++) {
      const msg = randomBytes(i * 37);
      expect(hex(signEd25519(msg, secret))).toBe(hex(ed25519.sign(msg, secret)));
    }
    // The same array holding another key signs with that key.
    secret.set(randomBytes(32));
    const msg = randomBytes(64);
    expect(hex(signEd25519(msg, secret))).toBe(hex(ed25519.sign(msg, secret)));
    // Every signature the app makes synchronously (envelopes, manifests, tokens) goes this way.
    expect(hex(sign(bytes(rfc.message), rfcSecret))).toBe(rfc.signature);
    expect(hex(sign(msg, secret))).toBe(hex(ed25519.sign(msg, secret)));
  });
});
