import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import {
  CLOCK_SKEW_MS,
  authTokenSigningBytes,
  decodeAuthToken,
  encodeAuthToken,
  relayOrigin,
  requestBinding,
  tokenAcceptedUntil,
  verifyAuthToken,
  type AuthClaims,
} from './auth-token';
import { documentName, recordIdForRootKey } from './names';
import { isProtocolError } from './protocol-error';

const device = ed25519.keygen();
const root = ed25519.keygen();
const recordId = recordIdForRootKey(root.publicKey);
const now = 1_800_000_000_000;
const ORIGIN = 'https://relay.example';
const ws = { origins: [ORIGIN], request: null };

function token(claims: Partial<AuthClaims> = {}, secret = device.secretKey): string {
  const c: AuthClaims = {
    audience: ORIGIN,
    recordId,
    docId: 'clinical',
    deviceKey: device.publicKey,
    iat: now,
    exp: now + 60_000,
    nonce: new Uint8Array(16).fill(7),
    request: new Uint8Array(0),
    ...claims,
  };
  return encodeAuthToken({ ...c, signature: ed25519.sign(authTokenSigningBytes(c), secret) });
}

describe('auth tokens', () => {
  const name = documentName(recordId, 'clinical');
  const decoded = (text: string) => {
    const t = decodeAuthToken(text);
    if (isProtocolError(t)) throw new Error(t.message);
    return t;
  };
  it('accepts a fresh signed token for its document', () => {
    expect(verifyAuthToken(decoded(token()), name, now, ws)).toBeNull();
  });

  it.each([
    ['expired', { exp: now - 120_000, iat: now - 150_000 }],
    ['lifetime-too-long', { exp: now + 10 * 60_000 }],
    ['not-yet-valid', { iat: now + 5 * 60_000, exp: now + 6 * 60_000 }],
    ['wrong-document', { docId: 'messages' }],
    ['wrong-relay', { audience: 'https://other.example' }],
    ['wrong-request', { request: requestBinding('GET', '/api/records/x/seen', new Uint8Array()) }],
  ] as const)('refuses a token that is %s', (code, claims) => {
    expect(verifyAuthToken(decoded(token(claims)), name, now, ws)?.error).toBe(code);
  });

  it('accepts a token until exp plus the clock skew, and no longer', () => {
    const t = decoded(token({ exp: now + 1000 }));
    expect(verifyAuthToken(t, name, now + 1000 + CLOCK_SKEW_MS - 1, ws)).toBeNull();
    expect(verifyAuthToken(t, name, now + 1000 + CLOCK_SKEW_MS, ws)?.error).toBe('expired');
    expect(tokenAcceptedUntil(t)).toBe(now + 1000 + CLOCK_SKEW_MS);
  });

  it('binds an HTTP proof to the method, the path and the body', () => {
    const path = `/api/records/${recordId}/recovery`;
    const body = new Uint8Array([1, 2, 3]);
    const binding = requestBinding('PUT', path, body);
    const proofName = documentName(recordId, 'recovery');
    const t = decoded(token({ docId: 'recovery', request: binding }));
    const expect_ = (request: Uint8Array) => ({ origins: [ORIGIN], request });
    expect(verifyAuthToken(t, proofName, now, expect_(binding))).toBeNull();
    for (const other of [
      requestBinding('GET', path, body),
      requestBinding('PUT', `/api/records/${recordId}/seen`, body),
      requestBinding('PUT', path, new Uint8Array([1, 2, 4])),
    ]) {
      expect(verifyAuthToken(t, proofName, now, expect_(other))?.error).toBe('wrong-request');
    }
    // A proof never opens a connection, and a connection token is no proof.
    expect(verifyAuthToken(t, proofName, now, ws)?.error).toBe('wrong-request');
    const plain = decoded(token({ docId: 'recovery' }));
    expect(verifyAuthToken(plain, proofName, now, expect_(binding))?.error).toBe('wrong-request');
    expect(requestBinding('put', path, body)).toEqual(binding);
  });

  it('refuses a token signed by another key', () => {
    const t = decoded(token({}, ed25519.keygen().secretKey));
    expect(verifyAuthToken(t, name, now, ws)?.error).toBe('bad-signature');
  });

  it('never throws on garbage, and refuses an audience that is not an origin', () => {
    for (const bad of ['', '!!!', 'AAAA', 'x'.repeat(2000), token().slice(0, 40)]) {
      expect(isProtocolError(decodeAuthToken(bad))).toBe(true);
    }
    for (const audience of ['https://relay.example/', 'relay.example', 'HTTPS://RELAY.EXAMPLE']) {
      expect(decodeAuthToken(token({ audience }))).toMatchObject({ error: 'malformed' });
    }
    expect(decodeAuthToken(token({ request: new Uint8Array(5) }))).toMatchObject({
      error: 'malformed',
    });
  });

  it('normalises relay origins', () => {
    expect(relayOrigin('https://Relay.Example/')).toBe('https://relay.example');
    expect(relayOrigin('https://relay.example:443/base/')).toBe('https://relay.example');
    expect(relayOrigin('wss://relay.example/sync')).toBe('https://relay.example');
    expect(relayOrigin('http://127.0.0.1:8787')).toBe('http://127.0.0.1:8787');
    expect(relayOrigin('http://[::1]:8787')).toBe('http://[::1]:8787');
    for (const bad of ['', 'relay.example', 'ftp://relay.example', 'https://u:p@relay.example']) {
      expect(relayOrigin(bad), bad).toBeNull();
    }
  });
});
