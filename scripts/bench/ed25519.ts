// Ed25519 verification per path, shared by the Node bench (crypto.ts) and the Chromium one
// (browser-crypto.entry.ts): WebCrypto awaited one by one, WebCrypto with 256 in flight, and the
// noble fallback, all under the same strict rule (core/crypto/ed25519.ts).
import {
  ed25519Backend,
  forceEd25519Backend,
  verifyEd25519,
  verifyStrict,
} from '../../src/lib/core/crypto/ed25519';
import { signEd25519, publicKeyOf } from '../../src/lib/core/crypto/ed25519';
import { signEd25519Async } from '../../src/lib/core/crypto/ed25519-sign';
import { randomBytes } from '../../src/lib/core/crypto/random';

const us = (ms: number, n: number) => +((ms * 1000) / n).toFixed(1);

export async function ed25519Bench() {
  const secret = randomBytes(32);
  const pk = publicKeyOf(secret);
  const pairs = Array.from({ length: 64 }, () => {
    const msg = randomBytes(300);
    return { msg, sig: signEd25519(msg, secret) };
  });
  const N = 1000;
  for (let i = 0; i < 200; i++) verifyStrict(pairs[i % 64]!.sig, pairs[i % 64]!.msg, pk);
  let t = performance.now();
  for (let i = 0; i < N; i++) verifyStrict(pairs[i % 64]!.sig, pairs[i % 64]!.msg, pk);
  const noble = us(performance.now() - t, N);

  forceEd25519Backend(null);
  const backend = await ed25519Backend();
  for (let i = 0; i < 200; i++) await verifyEd25519(pairs[i % 64]!.sig, pairs[i % 64]!.msg, pk);
  t = performance.now();
  for (let i = 0; i < N; i++) await verifyEd25519(pairs[i % 64]!.sig, pairs[i % 64]!.msg, pk);
  const webSerial = us(performance.now() - t, N);
  t = performance.now();
  for (let r = 0; r < N / 250; r++) {
    await Promise.all(
      Array.from({ length: 250 }, (_, i) =>
        verifyEd25519(pairs[i % 64]!.sig, pairs[i % 64]!.msg, pk),
      ),
    );
  }
  const webConcurrent = us(performance.now() - t, N);

  const msg = randomBytes(300);
  for (let i = 0; i < 50; i++) signEd25519(msg, secret);
  t = performance.now();
  for (let i = 0; i < 200; i++) signEd25519(msg, secret);
  const signNoble = us(performance.now() - t, 200);
  for (let i = 0; i < 50; i++) await signEd25519Async(msg, secret);
  t = performance.now();
  for (let i = 0; i < 200; i++) await signEd25519Async(msg, secret);
  const signWeb = us(performance.now() - t, 200);
  return {
    backend,
    verifyUs: {
      webcrypto: webSerial,
      webcryptoConcurrent250: webConcurrent,
      noble: noble,
      ratioConcurrent: +(noble / webConcurrent).toFixed(1),
    },
    signUs: { webcrypto: signWeb, noble: signNoble },
    rule: 'strict RFC 8032 (prechecks + cofactorless) on both paths',
  };
}
