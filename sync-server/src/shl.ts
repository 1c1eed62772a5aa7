import { createHmac, randomBytes, scrypt, timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { CORS_HEADERS, HttpError, readBody, sendJson } from './http-io';
import type { Logger } from './log';
import type { RelayStore } from './store';

/**
 * SMART Health Links (HL7 SHL STU1) hosted by the relay, as blind blobs (issue 13 item 4).
 *
 * The patient's device encrypts the IPS Bundle (JWE, `dir` + `A256GCM`) with a key that only the
 * link carries (after `#`, never sent anywhere) and stores the JWE here under a random 256-bit id:
 *
 * - `PUT /api/records/:recordId/shl/:id` (owner proof, bound to the request): body
 *   `{jwe, expires (Unix ms), passcode?}` as `application/octet-stream`. The passcode is kept
 *   only as a salted scrypt hash; the link then allows {@link SHL_PASSCODE_ATTEMPTS} wrong ones.
 * - `GET /api/records/:recordId/shl/:id` (owner proof): the link's access log, newest first.
 * - `DELETE /api/records/:recordId/shl/:id` (owner proof): revokes the link for good.
 * - `POST /api/shl/:id` (anyone with the link): the manifest request `{recipient, passcode?,
 *   embeddedLengthMax?}`. 401 `{remainingAttempts}` for a wrong or missing passcode, 404 once the
 *   link has expired, was revoked or ran out of attempts. Each served request logs `recipient`.
 *   The file comes embedded or behind a `location` valid five minutes.
 * - `GET /api/shl/:id?recipient=…` (flag `U`, links without a passcode): the JWE itself.
 * - `GET /api/shl/:id/file?t=…`: the JWE behind a manifest's `location`.
 *
 * The relay never holds the key or a byte of plaintext; logs never name a link id or recipient.
 */

/** Wrong passcodes a link allows over its lifetime. */
export const SHL_PASSCODE_ATTEMPTS = 10;
/** Longest link lifetime the relay accepts. */
export const SHL_MAX_LIFETIME_MS = 366 * 24 * 3600 * 1000;
/** Largest JWE a link may carry (a compressed IPS is far smaller). */
export const SHL_MAX_JWE_BYTES = 4 * 1024 * 1024;
/** How long a manifest's `location` URL stays valid. */
export const SHL_LOCATION_TTL_MS = 5 * 60 * 1000;
const MAX_REQUEST_BYTES = 8 * 1024;
const MAX_RECIPIENT_CHARS = 200;
const MAX_PASSCODE_CHARS = 200;
const MIN_PASSCODE_CHARS = 4;
/** A link id: 32 random bytes, base64url (what `core/shl` `newShlId` makes). */
export const SHL_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** Compact JWE: five base64url parts. */
const JWE_PATTERN =
  /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
// eslint-disable-next-line no-control-regex -- control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number },
) => Promise<Buffer>;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const SCRYPT = { N: 2 ** 14, r: 8, p: 1 };

async function hashPasscode(passcode: string, salt: Buffer): Promise<Buffer> {
  const h = await scryptAsync(passcode.normalize('NFC'), salt, HASH_BYTES, SCRYPT);
  return Buffer.concat([salt, h]);
}

async function passcodeMatches(passcode: string, stored: Uint8Array): Promise<boolean> {
  if (stored.length !== SALT_BYTES + HASH_BYTES) return false;
  const salt = Buffer.from(stored.subarray(0, SALT_BYTES));
  const got = await hashPasscode(passcode, salt);
  return timingSafeEqual(got, Buffer.from(stored));
}

export interface ShlDeps {
  readonly store: RelayStore;
  readonly log: Logger;
  readonly origins: () => readonly string[];
  readonly now: () => number;
  /** Checks the owner proof for this request (see `http.ts`); returns the short device key. */
  readonly requireOwner: (
    req: IncomingMessage,
    recordId: string,
    path: string,
    body?: Uint8Array,
  ) => Promise<string>;
}

const notFound = () =>
  new HttpError(404, 'not-found', 'This link has expired, was revoked or does not exist.');

function requireShlId(id: string): string {
  if (!SHL_ID_PATTERN.test(id)) {
    throw new HttpError(400, 'bad-id', 'A link id is 43 base64url characters.');
  }
  return id;
}

function methodNotAllowed(allowed: string): HttpError {
  return new HttpError(405, 'method-not-allowed', `Use ${allowed}.`, {
    allow: `${allowed}, OPTIONS`,
  });
}

