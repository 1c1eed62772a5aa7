import { describe, expect, it } from 'vitest';
import { exportBundle } from '../fhir/export';
import { DEMO_NOW, DEMO_RECORD } from '../fhir/fixtures/demo-record';
import {
  base64urlDecode,
  createShlink,
  decryptFile,
  encryptFile,
  formatShlink,
  openShlink,
  parseShlink,
  ShlError,
  type FetchLike,
  type ShlinkPayload,
} from './index';
import {
  SPEC_JWE,
  SPEC_LINK_BARE,
  SPEC_LINK_VIEWER,
  SPEC_PAYLOAD,
  SPEC_VC_PREFIX,
} from './fixtures/spec-example';

async function shlError(p: Promise<unknown> | (() => unknown)): Promise<ShlError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof ShlError) return e;
    throw e;
  }
  throw new Error('expected a ShlError');
}

const KEY = new Uint8Array(32).fill(7);
const payloadFor = (url: string, flag?: string): ShlinkPayload => ({
  url,
  key: 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc',
  ...(flag ? { flag } : {}),
});

/**
 * A local SHL host, as the spec describes it: a manifest endpoint that counts wrong passcodes
 * (401 + remainingAttempts, then 404), embedded and location files, a `U` file endpoint. It
 * records every request so tests can check what was (not) fetched.
 */
function fakeHost(opts: {
  passcode?: string;
  attempts?: number;
  files: Array<{ contentType: string; jwe: string; embed: boolean }>;
  manifestBody?: string;
  status?: number;
}) {
  const requests: Array<{ method: string; url: string; body?: unknown }> = [];
  let remaining = opts.attempts ?? 3;
  const fetch: FetchLike = async (url, init) => {
    const method = init?.method ?? 'GET';
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    requests.push({ method, url, body });
    const u = new URL(url);
    if (u.pathname.startsWith('/file/')) {
      const file = opts.files[Number(u.pathname.slice(6))];
      return file
        ? new Response(file.jwe, { headers: { 'content-type': 'application/jose' } })
        : new Response('', { status: 404 });
    }
    if (u.pathname === '/direct') {
      return new Response(opts.files[0]!.jwe, { headers: { 'content-type': 'application/jose' } });
    }
    if (opts.status) return new Response('', { status: opts.status });
    if (remaining <= 0) return new Response('', { status: 404 });
    const b = body as { passcode?: string };
    if (opts.passcode !== undefined && b.passcode !== opts.passcode) {
      remaining -= 1;
      return new Response(JSON.stringify({ remainingAttempts: remaining }), {
        status: 401,
        headers: { 'content-type': 'application/json' },
      });
    }
    const manifest =
      opts.manifestBody ??
      JSON.stringify({
        files: opts.files.map((f, i) =>
          f.embed
            ? { contentType: f.contentType, embedded: f.jwe }
            : { contentType: f.contentType, location: `https://shl.example.org/file/${i}` },
        ),
      });
    return new Response(manifest, { headers: { 'content-type': 'application/json' } });
  };
  return { fetch, requests };
}

