import {
  createCipheriv,
  createECDH,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';

/**
 * Web Push from the relay with `node:crypto` only:
 *
 * - **VAPID** (RFC 8292): an ES256 JWT `{aud: the endpoint's origin, exp: ≤ 24 h, sub}` signed
 *   with the relay's P-256 key, sent as `Authorization: vapid t=<jwt>, k=<public key>`.
 * - **Message encryption** (RFC 8291 with the `aes128gcm` content coding of RFC 8188): an
 *   ephemeral P-256 key per message, ECDH with the browser's `p256dh` key, HKDF keyed by the
 *   subscription's `auth` secret, then AES-128-GCM over one record: the payload, the padding
 *   delimiter 0x02 and zero padding. The body is `salt(16) ‖ rs(4) ‖ idlen(1) ‖ keyid(65) ‖
 *   ciphertext`, keyid being the ephemeral public key.
 *
 * Only the push service (which cannot read it) and the browser see a message; the payloads the
 * relay sends are fixed generic texts (`reminders.ts`), never health data.
 */

/** Record size announced in the header; one record holds the whole (small) payload. */
export const RECORD_SIZE = 4096;
/** Every plaintext is padded to this many bytes, so its length says nothing about its kind. */
export const PADDED_BYTES = 256;
/** RFC 8292 §2: a token is valid for at most 24 hours. Ours for 12. */
export const VAPID_LIFETIME_S = 12 * 60 * 60;

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

export interface VapidKeys {
  readonly privateKey: KeyObject;
  /** The uncompressed P-256 public key (65 bytes), the browser's `applicationServerKey`. */
  readonly publicKey: Uint8Array;
}

/** A new VAPID private key, as PKCS #8 DER (what the store keeps). */
export function newVapidKey(): Uint8Array {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
}

/** The key pair of a stored PKCS #8 key; throws if it is not a P-256 key. */
export function vapidKeys(pkcs8: Uint8Array): VapidKeys {
  const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  if (privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('The stored VAPID key is not a P-256 key.');
  }
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  return { privateKey, publicKey: new Uint8Array(Buffer.concat([Buffer.from([4]), x, y])) };
}

/** `scheme://host[:port]` of a push endpoint: the JWT's audience. */
export function endpointOrigin(endpoint: string): string {
  return new URL(endpoint).origin;
}

/** The `Authorization` header value for a push to `endpoint` at `now` (Unix ms). */
export function vapidAuthorization(
  keys: VapidKeys,
  endpoint: string,
  subject: string,
  now: number,
): string {
  const header = b64url(Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'ES256' })));
  const claims = b64url(
    Buffer.from(
      JSON.stringify({
        aud: endpointOrigin(endpoint),
        exp: Math.floor(now / 1000) + VAPID_LIFETIME_S,
        sub: subject,
      }),
    ),
  );
  const signingInput = `${header}.${claims}`;
  const signature = sign('sha256', Buffer.from(signingInput), {
    key: keys.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `vapid t=${signingInput}.${b64url(signature)}, k=${b64url(keys.publicKey)}`;
}

/** Whether `key` is an uncompressed point on P-256 (what a browser's `p256dh` is). */
export function isP256Point(key: Uint8Array): boolean {
  if (key.length !== 65 || key[0] !== 4) return false;
  try {
    createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: b64url(key.subarray(1, 33)),
        y: b64url(key.subarray(33, 65)),
      },
      format: 'jwk',
    });
    return true;
  } catch {
    return false;
  }
}

const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const utf8 = (text: string) => new TextEncoder().encode(text);

/**
 * Encrypts `payload` for a subscription (RFC 8291 §3.4, RFC 8188): the request body.
 * `salt` and `ephemeral` are for test vectors only; fresh ones are made otherwise.
 */
export function encryptPayload(
  payload: Uint8Array,
  p256dh: Uint8Array,
  auth: Uint8Array,
  opts: { salt?: Uint8Array; ephemeralPrivateKey?: Uint8Array; padTo?: number } = {},
): Uint8Array {
  if (!isP256Point(p256dh)) throw new Error('p256dh is not a P-256 public key.');
  if (auth.length !== 16) throw new Error('auth must be 16 bytes.');
  const padTo = Math.max(payload.length, opts.padTo ?? PADDED_BYTES);
  if (padTo + 1 + 16 > RECORD_SIZE) throw new Error('The payload is too large for one record.');
  const ecdh = createECDH('prime256v1');
  if (opts.ephemeralPrivateKey) ecdh.setPrivateKey(Buffer.from(opts.ephemeralPrivateKey));
  else ecdh.generateKeys();
  const asPublic = new Uint8Array(ecdh.getPublicKey());
  const ecdhSecret = ecdh.computeSecret(Buffer.from(p256dh));
  // RFC 8291 §3.3/3.4: IKM = HKDF(salt = auth, ikm = ECDH secret, info = "WebPush: info" ‖ 0 ‖
  // ua_public ‖ as_public, 32).
  const keyInfo = concat(utf8('WebPush: info\0'), p256dh, asPublic);
  const ikm = new Uint8Array(hkdfSync('sha256', ecdhSecret, auth, keyInfo, 32));
  const salt = opts.salt ?? new Uint8Array(randomBytes(16));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, utf8('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, utf8('Content-Encoding: nonce\0'), 12));
  // One record, so it is the last: the delimiter is 0x02, then zeros up to the padded length.
  const record = new Uint8Array(padTo + 1);
  record.set(payload, 0);
  record[payload.length] = 2;
  const cipher = createCipheriv('aes-128-gcm', cek, nonce);
  const ciphertext = concat(cipher.update(record), cipher.final(), cipher.getAuthTag());
  const header = new Uint8Array(16 + 4 + 1 + asPublic.length);
  header.set(salt, 0);
  new DataView(header.buffer).setUint32(16, RECORD_SIZE);
  header[20] = asPublic.length;
  header.set(asPublic, 21);
  return concat(header, ciphertext);
}

export interface PushMessage {
  readonly endpoint: string;
  readonly p256dh: Uint8Array;
  readonly auth: Uint8Array;
  readonly payload: Uint8Array;
  /** Seconds the push service keeps an undelivered message. */
  readonly ttl: number;
  readonly urgency: 'very-low' | 'low' | 'normal' | 'high';
  /** Replaces an undelivered message of the same topic (RFC 8030 §5.4): coalescing. */
  readonly topic?: string;
}

export interface PushResult {
  /** The push service's status, or 0 when it could not be reached. */
  readonly status: number;
  /** The subscription is gone for good (404, 410): delete it. */
  readonly gone: boolean;
}

/**
 * Sends one message. Redirects are not followed (the endpoint is the one the browser gave), and
 * a request that takes over `timeoutMs` is abandoned.
 */
export async function sendPush(
  message: PushMessage,
  keys: VapidKeys,
  subject: string,
  now: number,
  timeoutMs = 10_000,
): Promise<PushResult> {
  const body = encryptPayload(message.payload, message.p256dh, message.auth);
  const headers: Record<string, string> = {
    authorization: vapidAuthorization(keys, message.endpoint, subject, now),
    'content-encoding': 'aes128gcm',
    'content-type': 'application/octet-stream',
    ttl: String(message.ttl),
    urgency: message.urgency,
  };
  if (message.topic) headers['topic'] = message.topic;
  try {
    const res = await fetch(message.endpoint, {
      method: 'POST',
      headers,
      body: body as Uint8Array<ArrayBuffer>,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    return { status: res.status, gone: res.status === 404 || res.status === 410 };
  } catch {
    return { status: 0, gone: false };
  }
}
