import { ShlError } from './errors';
import { decryptFile, MAX_JWE_CHARS, MAX_PLAINTEXT_BYTES } from './jwe';
import { base64urlDecode, requireAllowedUrl, type ShlinkPayload } from './payload';

/** Opening a SMART Health Link: the manifest (or the `U` file), each file fetched and decrypted. */

export const SHL_CONTENT_TYPES = [
  'application/fhir+json',
  'application/smart-health-card',
  'application/smart-api-access',
] as const;
export type ShlContentType = (typeof SHL_CONTENT_TYPES)[number];

export interface ShlFile {
  readonly contentType: ShlContentType;
  readonly json: unknown;
}

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

export interface OpenOptions {
  /** Who is opening it (a name the sharer sees in the access log). */
  readonly recipient: string;
  readonly passcode?: string;
  readonly fetch?: FetchLike;
  /** Ask the host to embed files up to this many characters of JWE. */
  readonly embeddedLengthMax?: number;
  /** Cap on each decrypted (decompressed) file, bytes. */
  readonly maxPlaintextBytes?: number;
  readonly timeoutMs?: number;
}

/** Most files one manifest may list. */
export const MAX_FILES = 100;
const MAX_MANIFEST_CHARS = 20_000_000;

async function readCapped(res: Response, max: number, what: string): Promise<string> {
  const length = Number(res.headers.get('content-length'));
  if (Number.isFinite(length) && length > max)
    throw new ShlError('too-large', `The ${what} is too large.`);
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let out = '';
  let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new ShlError('too-large', `The ${what} is too large.`);
    }
    out += decoder.decode(value, { stream: true });
  }
  return out + decoder.decode();
}

async function request(
  f: FetchLike,
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<Response> {
  try {
    return await f(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    throw new ShlError('network', 'The link’s host could not be reached.');
  }
}

function httpProblem(res: Response, what: string): ShlError {
  if (res.status === 404) return new ShlError('not-found', 'This link has expired or was revoked.');
  if (res.status === 429)
    return new ShlError('http-error', 'The link’s host asks to try again later.');
  return new ShlError('http-error', `The link’s host answered ${res.status} for the ${what}.`);
}

async function decrypt(
  jwe: string,
  key: Uint8Array,
  declared: ShlContentType,
  max: number,
): Promise<ShlFile> {
  const file = await decryptFile(jwe, key, max);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(file.plaintext));
  } catch {
    throw new ShlError('not-json', 'The decrypted file is not JSON.');
  }
  // Some hosts leave out `cty`: the manifest's content type then stands.
  const contentType = (SHL_CONTENT_TYPES as readonly string[]).includes(file.contentType ?? '')
    ? (file.contentType as ShlContentType)
    : declared;
  return { contentType, json };
}

/**
 * Fetches and decrypts a link's files. `U` links are one GET with `?recipient=`; others POST the
 * manifest request (with the passcode for `P`) and then read each `embedded` JWE or GET each
 * `location`. Every URL must be HTTPS (or loopback HTTP); every body is size-capped before it is
 * parsed; any problem throws a {@link ShlError} and nothing partial is returned.
 */
export async function openShlink(payload: ShlinkPayload, opts: OpenOptions): Promise<ShlFile[]> {
  const f: FetchLike = opts.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const max = opts.maxPlaintextBytes ?? MAX_PLAINTEXT_BYTES;
  const recipient = opts.recipient.trim();
  if (recipient === '' || recipient.length > 200)
    throw new RangeError('Say who is opening the link (1–200 characters).');
  requireAllowedUrl(payload.url, 'link’s address');
  let key: Uint8Array;
  try {
    key = base64urlDecode(payload.key);
  } catch {
    throw new ShlError('malformed-link', 'The link’s key is not base64url.');
  }
  if (key.length !== 32) throw new ShlError('malformed-link', 'The link’s key is not 32 bytes.');
  const flag = payload.flag ?? '';

  if (flag.includes('U')) {
    const url = new URL(payload.url);
    url.searchParams.set('recipient', recipient);
    const res = await request(f, url.toString(), { method: 'GET' }, timeoutMs);
    if (!res.ok) throw httpProblem(res, 'file');
    const jwe = await readCapped(res, MAX_JWE_CHARS, 'file');
    return [await decrypt(jwe.trim(), key, 'application/fhir+json', max)];
  }

  if (flag.includes('P') && !opts.passcode) {
    throw new ShlError('passcode-required', 'This link needs a passcode.');
  }
  const body = {
    recipient,
    ...(opts.passcode ? { passcode: opts.passcode } : {}),
    ...(opts.embeddedLengthMax !== undefined ? { embeddedLengthMax: opts.embeddedLengthMax } : {}),
  };
  const res = await request(
    f,
    payload.url,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    timeoutMs,
  );
  if (res.status === 401) {
    let remaining: number | undefined;
    try {
      const v = JSON.parse(await readCapped(res, 10_000, 'answer')) as {
        remainingAttempts?: unknown;
      };
      if (
        typeof v.remainingAttempts === 'number' &&
        Number.isInteger(v.remainingAttempts) &&
        v.remainingAttempts >= 0
      ) {
        remaining = v.remainingAttempts;
      }
    } catch {
      remaining = undefined;
    }
    throw new ShlError(
      opts.passcode ? 'wrong-passcode' : 'passcode-required',
      opts.passcode ? 'The passcode is wrong.' : 'This link needs a passcode.',
      remaining,
    );
  }
  if (!res.ok) throw httpProblem(res, 'manifest');
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readCapped(res, MAX_MANIFEST_CHARS, 'manifest'));
  } catch (e) {
    if (e instanceof ShlError) throw e;
    throw new ShlError('bad-manifest', 'The link’s manifest is not JSON.');
  }
  const files =
    typeof manifest === 'object' && manifest !== null
      ? (manifest as { files?: unknown }).files
      : undefined;
  if (!Array.isArray(files))
    throw new ShlError('bad-manifest', 'The link’s manifest lists no files.');
  if (files.length > MAX_FILES)
    throw new ShlError('bad-manifest', `The manifest lists more than ${MAX_FILES} files.`);
  const checked = files.map((file: unknown) => {
    if (typeof file !== 'object' || file === null)
      throw new ShlError('bad-manifest', 'A manifest file entry is malformed.');
    const { contentType, embedded, location } = file as Record<string, unknown>;
    if (!(SHL_CONTENT_TYPES as readonly unknown[]).includes(contentType)) {
      throw new ShlError('bad-manifest', 'A manifest file has an unknown content type.');
    }
    if (typeof embedded === 'string')
      return { contentType: contentType as ShlContentType, embedded, location: undefined };
    if (typeof location === 'string') {
      requireAllowedUrl(location, 'file’s address');
      return { contentType: contentType as ShlContentType, location };
    }
    throw new ShlError(
      'bad-manifest',
      'A manifest file has neither embedded content nor a location.',
    );
  });
  const out: ShlFile[] = [];
  for (const file of checked) {
    let jwe: string;
    if (file.embedded !== undefined) {
      jwe = file.embedded;
    } else {
      const r = await request(f, file.location!, { method: 'GET' }, timeoutMs);
      if (!r.ok) throw httpProblem(r, 'file');
      jwe = (await readCapped(r, MAX_JWE_CHARS, 'file')).trim();
    }
    out.push(await decrypt(jwe, key, file.contentType, max));
  }
  return out;
}