/** Reads a small JSON object body (any content type: SHL clients send `application/json`). */
async function readJsonObject(
  req: IncomingMessage,
  limit: number,
): Promise<Record<string, unknown>> {
  const declared = req.headers['content-length'];
  const tooLarge = () =>
    new HttpError(413, 'too-large', `The body is larger than ${limit} bytes.`, {
      connection: 'close',
    });
  if (declared !== undefined && Number(declared) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return parseObject(Buffer.concat(chunks, size));
}

function parseObject(bytes: Uint8Array): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new HttpError(400, 'bad-json', 'The body is not JSON.');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new HttpError(400, 'bad-json', 'The body is not a JSON object.');
  }
  return v as Record<string, unknown>;
}

function requireRecipient(v: unknown): string {
  if (typeof v !== 'string') {
    throw new HttpError(400, 'bad-recipient', 'Say who is opening the link (`recipient`).');
  }
  const r = v.trim();
  if (r === '' || r.length > MAX_RECIPIENT_CHARS || CONTROL.test(r)) {
    throw new HttpError(
      400,
      'bad-recipient',
      `The recipient is 1–${MAX_RECIPIENT_CHARS} characters of text.`,
    );
  }
  return r;
}

/** The body of a create request, checked. */
export function parseCreate(
  body: Uint8Array,
  now: number,
): { jwe: string; expires: number; passcode: string | null } {
  const o = parseObject(body);
  const { jwe, expires, passcode } = o;
  if (typeof jwe !== 'string' || !JWE_PATTERN.test(jwe)) {
    throw new HttpError(400, 'bad-jwe', 'The link’s file must be a compact JWE.');
  }
  if (
    typeof expires !== 'number' ||
    !Number.isSafeInteger(expires) ||
    expires <= now ||
    expires > now + SHL_MAX_LIFETIME_MS
  ) {
    throw new HttpError(
      400,
      'bad-expiry',
      'A link expires in the future, within a year (`expires`, Unix ms).',
    );
  }
  if (passcode !== undefined && passcode !== null) {
    if (
      typeof passcode !== 'string' ||
      passcode.length < MIN_PASSCODE_CHARS ||
      passcode.length > MAX_PASSCODE_CHARS
    ) {
      throw new HttpError(
        400,
        'bad-passcode',
        `A passcode is ${MIN_PASSCODE_CHARS}–${MAX_PASSCODE_CHARS} characters.`,
      );
    }
  }
  return { jwe, expires, passcode: typeof passcode === 'string' ? passcode : null };
}

