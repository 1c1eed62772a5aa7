import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { deviceKeysFromSeed, newSeed, randomBytes } from '../crypto/index';
import { fromBase64Url, isProtocolError, toBase64Url } from '../sync/protocol';
import {
  assertLinkRequestSigned,
  deviceFingerprint,
  encodeLinkCode,
  newMailboxId,
  parseLinkCode,
  signLinkRequest,
  verifyLinkRequest,
  type LinkRequest,
} from './link';
import { AlteredCodeError } from './signed-code';

const PREFIX = 'backpack-link:';
const laptop = deviceKeysFromSeed(newSeed());
const attacker = deviceKeysFromSeed(newSeed());
const request = signLinkRequest(
  {
    mailbox: newMailboxId(randomBytes(16)),
    signPublic: laptop.signPublic,
    boxPublic: laptop.boxPublic,
    relayUrl: 'https://relay.example',
  },
  laptop.signSecret,
);
const code = encodeLinkCode(request);

/** The code's bytes, as someone editing the pasted text sees them. */
function bytesOf(text: string): Uint8Array {
  const b = fromBase64Url(text.slice(PREFIX.length));
  if (isProtocolError(b)) throw new Error('not base64url');
  return b;
}

/** An edited code: `fields` changed, the original signature kept (the attacker has no key). */
function edited(fields: Partial<LinkRequest>): string {
  return encodeLinkCode({ ...request, ...fields });
}

describe('link codes', () => {
  it('round-trip and verify; the fingerprint covers both keys', () => {
    const parsed = parseLinkCode(code);
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.mailbox).toBe(request.mailbox);
    expect(parsed.relayUrl).toBe(request.relayUrl);
    expect(verifyLinkRequest(parsed)).toBe(true);
    expect(deviceFingerprint(parsed)).toBe(deviceFingerprint(laptop));
    expect(() => assertLinkRequestSigned(parsed)).not.toThrow();
  });

  it('refuses an edited code: box key, signing key, mailbox or relay swapped', () => {
    for (const fields of [
      { boxPublic: attacker.boxPublic },
      { signPublic: attacker.signPublic },
      { mailbox: newMailboxId(randomBytes(16)) },
      { relayUrl: 'https://evil.example' },
    ]) {
      expect(parseLinkCode(edited(fields))).toEqual({ error: 'altered' });
    }
  });

  it('refuses a code with any one character changed', () => {
    const body = code.slice(PREFIX.length);
    // The last character may carry only padding bits; every other one is all data.
    for (let i = 0; i < body.length - 1; i++) {
      const c = body[i] === 'A' ? 'B' : 'A';
      const flipped = PREFIX + body.slice(0, i) + c + body.slice(i + 1);
      const parsed = parseLinkCode(flipped);
      expect('error' in parsed, `position ${i}`).toBe(true);
    }
  });

  it('refuses a code whose signature was stripped or replaced', () => {
    const bytes = bytesOf(code);
    const stripped = PREFIX + toBase64Url(bytes.slice(0, bytes.length - 65));
    expect(parseLinkCode(stripped)).toEqual({ error: 'altered' });
    const zeroed = bytes.slice();
    zeroed.fill(0, bytes.length - 64);
    expect(parseLinkCode(PREFIX + toBase64Url(zeroed))).toEqual({ error: 'altered' });
    const short = encodeLinkCode({ ...request, signature: request.signature.slice(0, 32) });
    expect(parseLinkCode(short)).toEqual({ error: 'altered' });
  });

  it('a code re-signed by the attacker with both keys swapped parses, but shows other numbers', () => {
    const forged = signLinkRequest(
      {
        mailbox: request.mailbox,
        signPublic: attacker.signPublic,
        boxPublic: attacker.boxPublic,
        relayUrl: request.relayUrl,
      },
      attacker.signSecret,
    );
    const parsed = parseLinkCode(encodeLinkCode(forged));
    if ('error' in parsed) throw new Error(parsed.error);
    expect(deviceFingerprint(parsed)).not.toBe(deviceFingerprint(laptop));
    // Re-signing only the box key under the laptop's key is impossible without its secret.
    const boxOnly = signLinkRequest(
      { ...forged, signPublic: laptop.signPublic, boxPublic: attacker.boxPublic },
      attacker.signSecret,
    );
    expect(parseLinkCode(encodeLinkCode(boxOnly))).toEqual({ error: 'altered' });
  });

  it('refuses an unsigned code from an older app as outdated, and other codes or garbage', () => {
    const e = encoding.createEncoder();
    encoding.writeUint8(e, 1);
    encoding.writeVarString(e, request.mailbox);
    encoding.writeVarUint8Array(e, laptop.signPublic);
    encoding.writeVarUint8Array(e, laptop.boxPublic);
    encoding.writeVarString(e, request.relayUrl);
    expect(parseLinkCode(PREFIX + toBase64Url(encoding.toUint8Array(e)))).toEqual({
      error: 'outdated',
    });
    expect(parseLinkCode('backpack-contact:AAAA')).toEqual({ error: 'not-a-link-code' });
    expect(parseLinkCode(`${PREFIX}!!!`)).toEqual({ error: 'damaged' });
    expect(parseLinkCode(`${code}AA`)).toEqual({ error: 'damaged' });
    expect(parseLinkCode(edited({ relayUrl: 'javascript:alert(1)' }))).toEqual({
      error: 'damaged',
    });
  });

  it('the check before sealing throws on a request changed after it was parsed', () => {
    const parsed = parseLinkCode(code);
    if ('error' in parsed) throw new Error(parsed.error);
    const swapped: LinkRequest = { ...parsed, boxPublic: attacker.boxPublic };
    expect(verifyLinkRequest(swapped)).toBe(false);
    expect(() => assertLinkRequestSigned(swapped)).toThrow(AlteredCodeError);
    expect(() => assertLinkRequestSigned(swapped)).toThrow(/changed or damaged; ask for a new one/);
  });
});
