// Cost of the passphrase KDF and of the per-envelope crypto. Prints one JSON object.
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  randomBytes,
  wrapWithPassphrase,
  unwrapWithPassphrase,
} from '../../src/lib/core/crypto/index';

const w = await wrapWithPassphrase('bench passphrase', randomBytes(64));
const runs: number[] = [];
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  await unwrapWithPassphrase('bench passphrase', w);
  runs.push(performance.now() - t);
}
const k = ed25519.keygen();
const msg = randomBytes(300);
const sig = ed25519.sign(msg, k.secretKey);
let t = performance.now();
for (let i = 0; i < 100; i++) ed25519.verify(sig, msg, k.publicKey);
const verifyMs = (performance.now() - t) / 100;
t = performance.now();
for (let i = 0; i < 100; i++) ed25519.sign(msg, k.secretKey);
const signMs = (performance.now() - t) / 100;
console.log(
  JSON.stringify({
    kdf: {
      alg: 'scrypt',
      N: w.kdf.N,
      r: w.kdf.r,
      p: w.kdf.p,
      medianMs: +runs.sort((a, b) => a - b)[1]!.toFixed(1),
      budgetMinMs: 250,
    },
    ed25519: {
      verifyMs: +verifyMs.toFixed(2),
      signMs: +signMs.toFixed(2),
      impl: '@noble/curves (pure JS)',
    },
  }),
);
