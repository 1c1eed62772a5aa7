import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import {
  CLOCK_SKEW_MS,
  authTokenSigningBytes,
  base32,
  decodeAuthToken,
  decodeEnvelope,
  decodeManifest,
  documentName,
  encodeAuthToken,
  encodeManifest,
  fromBase32,
  granteeFor,
  isProtocolError,
  manifestSigningBytes,
  parseDocumentName,
  recordIdForRootKey,
  relayOrigin,
  requestBinding,
  tokenAcceptedUntil,
  verifyAuthToken,
  verifyManifest,
  type AuthClaims,
  type ManifestBody,
} from './protocol';

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

function manifest(overrides: Partial<ManifestBody> = {}, secret = root.secretKey) {
  const body: ManifestBody = {
    recordId,
    version: 1,
    rootKey: root.publicKey,
    rootBoxKey: new Uint8Array(32).fill(1),
    issuedAt: now,
    compartments: [{ name: 'clinical', docId: 'clinical', epoch: 0 }],
    grantees: [
      {
        deviceKey: device.publicKey,
        boxKey: new Uint8Array(32).fill(2),
        role: 'owner',
        compartments: ['clinical'],
        since: now,
        notAfter: null,
        certificate: null,
      },
    ],
    lockboxes: [],
    signer: root.publicKey,
    ...overrides,
  };
  return { ...body, signature: ed25519.sign(manifestSigningBytes(body), secret) };
}

describe('names and ids', () => {
  it('parses document names and rejects unsafe ones', () => {
    expect(parseDocumentName(documentName(recordId, 'clinical'))).toEqual({
      recordId,
      docId: 'clinical',
    });
    for (const bad of ['', 'a', 'a:b:c', 'A:b', '../x:y', 'x:y z', `${recordId}:`]) {
      expect(isProtocolError(parseDocumentName(bad)), bad).toBe(true);
    }
  });

  it('round-trips base32', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      expect(fromBase32(base32(bytes))).toEqual(bytes);
    }
    expect(fromBase32('0')).toBeNull();
  });
});

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

describe('manifests', () => {
  it('round-trips and verifies', () => {
    const m = decodeManifest(encodeManifest(manifest()));
    if (isProtocolError(m)) throw new Error(m.message);
    expect(verifyManifest(m)).toBeNull();
    expect(granteeFor(m, device.publicKey, 'clinical', now)?.role).toBe('owner');
    expect(granteeFor(m, device.publicKey, 'journal', now)).toBeNull();
  });

  it('refuses a forged signature and a root key of another record', () => {
    const forged = manifest({}, ed25519.keygen().secretKey);
    expect(verifyManifest(forged)?.error).toBe('bad-signature');
    const other = ed25519.keygen();
    const squatted = manifest(
      { rootKey: other.publicKey, signer: other.publicKey },
      other.secretKey,
    );
    expect(verifyManifest(squatted)?.error).toBe('wrong-record');
  });

  it('ends a grant at notAfter', () => {
    const m = manifest({
      grantees: [
        {
          deviceKey: device.publicKey,
          boxKey: new Uint8Array(32),
          role: 'viewer',
          compartments: ['clinical'],
          since: now,
          notAfter: now + 1000,
          certificate: null,
        },
      ],
    });
    expect(granteeFor(m, device.publicKey, 'clinical', now + 999)?.role).toBe('viewer');
    expect(granteeFor(m, device.publicKey, 'clinical', now + 1000)).toBeNull();
  });

  it('rejects truncations and random bytes without throwing', () => {
    const bytes = encodeManifest(manifest());
    for (let i = 0; i < bytes.length; i += 7) {
      expect(isProtocolError(decodeManifest(bytes.subarray(0, i)))).toBe(true);
    }
    let seed = 1;
    for (let n = 0; n < 500; n++) {
      const junk = Uint8Array.from({ length: (n % 90) + 1 }, () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed & 255;
      });
      expect(() => decodeManifest(junk)).not.toThrow();
      expect(() => decodeEnvelope(junk)).not.toThrow();
    }
  });
});
