import { randomBytes } from '../crypto/random';
import { encryptFile, MAX_PLAINTEXT_BYTES } from './jwe';
import { base64urlEncode, formatShlink, requireAllowedUrl, type ShlinkPayload } from './payload';

/** Making a link: the file encrypted on the device, the payload and the link text. */

/** A random 256-bit id for a link's manifest path (43 base64url characters). */
export function newShlId(): string {
  return base64urlEncode(randomBytes(32));
}

export interface CreateShlinkInput {
  /** The JSON to share (an IPS Bundle). */
  readonly json: unknown;
  readonly contentType?: 'application/fhir+json' | 'application/smart-health-card';
  /** The manifest URL (or the file's URL with `direct`); ≤ 128 characters, HTTPS. */
  readonly url: string;
  /** A passcode is needed (flag P); the host checks it. */
  readonly passcode: boolean;
  /** One file by GET (flag U); cannot go with a passcode. */
  readonly direct?: boolean;
  /** Expiry, epoch seconds. */
  readonly exp?: number;
  readonly label?: string;
  /** A viewer URL the link is put behind (`…#shlink:/…`). */
  readonly viewer?: string;
  /** For tests only: the key; otherwise 32 fresh random bytes. */
  readonly key?: Uint8Array;
}

export interface CreatedShlink {
  readonly payload: ShlinkPayload;
  readonly link: string;
  /** The encrypted file, for the host to store as a blind blob. */
  readonly jwe: string;
  readonly key: Uint8Array;
}

export async function createShlink(input: CreateShlinkInput): Promise<CreatedShlink> {
  if (input.url.length > 128) throw new RangeError('An SHL URL is at most 128 characters.');
  requireAllowedUrl(input.url, 'link’s address');
  if (input.direct && input.passcode)
    throw new RangeError('A direct (U) link cannot have a passcode.');
  if (input.label !== undefined && input.label.length > 80)
    throw new RangeError('An SHL label is at most 80 characters.');
  const key = input.key ?? randomBytes(32);
  const size = new TextEncoder().encode(JSON.stringify(input.json)).length;
  // Other viewers cap decompression (jose: 250 kB by default): compress only what stays under it.
  const jwe = await encryptFile(input.json, key, input.contentType ?? 'application/fhir+json', {
    zip: size <= Math.min(250_000, MAX_PLAINTEXT_BYTES),
  });
  const flag = [input.passcode ? 'P' : '', input.direct ? 'U' : ''].join('');
  const payload: ShlinkPayload = {
    url: input.url,
    key: base64urlEncode(key),
    ...(input.exp !== undefined ? { exp: input.exp } : {}),
    ...(flag ? { flag } : {}),
    ...(input.label ? { label: input.label } : {}),
    v: 1,
  };
  return { payload, link: formatShlink(payload, input.viewer), jwe, key };
}