describe('parseShlink', () => {
  it('reads the SHL specification’s example link, bare and behind a viewer', () => {
    expect(parseShlink(SPEC_LINK_BARE)).toEqual(SPEC_PAYLOAD);
    expect(parseShlink(SPEC_LINK_VIEWER)).toEqual(SPEC_PAYLOAD);
    expect(parseShlink(`  ${SPEC_LINK_VIEWER}\n`)).toEqual(SPEC_PAYLOAD);
  });

  it('formats what it parses', () => {
    expect(parseShlink(formatShlink(SPEC_PAYLOAD, 'https://viewer.example.org#'))).toEqual(
      SPEC_PAYLOAD,
    );
  });

  const encode = (o: unknown) => formatShlink(o as ShlinkPayload);
  const bad: Array<[string, string, string]> = [
    ['not a link', 'https://example.org/page', 'malformed-link'],
    ['not base64url', 'shlink:/eyJ1cmwiOi$$$', 'malformed-link'],
    ['not JSON', `shlink:/${btoa('hello').replace(/=/g, '')}`, 'malformed-link'],
    ['a JSON array', encode([1, 2]), 'malformed-link'],
    [
      'a short key',
      encode({ ...SPEC_PAYLOAD, key: 'rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7' }),
      'malformed-link',
    ],
    ['no url', encode({ key: SPEC_PAYLOAD.key }), 'malformed-link'],
    ['U with P', encode({ ...SPEC_PAYLOAD, flag: 'PU' }), 'malformed-link'],
    [
      'a label over 80 characters',
      encode({ ...SPEC_PAYLOAD, label: 'x'.repeat(81) }),
      'malformed-link',
    ],
    ['a newer version', encode({ ...SPEC_PAYLOAD, v: 2 }), 'unsupported-version'],
    [
      'plain HTTP to another host',
      encode({ ...SPEC_PAYLOAD, url: 'http://ehr.example.org/m' }),
      'insecure-url',
    ],
    ['an ftp URL', encode({ ...SPEC_PAYLOAD, url: 'ftp://ehr.example.org/m' }), 'insecure-url'],
    [
      'credentials in the URL',
      encode({ ...SPEC_PAYLOAD, url: 'https://a:b@ehr.example.org/m' }),
      'insecure-url',
    ],
    ['a huge link', `shlink:/${'A'.repeat(9000)}`, 'malformed-link'],
  ];
  for (const [what, link, code] of bad) {
    it(`refuses ${what} with a clear error`, async () => {
      const e = await shlError(() => parseShlink(link));
      expect(e.code).toBe(code);
      expect(e.message).not.toContain(SPEC_PAYLOAD.key);
    });
  }

  it('accepts plain HTTP to loopback (development hosts)', () => {
    expect(parseShlink(encode({ ...SPEC_PAYLOAD, url: 'http://127.0.0.1:8787/shl/x' })).url).toBe(
      'http://127.0.0.1:8787/shl/x',
    );
    expect(parseShlink(encode({ ...SPEC_PAYLOAD, url: 'http://localhost:5173/x' })).url).toBe(
      'http://localhost:5173/x',
    );
  });
});

describe('decryptFile', () => {
  it('decrypts the SHL specification’s example JWE with its key', async () => {
    const file = await decryptFile(SPEC_JWE, base64urlDecode(SPEC_PAYLOAD.key));
    expect(file.contentType).toBe('application/smart-health-card');
    const json = JSON.parse(new TextDecoder().decode(file.plaintext)) as {
      verifiableCredential: string[];
    };
    expect(json.verifiableCredential).toHaveLength(1);
    expect(json.verifiableCredential[0]!.startsWith(SPEC_VC_PREFIX)).toBe(true);
  });

  it('refuses a truncated JWE with a clear error', async () => {
    const key = base64urlDecode(SPEC_PAYLOAD.key);
    expect((await shlError(decryptFile(SPEC_JWE.slice(0, 200), key))).code).toBe('malformed-jwe');
    // Cut inside the ciphertext but keep the tag: authentication fails.
    const parts = SPEC_JWE.split('.');
    const cut = [parts[0], '', parts[2], parts[3]!.slice(0, 100), parts[4]].join('.');
    expect((await shlError(decryptFile(cut, key))).code).toBe('decrypt-failed');
  });

  it('refuses a wrong key and an altered ciphertext', async () => {
    expect((await shlError(decryptFile(SPEC_JWE, new Uint8Array(32)))).code).toBe('decrypt-failed');
    const parts = SPEC_JWE.split('.');
    const flipped = parts[3]!.startsWith('a') ? `b${parts[3]!.slice(1)}` : `a${parts[3]!.slice(1)}`;
    const altered = [parts[0], '', parts[2], flipped, parts[4]].join('.');
    expect((await shlError(decryptFile(altered, base64urlDecode(SPEC_PAYLOAD.key)))).code).toBe(
      'decrypt-failed',
    );
  });

  it('refuses other algorithms than dir + A256GCM', async () => {
    const header = btoa(JSON.stringify({ alg: 'RSA-OAEP', enc: 'A256GCM' })).replace(/=+$/, '');
    const jwe = [header, '', 'AAAAAAAAAAAAAAAA', 'AAAA', 'AAAAAAAAAAAAAAAAAAAAAA'].join('.');
    expect((await shlError(decryptFile(jwe, KEY))).code).toBe('unsupported-encryption');
  });

  it('stops a zip bomb at the decompressed-size cap', async () => {
    const jwe = await encryptFile('0'.repeat(9_000_000), KEY, 'application/fhir+json', {
      zip: true,
    });
    expect(jwe.length).toBeLessThan(100_000);
    expect((await shlError(decryptFile(jwe, KEY))).code).toBe('too-large');
    expect(
      (
        await shlError(
          decryptFile(
            await encryptFile('x'.repeat(5000), KEY, 'application/fhir+json', { zip: true }),
            KEY,
            1000,
          ),
        )
      ).code,
    ).toBe('too-large');
  });
});