export function createShlHandler(deps: ShlDeps) {
  const { store, log, origins, now, requireOwner } = deps;

  /**
   * A `location` ticket: its expiry and an HMAC under a key only the relay derives from the
   * stored ciphertext, so every instance checks it without shared state, and it dies with the
   * link (revocation deletes the ciphertext).
   */
  function ticket(id: string, data: Uint8Array, until: number): string {
    const key = createHash('sha256').update('shl-location').update(data).digest();
    const mac = createHmac('sha256', key).update(`${id}:${until}`).digest('base64url');
    return `${until}.${mac}`;
  }

  function ticketValid(id: string, data: Uint8Array, t: string | null): boolean {
    if (!t) return false;
    const [untilText, mac] = t.split('.');
    const until = Number(untilText);
    if (!Number.isSafeInteger(until) || until < now() || mac === undefined) return false;
    const want = Buffer.from(ticket(id, data, until));
    const got = Buffer.from(t);
    return want.length === got.length && timingSafeEqual(want, got);
  }

  /** This relay's public origin: the request's host when it is one of ours, else the first. */
  function originOf(req: IncomingMessage): string {
    const list = origins();
    const host = req.headers.host;
    const match = list.find((o) => {
      try {
        return new URL(o).host === host;
      } catch {
        return false;
      }
    });
    return match ?? list[0] ?? `http://${host ?? 'localhost'}`;
  }

  const sendJwe = (res: ServerResponse, data: Uint8Array) => {
    res.writeHead(200, {
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      ...CORS_HEADERS,
      'content-type': 'application/jose',
      'cache-control': 'no-store',
      'content-length': data.byteLength,
    });
    res.end(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  };

  /** `/api/records/:recordId/shl/:id`: create, access log, revoke (owner only). */
  async function owner(
    req: IncomingMessage,
    res: ServerResponse,
    recordId: string,
    id: string,
    path: string,
  ): Promise<void> {
    requireShlId(id);
    if (req.method === 'PUT') {
      const body = await readBody(req, SHL_MAX_JWE_BYTES + MAX_REQUEST_BYTES);
      const device = await requireOwner(req, recordId, path, body);
      const { jwe, expires, passcode } = parseCreate(body, now());
      const passcodeHash = passcode ? await hashPasscode(passcode, randomBytes(SALT_BYTES)) : null;
      const stored = await store.putShl(
        id,
        {
          record: recordId,
          kind: 'file',
          data: new TextEncoder().encode(jwe),
          expires,
          passcodeHash,
          attemptsLeft: passcode ? SHL_PASSCODE_ATTEMPTS : null,
        },
        now(),
      );
      if (!stored) throw new HttpError(409, 'shl-taken', 'This link id is taken.');
      log.info('shl stored', { event: 'shl-stored', record: recordId, device, bytes: jwe.length });
      return sendJson(res, 200, { ok: true }, CORS_HEADERS);
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      await requireOwner(req, recordId, path);
      const shl = await store.getShl(id, now());
      // An inactive link cannot be told apart from another record's: the device keeps the log
      // it last read.
      if (!shl || shl.record !== recordId) throw notFound();
      if (req.method === 'DELETE') {
        await store.revokeShl(id);
        log.info('shl revoked', { event: 'shl-revoked', record: recordId });
        return sendJson(res, 200, { ok: true }, CORS_HEADERS);
      }
      const accesses = (await store.shlAccessLog(id)).map((a) => ({
        recipient: a.recipient,
        at: a.at,
      }));
      return sendJson(
        res,
        200,
        { expires: shl.expires, attemptsLeft: shl.attemptsLeft, accesses },
        CORS_HEADERS,
      );
    }
    throw methodNotAllowed('GET, PUT, DELETE');
  }

  /** `/api/shl/:id` and `/api/shl/:id/file`: what a link's holder reads. */
  async function holder(
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    file: boolean,
  ): Promise<void> {
    requireShlId(id);
    const query = new URL(req.url ?? '/', 'http://relay').searchParams;
    if (file) {
      if (req.method !== 'GET') throw methodNotAllowed('GET');
      const shl = await store.getShl(id, now());
      if (!shl) throw notFound();
      if (!ticketValid(id, shl.data, query.get('t'))) {
        throw new HttpError(
          403,
          'bad-ticket',
          'This file address has expired; ask the manifest again.',
        );
      }
      return sendJwe(res, shl.data);
    }
    if (req.method === 'GET') {
      // Flag U: one file, no passcode.
      const recipient = requireRecipient(query.get('recipient'));
      const shl = await store.getShl(id, now());
      if (!shl) throw notFound();
      if (shl.passcodeHash) {
        throw new HttpError(401, 'passcode-required', 'This link needs a passcode.');
      }
      await store.recordShlAccess(id, recipient, now());
      log.info('shl served', { event: 'shl-served', record: shl.record, direct: true });
      return sendJwe(res, shl.data);
    }
    if (req.method !== 'POST') throw methodNotAllowed('GET, POST');
    const body = await readJsonObject(req, MAX_REQUEST_BYTES);
    const recipient = requireRecipient(body['recipient']);
    const passcode = body['passcode'];
    if (
      passcode !== undefined &&
      (typeof passcode !== 'string' || passcode.length > MAX_PASSCODE_CHARS)
    ) {
      throw new HttpError(400, 'bad-passcode', 'The passcode is text.');
    }
    const embeddedMax = body['embeddedLengthMax'];
    if (
      embeddedMax !== undefined &&
      (typeof embeddedMax !== 'number' || !Number.isSafeInteger(embeddedMax) || embeddedMax < 0)
    ) {
      throw new HttpError(400, 'bad-request', '`embeddedLengthMax` is a whole number.');
    }
    const shl = await store.getShl(id, now());
    if (!shl) throw notFound();
    if (shl.passcodeHash) {
      const ok =
        typeof passcode === 'string' && (await passcodeMatches(passcode, shl.passcodeHash));
      if (!ok) {
        const left = await store.decrementShlAttempts(id);
        log.info('shl passcode refused', { event: 'shl-refused', record: shl.record });
        if (left === null) throw notFound();
        return sendJson(
          res,
          401,
          {
            error: 'wrong-passcode',
            message: 'The passcode is wrong.',
            remainingAttempts: left,
          },
          CORS_HEADERS,
        );
      }
    }
    await store.recordShlAccess(id, recipient, now());
    log.info('shl served', { event: 'shl-served', record: shl.record, direct: false });
    const jwe = new TextDecoder().decode(shl.data);
    const entry =
      embeddedMax !== undefined && jwe.length <= embeddedMax
        ? { contentType: 'application/fhir+json', embedded: jwe }
        : {
            contentType: 'application/fhir+json',
            location: `${originOf(req)}/api/shl/${id}/file?t=${ticket(id, shl.data, now() + SHL_LOCATION_TTL_MS)}`,
          };
    return sendJson(res, 200, { files: [entry] }, CORS_HEADERS);
  }

  return { owner, holder };
}
