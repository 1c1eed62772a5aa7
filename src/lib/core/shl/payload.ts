import { ShlError } from './errors';

/** SMART Health Links (HL7 SMART Health Cards and Links IG, STU1): the link and its payload. */

export interface ShlinkPayload {
  /** Manifest URL (or, with flag `U`, the single file's URL). */
  readonly url: string;
  /** 32-byte key, base64url (43 characters). */
  readonly key: string;
  /** Expiry hint, epoch seconds. */
  readonly exp?: number;
  /** Single letters in alphabetical order: L long-term, P passcode, U direct file. */
  readonly flag?: string;
  readonly label?: string;
  readonly v?: number;
}

/** Longest link text read (a QR code holds far less). */
export const MAX_LINK_CHARS = 8192;
const B64URL = /^[A-Za-z0-9_-]+$/;

export function base64urlDecode(s: string): Uint8Array {
  if (!B64URL.test(s) || s.length % 4 === 1) throw new RangeError('not base64url');
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function base64urlEncode(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Whether a link's host may be fetched: HTTPS, or plain HTTP to this machine's loopback only
 * (for development and tests). No credentials in the URL.
 */
export function isAllowedUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  if (u.protocol === 'https:') return true;
  return u.protocol === 'http:' && LOOPBACK.test(u.hostname);
}

export function requireAllowedUrl(url: string, what: string): void {
  if (!isAllowedUrl(url)) {
    throw new ShlError(
      'insecure-url',
      `The ${what} is not an HTTPS address; Backpack does not fetch it.`,
    );
  }
}

const fail = (message: string): never => {
  throw new ShlError('malformed-link', message);
};

/**
 * Reads a link: a bare `shlink:/…` or a viewer URL with `#shlink:/…` after it. Checks every field
 * (32-byte key, HTTPS URL, flags, label, version) and throws a {@link ShlError} on anything else.
 */
export function parseShlink(text: string): ShlinkPayload {
  if (typeof text !== 'string') return fail('A SMART Health Link is text.');
  const s = text.trim();
  if (s.length > MAX_LINK_CHARS) return fail('This link is too long to be a SMART Health Link.');
  const at = s.startsWith('shlink:/') ? 0 : s.indexOf('#shlink:/');
  if (at < 0) return fail('This is not a SMART Health Link (no shlink:/ in it).');
  if (at > 0 && !/^https?:\/\//i.test(s)) return fail('A viewer prefix must be a web address.');
  const encoded = s.slice(at + (at === 0 ? 8 : 9));
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64urlDecode(encoded)));
  } catch {
    return fail('The link is damaged: its payload is not base64url-encoded JSON.');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail('The link is damaged: its payload is not a JSON object.');
  }
  const p = json as Record<string, unknown>;
  if (p['v'] !== undefined) {
    if (typeof p['v'] !== 'number' || !Number.isInteger(p['v']) || p['v'] < 1)
      fail('The link has a malformed version.');
    if ((p['v'] as number) > 1) {
      throw new ShlError(
        'unsupported-version',
        'This link uses a newer SMART Health Link version than Backpack reads.',
      );
    }
  }
  const url = p['url'];
  if (typeof url !== 'string' || url.length === 0 || url.length > 1024)
    fail('The link has no valid address.');
  requireAllowedUrl(url as string, 'link’s address');
  const key = p['key'];
  let keyBytes: Uint8Array | null;
  try {
    keyBytes = typeof key === 'string' && key.length === 43 ? base64urlDecode(key) : null;
  } catch {
    keyBytes = null;
  }
  if (!keyBytes || keyBytes.length !== 32) fail('The link’s key is not 32 bytes of base64url.');
  const exp = p['exp'];
  if (exp !== undefined && (typeof exp !== 'number' || !Number.isFinite(exp) || exp < 0))
    fail('The link has a malformed expiry.');
  const flag = p['flag'];
  if (flag !== undefined) {
    if (typeof flag !== 'string' || !/^[A-Z]{0,26}$/.test(flag))
      fail('The link has malformed flags.');
    if ((flag as string).includes('U') && (flag as string).includes('P'))
      fail('A link cannot be both passcode-protected (P) and direct (U).');
  }
  const label = p['label'];
  if (label !== undefined && (typeof label !== 'string' || label.length > 80))
    fail('The link’s label is longer than 80 characters.');
  return {
    url: url as string,
    key: key as string,
    ...(exp !== undefined ? { exp: exp as number } : {}),
    ...(flag !== undefined ? { flag: flag as string } : {}),
    ...(label !== undefined ? { label: label as string } : {}),
    ...(p['v'] !== undefined ? { v: p['v'] as number } : {}),
  };
}

/** The link text for a payload: `shlink:/…`, behind `viewer` (ending in `#`) if given. */
export function formatShlink(payload: ShlinkPayload, viewer?: string): string {
  const body = `shlink:/${base64urlEncode(new TextEncoder().encode(JSON.stringify(payload)))}`;
  return viewer ? `${viewer.endsWith('#') ? viewer : `${viewer}#`}${body}` : body;
}
