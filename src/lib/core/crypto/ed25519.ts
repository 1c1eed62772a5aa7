/**
 * Ed25519 with one verification rule on every path: strict RFC 8032 (§5.1.7), cofactorless.
 *
 * - **WebCrypto** (`crypto.subtle`, async) where the runtime has Ed25519 (Node 20, Chromium ≥ 137,
 *   Firefox ≥ 129, Safari ≥ 17); detected once and cached. It runs in native code, ~10–25× faster
 *   than JavaScript, and many verifications can be in flight at once.
 * - **@noble/curves** otherwise, with strict decoding (`zip215: false`).
 *
 * Both must give the same verdict for every input, or two devices could disagree about a record.
 * Native implementations (OpenSSL, BoringSSL) accept small-order public keys and R, and noble's
 * own `verify` checks the _cofactored_ equation, which accepts an R carrying a small-order
 * component that the native ones refuse. So neither is used bare: {@link precheck} (bytes only,
 * microseconds) refuses wrong lengths, S ≥ L, non-canonical A or R (y ≥ p) and small-order A or
 * R before either runs, and the noble path checks the cofactorless equation [S]B = R + [k]A as
 * the native code does (encode [S]B − [k]A and compare it with R's bytes). The shared vector table
 * in `ed25519.test.ts` holds both paths to the same verdicts.
 *
 * Signing with WebCrypto is in `ed25519-sign.ts`. This file imports only @noble packages: the
 * relay uses it through `sync/protocol.ts`.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';

const Point = ed25519.Point;
const L = Point.Fn.ORDER;

/** Why {@link precheck} refused, or `null`. */
export type PrecheckFailure =
  | 'signature-length'
  | 'key-length'
  | 's-not-canonical'
  | 'key-not-canonical'
  | 'r-not-canonical'
  | 'key-small-order'
  | 'r-small-order';

/** y (little-endian, sign bit cleared) of the eight small-order points: 0, 1, p − 1 and two more. */
const SMALL_ORDER_Y: readonly Uint8Array[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
].map(fromHex);

export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/** Whether the 255-bit y of a point encoding is ≥ p = 2^255 − 19 (a non-canonical encoding). */
function yNotCanonical(enc: Uint8Array, at: number): boolean {
  if ((enc[at + 31]! & 0x7f) !== 0x7f) return false;
  for (let i = 30; i >= 1; i--) if (enc[at + i] !== 0xff) return false;
  return enc[at]! >= 0xed;
}

/** Whether the point encoding's y (sign bit ignored) is that of a small-order point. */
function ySmallOrder(enc: Uint8Array, at: number): boolean {
  outer: for (const y of SMALL_ORDER_Y) {
    for (let i = 0; i < 31; i++) if (enc[at + i] !== y[i]) continue outer;
    if ((enc[at + 31]! & 0x7f) === y[31]) return true;
  }
  return false;
}

/** S (the signature's second half, little-endian) ≥ L. */
function sNotCanonical(signature: Uint8Array): boolean {
  return littleEndian(signature.subarray(32, 64)) >= L;
}

/**
 * The checks both paths run first, on bytes only. Strict RFC 8032 refuses non-canonical S and
 * point encodings; small-order A and R are refused as well (nothing honest produces them, and
 * native code would accept them).
 */
