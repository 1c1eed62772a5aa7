import {
  authTokenSigningBytes,
  encodeAuthToken,
  encodeManifest,
  fromBase64Url,
  isProtocolError,
  documentName,
  relayOrigin,
  requestBinding,
  type SignedManifest,
} from '$lib/core/sync/protocol';
import { randomBytes, sign } from '$lib/core/crypto/index';

/**
 * The relay's HTTP API: manifests, recovery blobs, link mailboxes, and when each device of a
 * record last connected. Every body is ciphertext
 * or signed public-key material; no health data passes here in plaintext.
 */

export class RelayError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'RelayError';
  }
}

export interface Signer {
  readonly signPublic: Uint8Array;
  readonly signSecret: Uint8Array;
}

/**
 * A token `{audience, recordId, docId, deviceKey, exp, nonce, request}` signed by the device key
 * (≤ 5 min). `audience` is the origin of `relayUrl`; an HTTP proof also names its request
 * (`requestBinding` of method, API path and body), a WebSocket token names none.
 */
export function makeToken(
  signer: Signer,
  relayUrl: string,
  recordId: string,
  docId: string,
  opts: { request?: Uint8Array; nowMs?: number; lifetimeMs?: number } = {},
): string {
  const audience = relayOrigin(relayUrl);
  if (audience === null) {
    throw new RelayError('bad-relay-url', 'The relay address is not an http(s) URL.', 0);
  }
  const nowMs = opts.nowMs ?? Date.now();
  const claims = {
    audience,
    recordId,
    docId,
    deviceKey: signer.signPublic,
    iat: nowMs,
    exp: nowMs + (opts.lifetimeMs ?? 4 * 60 * 1000),
    nonce: randomBytes(16),
    request: opts.request ?? new Uint8Array(0),
  };
  return encodeAuthToken({
    ...claims,
    signature: sign(authTokenSigningBytes(claims), signer.signSecret),
  });
}

/** An owner's proof for one HTTP request of record `recordId` (method, API path and body). */
export function makeProof(
  signer: Signer,
  relayUrl: string,
  recordId: string,
  method: string,
  path: string,
  body: Uint8Array = new Uint8Array(0),
): string {
  return makeToken(signer, relayUrl, recordId, 'recovery', {
    request: requestBinding(method, path, body),
  });
}

export function httpBase(relayUrl: string): string {
  return relayUrl.replace(/\/+$/, '');
}