describe('openShlink', () => {
  const bundle = exportBundle(DEMO_RECORD, { now: DEMO_NOW });

  it('creates a passcode link to an IPS and opens it: manifest POST, embedded and location files', async () => {
    const made = await createShlink({
      json: bundle,
      url: 'https://shl.example.org/manifest/abc',
      passcode: true,
      label: 'Summary for the GP',
      exp: 1_900_000_000,
    });
    expect(made.payload.flag).toBe('P');
    expect(
      JSON.parse(atob(made.jwe.split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/'))).zip,
    ).toBe('DEF');
    const payload = parseShlink(made.link);
    expect(payload).toEqual(made.payload);
    const host = fakeHost({
      passcode: '4711',
      files: [
        { contentType: 'application/fhir+json', jwe: made.jwe, embed: true },
        { contentType: 'application/fhir+json', jwe: made.jwe, embed: false },
      ],
    });
    const files = await openShlink(payload, {
      recipient: 'Dr. Jansen',
      passcode: '4711',
      fetch: host.fetch,
    });
    expect(files).toEqual([
      { contentType: 'application/fhir+json', json: bundle },
      { contentType: 'application/fhir+json', json: bundle },
    ]);
    expect(host.requests[0]).toEqual({
      method: 'POST',
      url: 'https://shl.example.org/manifest/abc',
      body: { recipient: 'Dr. Jansen', passcode: '4711' },
    });
    expect(host.requests[1]).toMatchObject({
      method: 'GET',
      url: 'https://shl.example.org/file/1',
    });
  });

  it('a wrong passcode gets 401 with remainingAttempts; after the limit the link is gone (404)', async () => {
    const jwe = await encryptFile({ resourceType: 'Bundle' }, KEY, 'application/fhir+json');
    const host = fakeHost({
      passcode: 'right',
      attempts: 2,
      files: [{ contentType: 'application/fhir+json', jwe, embed: true }],
    });
    const p = payloadFor('https://shl.example.org/m', 'P');
    const first = await shlError(
      openShlink(p, { recipient: 'x', passcode: 'wrong', fetch: host.fetch }),
    );
    expect([first.code, first.remainingAttempts]).toEqual(['wrong-passcode', 1]);
    const second = await shlError(
      openShlink(p, { recipient: 'x', passcode: 'wrong', fetch: host.fetch }),
    );
    expect([second.code, second.remainingAttempts]).toEqual(['wrong-passcode', 0]);
    expect(
      (await shlError(openShlink(p, { recipient: 'x', passcode: 'right', fetch: host.fetch })))
        .code,
    ).toBe('not-found');
  });

  it('asks for a passcode before any request when the link has P', async () => {
    const host = fakeHost({ files: [] });
    const e = await shlError(
      openShlink(payloadFor('https://shl.example.org/m', 'P'), {
        recipient: 'x',
        fetch: host.fetch,
      }),
    );
    expect(e.code).toBe('passcode-required');
    expect(host.requests).toHaveLength(0);
  });

  it('a U link is one GET with ?recipient= and no manifest', async () => {
    const jwe = await encryptFile(
      { resourceType: 'Bundle', type: 'document' },
      KEY,
      'application/fhir+json',
      { zip: true },
    );
    const host = fakeHost({ files: [{ contentType: 'application/fhir+json', jwe, embed: false }] });
    const files = await openShlink(payloadFor('https://shl.example.org/direct', 'LU'), {
      recipient: 'Sofie S',
      fetch: host.fetch,
    });
    expect(files).toEqual([
      { contentType: 'application/fhir+json', json: { resourceType: 'Bundle', type: 'document' } },
    ]);
    expect(host.requests).toEqual([
      { method: 'GET', url: 'https://shl.example.org/direct?recipient=Sofie+S', body: undefined },
    ]);
  });

  it('an expired or revoked link (404) and other host errors are clear errors', async () => {
    expect(
      (
        await shlError(
          openShlink(payloadFor('https://shl.example.org/m'), {
            recipient: 'x',
            fetch: fakeHost({ files: [], status: 404 }).fetch,
          }),
        )
      ).code,
    ).toBe('not-found');
    expect(
      (
        await shlError(
          openShlink(payloadFor('https://shl.example.org/m'), {
            recipient: 'x',
            fetch: fakeHost({ files: [], status: 500 }).fetch,
          }),
        )
      ).code,
    ).toBe('http-error');
    const down: FetchLike = () => Promise.reject(new TypeError('fetch failed'));
    expect(
      (
        await shlError(
          openShlink(payloadFor('https://shl.example.org/m'), { recipient: 'x', fetch: down }),
        )
      ).code,
    ).toBe('network');
  });

  it('refuses a non-HTTPS, non-loopback URL without fetching it: the link’s or a manifest file’s', async () => {
    const host = fakeHost({ files: [] });
    expect(
      (
        await shlError(
          openShlink(payloadFor('http://shl.example.org/m'), { recipient: 'x', fetch: host.fetch }),
        )
      ).code,
    ).toBe('insecure-url');
    expect(host.requests).toHaveLength(0);
    const evil = fakeHost({
      files: [],
      manifestBody: JSON.stringify({
        files: [{ contentType: 'application/fhir+json', location: 'http://evil.example.org/f' }],
      }),
    });
    expect(
      (
        await shlError(
          openShlink(payloadFor('https://shl.example.org/m'), {
            recipient: 'x',
            fetch: evil.fetch,
          }),
        )
      ).code,
    ).toBe('insecure-url');
    expect(evil.requests.map((r) => r.url)).toEqual(['https://shl.example.org/m']);
  });

  it('refuses malformed manifests: not JSON, no files, unknown content type, a file with no content', async () => {
    const bodies = [
      'not json',
      JSON.stringify({}),
      JSON.stringify({ files: [{ contentType: 'text/html', embedded: 'x' }] }),
      JSON.stringify({ files: [{ contentType: 'application/fhir+json' }] }),
      JSON.stringify({
        files: Array.from({ length: 101 }, () => ({
          contentType: 'application/fhir+json',
          embedded: 'x',
        })),
      }),
    ];
    for (const manifestBody of bodies) {
      const e = await shlError(
        openShlink(payloadFor('https://shl.example.org/m'), {
          recipient: 'x',
          fetch: fakeHost({ files: [], manifestBody }).fetch,
        }),
      );
      expect(e.code).toBe('bad-manifest');
    }
  });

  it('a file that decrypts to something other than JSON is a clear error', async () => {
    const jwe = await new (await import('jose')).CompactEncrypt(new TextEncoder().encode('<html>'))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(KEY);
    const host = fakeHost({ files: [{ contentType: 'application/fhir+json', jwe, embed: true }] });
    expect(
      (
        await shlError(
          openShlink(payloadFor('https://shl.example.org/m'), {
            recipient: 'x',
            fetch: host.fetch,
          }),
        )
      ).code,
    ).toBe('not-json');
  });

  it('a file whose JWE lacks cty takes the manifest’s content type', async () => {
    const jwe = await new (await import('jose')).CompactEncrypt(new TextEncoder().encode('{"a":1}'))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(KEY);
    const host = fakeHost({
      files: [{ contentType: 'application/smart-health-card', jwe, embed: true }],
    });
    expect(
      await openShlink(payloadFor('https://shl.example.org/m'), {
        recipient: 'x',
        fetch: host.fetch,
      }),
    ).toEqual([{ contentType: 'application/smart-health-card', json: { a: 1 } }]);
  });

  it('refuses an oversized response before reading it', async () => {
    const big: FetchLike = async () =>
      new Response('x', { headers: { 'content-length': String(30_000_000) } });
    expect(
      (
        await shlError(
          openShlink(payloadFor('https://shl.example.org/m'), { recipient: 'x', fetch: big }),
        )
      ).code,
    ).toBe('too-large');
  });

  it('createShlink refuses a passcode on a U link, an insecure or overlong URL', async () => {
    await expect(
      createShlink({ json: {}, url: 'https://a.example/x', passcode: true, direct: true }),
    ).rejects.toThrow(RangeError);
    await expect(
      createShlink({ json: {}, url: `https://a.example/${'x'.repeat(120)}`, passcode: false }),
    ).rejects.toThrow(RangeError);
    expect(
      (await shlError(createShlink({ json: {}, url: 'http://a.example/x', passcode: false }))).code,
    ).toBe('insecure-url');
  });
});
