/**
 * Ed25519 signatures with WebCrypto where the runtime has it (the path `ed25519.ts` detects),
 * else noble; the same bytes either way (RFC 8032 signatures are deterministic). A private key is
 * imported into WebCrypto once per secret and kept.
 */
import {
  backendNow,
  bytesEqual,
  ed25519Backend,
  fromHex,
  imported,
  signEd25519,
  subtle,
  type CryptoKey,
  type Imported,
  type Subtle,
} from './ed25519';

/** PKCS #8 prefix for a raw 32-byte Ed25519 private key (RFC 8410). */
const PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');

/** Per secret key (the array, as long as it lives): its WebCrypto signing key, imported once. */
interface SigningKey {
  readonly secret: Uint8Array;
  readonly imported: Imported;
}
const signingKeys = new WeakMap<Uint8Array, SigningKey>();

function signingKey(s: Subtle, secret: Uint8Array): Promise<CryptoKey | null> {
  const known = signingKeys.get(secret);
  // The copy guards against a caller reusing the array for another key (as {@link expand}).
  if (known && bytesEqual(known.secret, secret)) return known.imported.key;
  const pkcs8 = new Uint8Array(48);
  pkcs8.set(PKCS8_PREFIX, 0);
  pkcs8.set(secret, 16);
  let key: Promise<CryptoKey | null>;
  try {
    key = s
      .importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign'])
      .catch(() => null)
      .finally(() => pkcs8.fill(0));
  } catch {
    pkcs8.fill(0);
    key = Promise.resolve(null);
  }
  signingKeys.set(secret, { secret: secret.slice(), imported: imported(key) });
  return key;
}

/** The imported signing key of `secret`, if ready now. */
function readySigningKey(secret: Uint8Array): CryptoKey | null {
  const known = signingKeys.get(secret);
  return known?.imported.ready && bytesEqual(known.secret, secret) ? known.imported.ready : null;
}

/** WebCrypto's signature as bytes; noble's (the same bytes) if WebCrypto gave something else. */
function signatureOf(buf: ArrayBuffer, msg: Uint8Array, secret: Uint8Array): Uint8Array {
  const signature = new Uint8Array(buf);
  return signature.length === 64 ? signature : signEd25519(msg, secret);
}

/**
 * Hands `msg` to WebCrypto under an imported key; `done` gets the signature in the first reaction
 * to WebCrypto's promise (noble's, the same bytes, if WebCrypto fails). `false`, and `done` is
 * never called, when WebCrypto refused the call itself.
 */
function webSign(
  s: Subtle,
  key: CryptoKey,
  msg: Uint8Array,
  secret: Uint8Array,
  done: (signature: Uint8Array) => void,
): boolean {
  try {
    s.sign({ name: 'Ed25519' }, key, msg).then(
      (buf) => done(signatureOf(buf, msg, secret)),
      () => done(signEd25519(msg, secret)),
    );
    return true;
  } catch {
    return false;
  }
}

/**
 * Signs with WebCrypto where available, else noble; identical bytes either way (RFC 8032
 * signatures are deterministic). The private key is imported once per secret (PKCS #8 from the
 * 32-byte seed, not extractable) and kept for later signatures: an import costs more than a
 * signature. Never rejects for a 32-byte secret: a WebCrypto failure falls back to noble.
 */
export function signEd25519Async(message: Uint8Array, secret: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const now = signEd25519Then(message, secret, resolve);
    if (now) resolve(now);
  });
}

/**
 * {@link signEd25519Async} for a caller that acts on the signature at once (the binding, which
 * sends the envelope): `done` gets it in the first reaction to WebCrypto's own promise, not a
 * reaction later behind a promise derived from it, where whatever the page queued meanwhile (a
 * render after the edit, measured at 2–3 ms) would run first. Returns the signature instead when
 * it is made synchronously (noble, or WebCrypto refusing the call); `done` is then not called,
 * and it never runs before this returns.
 */
export function signEd25519Then(
  message: Uint8Array,
  secret: Uint8Array,
  done: (signature: Uint8Array) => void,
): Uint8Array | null {
  const msg = message.slice(); // what is signed is the message as it was at the call
  // The path and the key known already (every signature after a device's first): WebCrypto
  // starts on it now, in this task, while the page goes on with what the edit changed.
  const s = subtle();
  const backend = backendNow();
  // noble at once, and for a secret WebCrypto would not take (noble refuses it with an error).
  if (!s || backend === 'noble' || secret.length !== 32) return signEd25519(msg, secret);
  const key = backend === 'webcrypto' ? readySigningKey(secret) : null;
  if (!key) {
    void signWhenReady(s, msg, secret).then(done);
    return null;
  }
  return webSign(s, key, msg, secret, done) ? null : signEd25519(msg, secret);
}

/** The first signature with a secret (or before the path is known): waits for both. */
async function signWhenReady(s: Subtle, msg: Uint8Array, secret: Uint8Array): Promise<Uint8Array> {
  if ((await ed25519Backend()) === 'noble') return signEd25519(msg, secret);
  const key = await signingKey(s, secret); // never rejects: a refused import is null
  if (!key) return signEd25519(msg, secret);
  return new Promise((resolve) => {
    if (!webSign(s, key, msg, secret, resolve)) resolve(signEd25519(msg, secret));
  });
}