export function precheck(signature: Uint8Array, publicKey: Uint8Array): PrecheckFailure | null {
  if (signature.length !== 64) return 'signature-length';
  if (publicKey.length !== 32) return 'key-length';
  if (sNotCanonical(signature)) return 's-not-canonical';
  if (yNotCanonical(publicKey, 0)) return 'key-not-canonical';
  if (yNotCanonical(signature, 0)) return 'r-not-canonical';
  if (ySmallOrder(publicKey, 0)) return 'key-small-order';
  if (ySmallOrder(signature, 0)) return 'r-small-order';
  return null;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** A synchronous native verifier (the relay's OpenSSL, `node:crypto`), run after the prechecks. */
export type NativeVerify = (
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
) => boolean;
let native: NativeVerify | null = null;

/**
 * Lets a runtime with a synchronous native Ed25519 (Node's OpenSSL, cofactorless like WebCrypto)
 * serve {@link verifyStrict}; the prechecks still run first, so the verdicts stay those of the
 * shared table (`ed25519.test.ts` runs it on this path too). `null` goes back to noble.
 */
export function useNativeVerifier(verify: NativeVerify | null): void {
  native = verify;
}

/**
 * The synchronous check (manifests, tokens, the relay, the binding's default): prechecks, then
 * the native verifier if one is installed, else {@link verifyNoble}. Never throws.
 */
export function verifyStrict(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (precheck(signature, publicKey) !== null) return false;
  if (!native) return verifyNoble(signature, message, publicKey);
  try {
    return native(signature, message, publicKey) === true;
  } catch {
    return false;
  }
}

/** The JavaScript path: prechecks, noble's strict decoding, the cofactorless equation. */
export function verifyNoble(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (precheck(signature, publicKey) !== null) return false;
  try {
    const A = Point.fromBytes(publicKey, false);
    const r = signature.subarray(0, 32);
    Point.fromBytes(r, false); // R must decode (strictly) to a point
    const s = littleEndian(signature.subarray(32, 64));
    const h = new Uint8Array(64 + message.length);
    h.set(r, 0);
    h.set(publicKey, 32);
    h.set(message, 64);
    const k = littleEndian(sha512(h)) % L;
    const check = Point.BASE.multiplyUnsafe(s).subtract(A.multiplyUnsafe(k));
    return bytesEqual(check.toBytes(), r);
  } catch {
    return false;
  }
}

/** Per secret key (the array, as long as it lives): its expanded form, as RFC 8032 §5.1.6 uses. */
interface Expanded {
  readonly secret: Uint8Array;
  readonly prefix: Uint8Array;
  readonly scalar: bigint;
  readonly publicKey: Uint8Array;
}
const expanded = new WeakMap<Uint8Array, Expanded>();

function expand(secret: Uint8Array): Expanded {
  const known = expanded.get(secret);
  // The copy guards against a caller reusing the array for another key.
  if (known && bytesEqual(known.secret, secret)) return known;
  const e = ed25519.utils.getExtendedPublicKey(secret);
  const fresh = {
    secret: secret.slice(),
    prefix: e.prefix,
    scalar: e.scalar,
    publicKey: e.pointBytes,
  };
  expanded.set(secret, fresh);
  return fresh;
}

function hashToScalar(...parts: Uint8Array[]): bigint {
  const h = sha512.create();
  for (const p of parts) h.update(p);
  return littleEndian(h.digest()) % L;
}

/**
 * Signs (RFC 8032 §5.1.6; deterministic, so every path gives the same bytes). The expanded key
 * (hash of the seed, scalar, public key) is computed once per secret: signing is then one base
 * point multiplication instead of two, half of noble's `sign`.
 */
export function signEd25519(message: Uint8Array, secret: Uint8Array): Uint8Array {
  if (secret.length !== 32) return ed25519.sign(message, secret); // noble's own error
  const { prefix, scalar, publicKey } = expand(secret);
  const msg = message.slice();
  const r = hashToScalar(prefix, msg);
  const R = Point.BASE.multiply(r).toBytes();
  const k = hashToScalar(R, publicKey, msg);
  const out = new Uint8Array(64);
  out.set(R, 0);
  out.set(Point.Fn.toBytes(Point.Fn.create(r + k * scalar)), 32);
  return out;
}

export function publicKeyOf(secret: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(secret);
}

// ---------------------------------------------------------------------------------------------
// WebCrypto

export type Ed25519Backend = 'webcrypto' | 'noble';

/** A WebCrypto key, opaque here (the relay's tsconfig has no DOM types). */
export type CryptoKey = object;

export interface Subtle {
  importKey(
    format: 'raw' | 'pkcs8',
    keyData: Uint8Array,
    algorithm: { name: 'Ed25519' },
    extractable: boolean,
    usages: string[],
  ): Promise<CryptoKey>;
  verify(
    algorithm: { name: 'Ed25519' },
    key: CryptoKey,
    signature: Uint8Array,
    data: Uint8Array,
  ): Promise<boolean>;
  sign(algorithm: { name: 'Ed25519' }, key: CryptoKey, data: Uint8Array): Promise<ArrayBuffer>;
}

export function subtle(): Subtle | null {
  const c = (globalThis as { crypto?: { subtle?: unknown } }).crypto;
  return c?.subtle ? (c.subtle as Subtle) : null;
}

let forced: Ed25519Backend | null = null;
let detected: Promise<Ed25519Backend> | null = null;
/** The detected path once known: with it and a ready key, a check starts in the same task. */
let known: Ed25519Backend | null = null;
/** A key imported into WebCrypto: the import, and its result once it has finished. */
export interface Imported {
  readonly key: Promise<CryptoKey | null>;
  /** The key once imported (`null`: WebCrypto refused it); absent while importing. */
  ready?: CryptoKey | null;
}

/** An import, whose result {@link Imported.ready} holds once it has finished. */
export function imported(key: Promise<CryptoKey | null>): Imported {
  const entry: Imported = { key };
  void key.then((k) => (entry.ready = k));
  return entry;
}

/** Public keys (hex) imported for verifying. */
const keys = new Map<string, Imported>();
const MAX_KEYS = 4096;

// RFC 8032 §7.1 test 2: detection verifies a real signature, not just that the name exists.
const PROBE_KEY = '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c';
const PROBE_MSG = '72';
const PROBE_SIG =
  '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da' +
  '085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00';

async function detect(): Promise<Ed25519Backend> {
  const s = subtle();
  if (!s) return 'noble';
  try {
    const key = await s.importKey('raw', fromHex(PROBE_KEY), { name: 'Ed25519' }, false, [
      'verify',
    ]);
    const ok = await s.verify({ name: 'Ed25519' }, key, fromHex(PROBE_SIG), fromHex(PROBE_MSG));
    return ok ? 'webcrypto' : 'noble';
  } catch {
    return 'noble';
  }
}

/** The path in use (detected once). */
export function ed25519Backend(): Promise<Ed25519Backend> {
  if (forced) return Promise.resolve(forced);
  if (!detected) {
    const pending = detect();
    detected = pending;
    void pending.then((b) => {
      if (detected === pending) known = b;
    });
  }
  return detected;
}

/**
 * Forces a path (`'noble'` to test or run the fallback where WebCrypto exists), or `null` to
 * detect again. For tests and the bench; the app never calls it.
 */
export function forceEd25519Backend(backend: Ed25519Backend | null): void {
  forced = backend;
  if (backend === null) {
    detected = null;
    known = null;
  }
}

function hexOf(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function verifyKey(s: Subtle, publicKey: Uint8Array): Imported {
  const id = hexOf(publicKey);
  let entry = keys.get(id);
  if (!entry) {
    if (keys.size >= MAX_KEYS) keys.clear();
    entry = imported(
      s
        .importKey('raw', publicKey.slice(), { name: 'Ed25519' }, false, ['verify'])
        .catch(() => null),
    );
    keys.set(id, entry);
  }
  return entry;
}

/** The path in use right now, if known without waiting. */
export function backendNow(): Ed25519Backend | null {
  return forced ?? known;
}

/** WebCrypto's verdict under an imported key; never rejects. */
function webVerify(
  s: Subtle,
  key: CryptoKey,
  signature: Uint8Array,
  message: Uint8Array,
): Promise<boolean> {
  try {
    return s.verify({ name: 'Ed25519' }, key, signature.slice(), message.slice()).then(
      (ok) => ok === true,
      () => false,
    );
  } catch {
    return Promise.resolve(false);
  }
}

/**
 * Verifies with WebCrypto where available, else with {@link verifyStrict}; the same verdict
 * either way. Never rejects. Start many at once and await them together to use native
 * concurrency.
 */
export function verifyEd25519(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): Promise<boolean> {
  if (precheck(signature, publicKey) !== null) return Promise.resolve(false);
  // The path and the key known already (every envelope after a device's first): the check is
  // handed to WebCrypto now, in this task, not after the work queued behind it.
  const s = subtle();
  const ready = s && backendNow() === 'webcrypto' ? keys.get(hexOf(publicKey))?.ready : undefined;
  if (s && ready) return webVerify(s, ready, signature, message);
  if (ready === null) return Promise.resolve(false); // WebCrypto refused this key
  return verifyWhenReady(signature, message, publicKey);
}

async function verifyWhenReady(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): Promise<boolean> {
  const backend = await ed25519Backend();
  const s = subtle();
  if (backend === 'noble' || !s) return verifyNoble(signature, message, publicKey);
  const key = await verifyKey(s, publicKey).key;
  return key ? webVerify(s, key, signature, message) : false;
}

/** Raw WebCrypto verdict without the prechecks, for the tests that measure what they add. */
export async function verifyWebCryptoUnchecked(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): Promise<boolean | null> {
  const s = subtle();
  if (!s) return null;
  try {
    const key = await s.importKey('raw', publicKey.slice(), { name: 'Ed25519' }, false, ['verify']);
    return await s.verify({ name: 'Ed25519' }, key, signature.slice(), message.slice());
  } catch {
    return false;
  }
}
