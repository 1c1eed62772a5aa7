import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

// For tests and the bench only: the shared Ed25519 vector table that every verification path
// must agree on (strict RFC 8032, cofactorless, small-order A and R refused).

const Point = ed25519.Point;
const L = Point.Fn.ORDER;
type P = InstanceType<typeof Point>;

export interface Ed25519Vector {
  readonly name: string;
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
  /** The strict verdict both paths must give. */
  readonly valid: boolean;
}

function le(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

function leNum(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

function challenge(r: Uint8Array, a: Uint8Array, m: Uint8Array): bigint {
  return leNum(sha512(concatBytes(r, a, m))) % L;
}

/** An order-8 point (its multiples are all eight small-order points). */
const T8 = Point.fromBytes(
  hexToBytes('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'),
);

/** Signs `m` with scalar `a` for the given encodings of A and R = [r]B (+ whatever R carries). */
function forge(a: bigint, r: bigint, aBytes: Uint8Array, rBytes: Uint8Array, m: Uint8Array) {
  const k = challenge(rBytes, aBytes, m);
  const s = (r + k * a) % L;
  return { k, signature: concatBytes(rBytes, le(s)) };
}

function rfc(name: string, pk: string, msg: string, sig: string): Ed25519Vector {
  return {
    name,
    publicKey: hexToBytes(pk),
    message: hexToBytes(msg),
    signature: hexToBytes(sig),
    valid: true,
  };
}

function withY(y: bigint, sign = 0): Uint8Array {
  const b = le(y);
  b[31] = (b[31]! & 0x7f) | (sign << 7);
  return b;
}

/** The vector table; deterministic (fixed scalars), so both paths see identical bytes. */
export function ed25519Vectors(): Ed25519Vector[] {
  const v: Ed25519Vector[] = [
    // RFC 8032 §7.1, tests 1–3 and SHA(abc).
    rfc(
      'RFC 8032 test 1 (empty message)',
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      '',
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    ),
    rfc(
      'RFC 8032 test 2 (one byte)',
      '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      '72',
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    ),
    rfc(
      'RFC 8032 test 3 (two bytes)',
      'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
      'af82',
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
    ),
  ];
  const t1 = v[0]!;
  const flip = (b: Uint8Array, i: number) => {
    const c = b.slice();
    c[i]! ^= 1;
    return c;
  };
  v.push({
    ...t1,
    name: 'RFC 8032 test 1, other message',
    message: utf8ToBytes('x'),
    valid: false,
  });
  v.push({
    ...t1,
    name: 'RFC 8032 test 1, bit flipped in R',
    signature: flip(t1.signature, 3),
    valid: false,
  });
  v.push({
    ...t1,
    name: 'RFC 8032 test 1, bit flipped in S',
    signature: flip(t1.signature, 40),
    valid: false,
  });
  v.push({
    ...t1,
    name: 'RFC 8032 test 1, bit flipped in A',
    publicKey: flip(t1.publicKey, 5),
    valid: false,
  });

  // S ≥ L: S + L satisfies the same equation, so only the canonical check refuses it.
  const s1 = leNum(t1.signature.subarray(32));
  v.push({
    ...t1,
    name: 'non-canonical S (S + L)',
    signature: concatBytes(t1.signature.subarray(0, 32), le(s1 + L)),
    valid: false,
  });
  v.push({
    ...t1,
    name: 'non-canonical S (S = L)',
    signature: concatBytes(t1.signature.subarray(0, 32), le(L)),
    valid: false,
  });

  // Wrong lengths.
  v.push({
    ...t1,
    name: 'signature 63 bytes',
    signature: t1.signature.subarray(0, 63),
    valid: false,
  });
  v.push({
    ...t1,
    name: 'signature 65 bytes',
    signature: concatBytes(t1.signature, new Uint8Array(1)),
    valid: false,
  });
  v.push({
    ...t1,
    name: 'public key 31 bytes',
    publicKey: t1.publicKey.subarray(0, 31),
    valid: false,
  });
  v.push({
    ...t1,
    name: 'public key 33 bytes',
    publicKey: concatBytes(t1.publicKey, new Uint8Array(1)),
    valid: false,
  });
  v.push({ ...t1, name: 'empty signature', signature: new Uint8Array(0), valid: false });

  // A key with a known scalar, for hand-built signatures.
  const a = 0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdn % L;
  const A = Point.BASE.multiply(a);
  const aBytes = A.toBytes();
  const m = utf8ToBytes('backpack edge case');
  const r = 0xfedcba0987654321fedcba0987654321fedcba0987654321fedcba09876543n % L;
  const R = Point.BASE.multiply(r);
  v.push({
    name: 'hand-built valid signature',
    publicKey: aBytes,
    message: m,
    valid: true,
    ...forge(a, r, aBytes, R.toBytes(), m),
  });

  // R with a small-order component: the cofactored equation (noble's verify) accepts it; the
  // cofactorless one (OpenSSL, BoringSSL, RFC 8032's stricter option) refuses it.
  const mixedR = R.add(T8).toBytes();
  v.push({
    name: 'mixed-order R (R + T8)',
    publicKey: aBytes,
    message: m,
    valid: false,
    ...forge(a, r, aBytes, mixedR, m),
  });

  // A with a small-order component: cofactorless accepts exactly when [k]T8 = 0 (k ≡ 0 mod 8).
  const mixedA = A.add(T8).toBytes();
  let found = 0;
  for (let i = 0; found !== 3 && i < 200; i++) {
    const mi = utf8ToBytes(`mixed-order key ${i}`);
    const f = forge(a, r, mixedA, R.toBytes(), mi);
    const zero = f.k % 8n === 0n;
    if (zero && !(found & 1)) {
      found |= 1;
      v.push({
        name: 'mixed-order A, k ≡ 0 (mod 8)',
        publicKey: mixedA,
        message: mi,
        signature: f.signature,
        valid: true,
      });
    }
    if (!zero && !(found & 2)) {
      found |= 2;
      v.push({
        name: 'mixed-order A, k ≢ 0 (mod 8)',
        publicKey: mixedA,
        message: mi,
        signature: f.signature,
        valid: false,
      });
    }
  }

  // Small-order public keys with R = identity and S = 0: [0]B = R + [k]A holds whenever
  // [k]A = 0, which a message with k ≡ 0 (mod 8) gives. Native code accepts these.
  const small: P[] = [];
  for (let i = 0, q = Point.ZERO; i < 8; i++, q = q.add(T8)) small.push(q);
  const identity = Point.ZERO.toBytes();
  small.forEach((q, i) => {
    const qb = q.toBytes();
    for (let j = 0; j < 400; j++) {
      const mj = utf8ToBytes(`small-order key ${i} ${j}`);
      const k = challenge(identity, qb, mj);
      if (q.multiplyUnsafe(k).is0()) {
        v.push({
          name: `small-order A #${i} (order ${[1, 8, 4, 8, 2, 8, 4, 8][i]}), R = identity, S = 0`,
          publicKey: qb,
          message: mj,
          signature: concatBytes(identity, new Uint8Array(32)),
          valid: false,
        });
        break;
      }
    }
  });

  // Small-order R with an honest key: [S]B = R + [k]A with R of order 2 or 4 and a ground k.
  // Cofactorless: [S]B − [k]A = identity ≠ R, refused by both; the cofactored equation accepts.
  for (const idx of [2, 4]) {
    const rb = small[idx]!.toBytes();
    const k = challenge(rb, aBytes, m);
    v.push({
      name: `small-order R #${idx}, S = k·a`,
      publicKey: aBytes,
      message: m,
      signature: concatBytes(rb, le((k * a) % L)),
      valid: false,
    });
  }
  v.push({
    name: 'R = identity, S = k·a (cofactorless-valid, small-order R)',
    publicKey: aBytes,
    message: m,
    valid: false,
    signature: concatBytes(identity, le((challenge(identity, aBytes, m) * a) % L)),
  });

  // Non-canonical encodings (y ≥ p). y = p + 1 ≡ 1 (the identity) and y = p ≡ 0 (order 4).
  const p = Point.Fp.ORDER;
  for (const [label, enc] of [
    ['y = p + 1', withY(p + 1n)],
    ['y = p', withY(p)],
  ] as const) {
    for (let j = 0; j < 400; j++) {
      const mj = utf8ToBytes(`non-canonical A ${label} ${j}`);
      const k = challenge(identity, enc, mj);
      if (k % 8n === 0n) {
        v.push({
          name: `non-canonical A (${label}), R = identity, S = 0`,
          publicKey: enc,
          message: mj,
          signature: concatBytes(identity, new Uint8Array(32)),
          valid: false,
        });
        break;
      }
    }
    // The same non-canonical encoding as R, with S = k·a (valid if R is read as reduced).
    const k = challenge(enc, aBytes, m);
    v.push({
      name: `non-canonical R (${label}), S = k·a`,
      publicKey: aBytes,
      message: m,
      valid: false,
      signature: concatBytes(enc, le((k * a) % L)),
    });
  }
  // x = 0 with the sign bit set ("negative zero"): another non-canonical encoding of the identity.
  const negZero = withY(1n, 1);
  v.push({
    name: 'negative-zero A (y = 1, sign bit set)',
    publicKey: negZero,
    message: m,
    valid: false,
    signature: concatBytes(identity, new Uint8Array(32)),
  });
  v.push({
    name: 'negative-zero R (y = 1, sign bit set), S = k·a',
    publicKey: aBytes,
    message: m,
    valid: false,
    signature: concatBytes(negZero, le((challenge(negZero, aBytes, m) * a) % L)),
  });

  // Encodings that are not points at all (y with no x on the curve).
  let bad = 2n;
  for (; bad < 1000n; bad++) {
    try {
      Point.fromBytes(withY(bad));
    } catch {
      break;
    }
  }
  const offCurve = withY(bad);
  v.push({ ...t1, name: 'A not on the curve', publicKey: offCurve, valid: false });
  v.push({
    name: 'R not on the curve',
    publicKey: aBytes,
    message: m,
    valid: false,
    signature: concatBytes(offCurve, le(1n)),
  });
  return v;
}