export function socketUrl(relayUrl: string): string {
  const u = new URL(httpBase(relayUrl));
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/sync`;
  return u.toString();
}

let clockSkewMs: number | null = null;

/**
 * How far this device's clock is ahead of the relay's (ms, negative when behind), from the `Date`
 * header of the last answer; null before any. The header has one-second resolution.
 */
export function relayClockSkew(): number | null {
  return clockSkewMs;
}

function noteClock(res: Response): void {
  const date = Date.parse(res.headers.get('date') ?? '');
  if (Number.isFinite(date)) clockSkewMs = Date.now() - date;
}

async function request(
  relayUrl: string,
  path: string,
  init: RequestInit = {},
): Promise<Uint8Array | null> {
  let res: Response;
  try {
    res = await fetch(`${httpBase(relayUrl)}${path}`, init);
  } catch {
    throw new RelayError('offline', 'The relay cannot be reached. Check the connection.', 0);
  }
  noteClock(res);
  if (res.status === 404) return null;
  if (!res.ok) {
    let code = 'error';
    let message = `The relay answered ${res.status}.`;
    try {
      const body = (await res.json()) as { error?: unknown; message?: unknown };
      if (typeof body.error === 'string') code = body.error;
      if (typeof body.message === 'string') message = body.message;
    } catch {
      // not JSON: keep the generic message
    }
    throw new RelayError(code, message, res.status);
  }
  return new Uint8Array(await res.arrayBuffer());
}

/** Like {@link request}, for an endpoint that answers JSON; `undefined` on 404. */
async function requestJson(
  relayUrl: string,
  path: string,
  init: RequestInit = {},
): Promise<unknown> {
  const bytes = await request(relayUrl, path, init);
  if (bytes === null) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch {
    throw new RelayError('bad-response', 'The relay answered something that is not JSON.', 200);
  }
}

const binary = (body: Uint8Array, headers: Record<string, string> = {}): RequestInit => ({
  method: 'PUT',
  body: body as BodyInit,
  headers: { 'content-type': 'application/octet-stream', ...headers },
});

export async function getManifest(relayUrl: string, recordId: string): Promise<Uint8Array | null> {
  return request(relayUrl, `/api/records/${recordId}/manifest`);
}

/**
 * The manifests the relay kept that are newer than `after`, oldest first (each still to be
 * verified by the caller, step by step). Validates the answer's shape; never throws on content.
 */
export async function getManifestsAfter(
  relayUrl: string,
  recordId: string,
  after: number,
): Promise<Uint8Array[]> {
  const body = await requestJson(relayUrl, `/api/records/${recordId}/manifests?after=${after}`);
  const list = (body as { manifests?: unknown } | undefined)?.manifests;
  if (!Array.isArray(list) || list.length > 1024) return [];
  const out: Uint8Array[] = [];
  for (const item of list) {
    if (typeof item !== 'string') return [];
    const bytes = fromBase64Url(item);
    if (isProtocolError(bytes)) return [];
    out.push(bytes);
  }
  return out;
}

export async function putManifest(relayUrl: string, m: SignedManifest): Promise<void> {
  await request(relayUrl, `/api/records/${m.recordId}/manifest`, binary(encodeManifest(m)));
}

export async function getRecoveryBlob(
  relayUrl: string,
  recordId: string,
): Promise<Uint8Array | null> {
  return request(relayUrl, `/api/records/${recordId}/recovery`);
}

/** A kit's blob, by its locator (the code holds no record id). */
export async function getRecoveryBlobByLocator(
  relayUrl: string,
  locator: string,
): Promise<Uint8Array | null> {
  return request(relayUrl, `/api/recovery/${locator}`);
}

/** Uploads the record's blob: under the kit's `locator`, or (format-1 kits) by record id. */
export async function putRecoveryBlob(
  relayUrl: string,
  recordId: string,
  blob: Uint8Array,
  owner: Signer,
  locator: string | null = null,
): Promise<void> {
  const path = `/api/records/${recordId}/recovery${locator ? `/${locator}` : ''}`;
  const proof = makeProof(owner, relayUrl, recordId, 'PUT', path, blob);
  await request(relayUrl, path, binary(blob, { 'x-backpack-proof': proof }));
}

const DEVICE_KEY_HEX = /^[0-9a-f]{64}$/;

/**
 * When each device last connected to the record (hex device key → Unix ms). Only an owner
 * device may ask; its proof is a token for the record's `recovery` document bound to this
 * request, as for the blob.
 */
export async function getLastSeen(
  relayUrl: string,
  recordId: string,
  owner: Signer,
): Promise<Map<string, number>> {
  const path = `/api/records/${recordId}/seen`;
  const proof = makeProof(owner, relayUrl, recordId, 'GET', path);
  const body = await requestJson(relayUrl, path, {
    headers: { 'x-backpack-proof': proof },
  });
  const bad = () =>
    new RelayError('bad-response', 'The relay answered an unexpected list of devices.', 200);
  // A 404 means a relay without this endpoint (older): nothing is known.
  if (body === undefined) return new Map();
  if (
    typeof body !== 'object' ||
    body === null ||
    !('devices' in body) ||
    !Array.isArray(body.devices)
  ) {
    throw bad();
  }
  const seen = new Map<string, number>();
  for (const entry of body.devices as unknown[]) {
    if (typeof entry !== 'object' || entry === null) throw bad();
    const { deviceKey, at } = entry as { deviceKey?: unknown; at?: unknown };
    if (typeof deviceKey !== 'string' || !DEVICE_KEY_HEX.test(deviceKey)) throw bad();
    if (typeof at !== 'number' || !Number.isFinite(at)) throw bad();
    seen.set(deviceKey, Math.max(at, seen.get(deviceKey) ?? -Infinity));
  }
  return seen;
}

/** One-time mailbox used to link a device: the new device waits, the old one drops a sealed box. */
export async function putMailbox(relayUrl: string, id: string, sealed: Uint8Array): Promise<void> {
  await request(relayUrl, `/api/mailbox/${id}`, binary(sealed));
}

export async function takeMailbox(relayUrl: string, id: string): Promise<Uint8Array | null> {
  return request(relayUrl, `/api/mailbox/${id}`, { method: 'POST' });
}

// --- Web Push reminders (issue 14 item 5; sync-server/src/push/) ----------------------------

/** The relay's VAPID public key (the `applicationServerKey`), or `null` if it has none. */
export async function getPushKey(relayUrl: string): Promise<Uint8Array | null> {
  const json = (await requestJson(relayUrl, '/api/push/vapid')) as
    { publicKey?: unknown } | undefined;
  if (!json || typeof json.publicKey !== 'string') return null;
  return base64UrlBytes(json.publicKey);
}

export interface PushRegistration {
  readonly endpoint: string;
  readonly keys: { readonly p256dh: string; readonly auth: string };
  readonly kinds: readonly ('check-in' | 'questionnaire' | 'message')[];
  /** Minutes after midnight UTC (at today's offset; for relays without `checkInLocal`). */
  readonly checkInMinute: number | null;
  /**
   * The same time as minutes after local midnight in this device's time zone (IANA name): the
   * relay schedules by it, so the reminder follows the clock across daylight-saving changes.
   */
  readonly checkInLocal?: { readonly minute: number; readonly zone: string };
  readonly questionnairesDueAt: readonly number[];
}

/**
 * Registers this device's push subscription for the record, with a proof for a compartment it
 * holds (`docId`) bound to this request: the relay stores it for this device only.
 */
export async function putPushSubscription(
  relayUrl: string,
  recordId: string,
  docId: string,
  signer: Signer,
  registration: PushRegistration,
): Promise<void> {
  const path = `/api/records/${recordId}/push`;
  const body = new TextEncoder().encode(JSON.stringify(registration));
  await requestJson(relayUrl, path, {
    method: 'PUT',
    body: body as BodyInit,
    headers: {
      'content-type': 'application/json',
      'x-backpack-proof': makeToken(signer, relayUrl, recordId, docId, {
        request: requestBinding('PUT', path, body),
      }),
    },
  });
}

/** Removes this device's push subscription for the record at the relay. */
export async function deletePushSubscription(
  relayUrl: string,
  recordId: string,
  docId: string,
  signer: Signer,
): Promise<void> {
  const path = `/api/records/${recordId}/push`;
  await requestJson(relayUrl, path, {
    method: 'DELETE',
    headers: {
      'x-backpack-proof': makeToken(signer, relayUrl, recordId, docId, {
        request: requestBinding('DELETE', path, new Uint8Array(0)),
      }),
    },
  });
}

function base64UrlBytes(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export { documentName };
