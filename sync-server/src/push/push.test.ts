import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toHex } from '../../../src/lib/core/sync/protocol';
import { parseConfig } from '../config';
import { createLogger } from '../log';
import { testStoreArgs } from '../pg-testing';
import { startServer, type RunningServer } from '../server';
import { keyPair, newRecord, signedManifest, token, type KeyPair } from '../testing';
import { DAY_MS, nextDailyAt } from './reminders';
import { checkEndpoint, parseRegistration } from './service';
import { decrypt, newBrowser, type Browser } from './push-testing';
import { encryptPayload } from './webpush';

/**
 * The relay's Web Push against a loopback push service that decrypts every request per RFC 8291
 * with the subscription's keys (written here independently of `webpush.ts`, with HMAC only) and
 * checks its VAPID JWT with the key the relay serves.
 */

const b64 = (s: string) => Buffer.from(s, 'base64url');

/** Checks `Authorization: vapid t=…, k=…` (RFC 8292) and returns the JWT's claims. */
function checkVapid(
  header: string | undefined,
  servedKey: string,
  audience: string,
  nowMs: number,
): { aud: string; exp: number; sub: string } {
  const m = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(header ?? '');
  expect(m, 'a vapid Authorization header').not.toBeNull();
  const [jwt, k] = [m![1]!, m![2]!];
  expect(k).toBe(servedKey);
  const [h, c, s] = jwt.split('.') as [string, string, string];
  expect(JSON.parse(b64(h).toString())).toEqual({ typ: 'JWT', alg: 'ES256' });
  const raw = b64(k);
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: raw.subarray(1, 33).toString('base64url'),
      y: raw.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  const ok = verify('sha256', Buffer.from(`${h}.${c}`), { key, dsaEncoding: 'ieee-p1363' }, b64(s));
  expect(ok, 'the JWT verifies with the served key').toBe(true);
  const claims = JSON.parse(b64(c).toString()) as { aud: string; exp: number; sub: string };
  expect(claims.aud).toBe(audience);
  expect(claims.exp).toBeGreaterThan(nowMs / 1000);
  expect(claims.exp).toBeLessThanOrEqual(nowMs / 1000 + 24 * 3600);
  expect(claims.sub).toMatch(/^(mailto:|https:)/);
  return claims;
}

// --- the loopback push service ---------------------------------------------------------------

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

let pushService: Server;
let pushOrigin = '';
const received: Received[] = [];
/** Paths the push service answers 410 (subscription gone). */
const gonePaths = new Set<string>();

// --- the relay -------------------------------------------------------------------------------

let server: RunningServer;
let clock = Date.UTC(2026, 0, 5, 7, 0, 0);
const logs: string[] = [];
let vapidKey = '';

const rec = newRecord();
const phone = keyPair();
const laptop = keyPair();
const physio = keyPair();
const CLINICAL = 'clinical-doc';
const MESSAGES = 'messages-doc';
const names = { [CLINICAL]: 'clinical', [MESSAGES]: 'messages' };
let manifestVersion = 1;

async function putManifest(
  grantees: Parameters<typeof signedManifest>[2],
  epoch = 0,
): Promise<void> {
  const { bytes } = signedManifest(rec, manifestVersion++, grantees, {
    docs: [CLINICAL, MESSAGES],
    names,
    epoch,
  });
  const r = await fetch(`${server.url}/api/records/${rec.recordId}/manifest`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  expect(r.status, await r.clone().text()).toBe(200);
}

const everyone = () => [
  { key: phone, role: 'owner' as const, docs: [CLINICAL, MESSAGES] },
  { key: laptop, role: 'owner' as const, docs: [CLINICAL, MESSAGES] },
  { key: physio, role: 'professional' as const, docs: [CLINICAL, MESSAGES] },
];

const path = `/api/records/${rec.recordId}/push`;

function proofFor(device: KeyPair, method: string, body?: Uint8Array, docId = CLINICAL) {
  return token(device, rec.recordId, docId, {
    origin: server.url,
    now: clock,
    request: { method, path, ...(body ? { body } : {}) },
  });
}

async function subscribe(
  device: KeyPair,
  browser: Browser,
  endpointPath: string,
  opts: {
    kinds?: string[];
    checkInMinute?: number | null;
    checkInLocal?: { minute: number; zone: string };
    questionnairesDueAt?: number[];
  } = {},
) {
  const body = new TextEncoder().encode(
    JSON.stringify({
      endpoint: `${pushOrigin}${endpointPath}`,
      keys: {
        p256dh: browser.p256dh.toString('base64url'),
        auth: browser.auth.toString('base64url'),
      },
      kinds: opts.kinds ?? ['check-in', 'questionnaire', 'message'],
      checkInMinute: opts.checkInMinute === undefined ? 8 * 60 : opts.checkInMinute,
      ...(opts.checkInLocal ? { checkInLocal: opts.checkInLocal } : {}),
      questionnairesDueAt: opts.questionnairesDueAt ?? [],
    }),
  );
  return fetch(`${server.url}${path}`, {
    method: 'PUT',
    headers: {
      'content-type': 'application/json',
      'x-backpack-proof': proofFor(device, 'PUT', body),
    },
    body,
  });
}

async function unsubscribe(device: KeyPair) {
  return fetch(`${server.url}${path}`, {
    method: 'DELETE',
    headers: { 'x-backpack-proof': proofFor(device, 'DELETE') },
  });
}

beforeAll(async () => {
  pushService = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const p = req.url ?? '/';
      received.push({ path: p, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(gonePaths.has(p) ? 410 : 201);
      res.end();
    });
  });
  await new Promise<void>((r) => pushService.listen(0, '127.0.0.1', r));
  pushOrigin = `http://127.0.0.1:${(pushService.address() as AddressInfo).port}`;

  const config = parseConfig(
    [
      '--port',
      '0',
      '--data',
      mkdtempSync(join(tmpdir(), 'backpack-push-')),
      '--push-allow-loopback',
      ...(await testStoreArgs()),
    ],
    {},
  );
  server = await startServer(
    config,
    createLogger((l) => logs.push(l)),
    { now: () => clock, pushTickMs: 0 },
  );
  await putManifest(everyone());
  const v = await fetch(`${server.url}/api/push/vapid`);
  expect(v.status).toBe(200);
  vapidKey = ((await v.json()) as { publicKey: string }).publicKey;
  expect(b64(vapidKey)).toHaveLength(65);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await new Promise((r) => pushService?.close(r));
});

beforeEach(async () => {
  received.length = 0;
  gonePaths.clear();
  for (const d of [phone, laptop, physio]) await unsubscribe(d);
  // Each test starts a fresh minute, past the coalescing window.
  clock += 10 * 60_000;
});

describe('Web Push reminders', () => {
  it('encrypts as RFC 8291 Appendix A does, byte for byte', () => {
    const body = encryptPayload(
      new TextEncoder().encode('When I grow up, I want to be a watermelon'),
      b64(
        'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4',
      ),
      b64('BTBZMqHH6r4Tts7J_aSIgg'),
      {
        salt: b64('DGv6ra1nlYgDCS1FRnbzlw'),
        ephemeralPrivateKey: b64('yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw'),
        padTo: 0,
      },
    );
    expect(Buffer.from(body).toString('base64url')).toBe(
      'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
    );
    // And the test's own decryption reads it back.
    expect(
      decrypt(
        Buffer.from(body),
        b64('q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94'),
        b64('BTBZMqHH6r4Tts7J_aSIgg'),
      ).toString(),
    ).toBe('When I grow up, I want to be a watermelon');
  });

  it("the relay's push request decrypts at the loopback endpoint to a payload with no health data", async () => {
    const browser = newBrowser();
    const r = await subscribe(phone, browser, '/push/phone');
    expect(r.status).toBe(200);
    // The laptop writes a message: the phone hears of it.
    expect(await server.push.messageArrived(rec.recordId, MESSAGES, laptop.publicKey)).toBe(1);
    expect(received).toHaveLength(1);
    const req = received[0]!;
    expect(req.path).toBe('/push/phone');
    expect(req.headers['content-encoding']).toBe('aes128gcm');
    expect(req.headers['ttl']).toBe('86400');
    expect(req.headers['urgency']).toBe('normal');
    expect(req.headers['topic']).toBe('message');
    checkVapid(req.headers['authorization'], vapidKey, pushOrigin, clock);
    const text = decrypt(req.body, browser.ecdh.getPrivateKey(), browser.auth).toString('utf8');
    const payload = JSON.parse(text) as Record<string, unknown>;
    expect(payload).toEqual({
      kind: 'message',
      title: 'Backpack',
      body: 'You have a new message.',
      path: '/messages',
    });
    // Nothing of the record: no id, no device key, no number beyond the fixed text.
    expect(text).not.toContain(rec.recordId);
    for (const d of [phone, laptop]) expect(text).not.toContain(toHex(d.publicKey).slice(0, 8));
    expect(text).not.toMatch(/\d/);
    // Every payload is padded to the same size: the push service cannot tell the kinds apart.
    const checkIn = await subscribe(laptop, newBrowser(), '/push/laptop', { checkInMinute: 0 });
    expect(checkIn.status).toBe(200);
    clock = nextDailyAt(0, clock);
    await server.push.tick();
    expect(received).toHaveLength(2);
    expect(received[1]!.body.length).toBe(req.body.length);
    // The logs name neither the endpoint nor the payload.
    const all = logs.join('\n');
    expect(all).not.toContain('/push/phone');
    expect(all).not.toContain('new message.');
  });

  it('a disabled reminder sends nothing', async () => {
    const browser = newBrowser();
    const due = clock + 60 * 60_000;
    expect(
      (
        await subscribe(phone, browser, '/push/only-check-in', {
          kinds: ['check-in'],
          checkInMinute: 23 * 60 + 59,
          questionnairesDueAt: [due],
        })
      ).status,
    ).toBe(200);
    // Messages are off on this device, questionnaires too (the due time is dropped).
    expect(await server.push.messageArrived(rec.recordId, MESSAGES, laptop.publicKey)).toBe(0);
    clock = due + 1;
    expect(await server.push.tick()).toBe(0);
    expect(received).toHaveLength(0);
    // Removed at the relay: nothing either, at the check-in minute or for a message.
    expect((await unsubscribe(phone)).status).toBe(200);
    clock = nextDailyAt(23 * 60 + 59, clock);
    expect(await server.push.tick()).toBe(0);
    expect(await server.push.messageArrived(rec.recordId, MESSAGES, laptop.publicKey)).toBe(0);
    expect(received).toHaveLength(0);
  });

  it('never pushes to the author, nor for another compartment, and coalesces within a minute', async () => {
    await subscribe(phone, newBrowser(), '/push/phone');
    await subscribe(laptop, newBrowser(), '/push/laptop');
    expect(await server.push.messageArrived(rec.recordId, MESSAGES, phone.publicKey)).toBe(1);
    expect(received.map((x) => x.path)).toEqual(['/push/laptop']);
    expect(await server.push.messageArrived(rec.recordId, CLINICAL, physio.publicKey)).toBe(0);
    clock += 30_000;
    expect(await server.push.messageArrived(rec.recordId, MESSAGES, physio.publicKey)).toBe(1);
    expect(received.map((x) => x.path)).toEqual(['/push/laptop', '/push/phone']);
    clock += 31_000;
    expect(await server.push.messageArrived(rec.recordId, MESSAGES, physio.publicKey)).toBe(1);
    expect(received).toHaveLength(3);
  });

  it('sends the daily check-in once a day at its minute, and a due questionnaire once', async () => {
    const browser = newBrowser();
    const minute = 9 * 60 + 30;
    const at = nextDailyAt(minute, clock);
    const due = at + 5 * 60_000;
    await subscribe(phone, browser, '/push/phone', {
      kinds: ['check-in', 'questionnaire'],
      checkInMinute: minute,
      questionnairesDueAt: [due],
    });
    clock = at - 1;
    expect(await server.push.tick()).toBe(0);
    clock = at + 10_000;
    expect(await server.push.tick()).toBe(1);
    expect(await server.push.tick()).toBe(0); // once
    // Re-registering the same minute neither repeats nor skips the day.
    await subscribe(phone, browser, '/push/phone', {
      kinds: ['check-in', 'questionnaire'],
      checkInMinute: minute,
      questionnairesDueAt: [due],
    });
    expect(await server.push.tick()).toBe(0);
    clock = due;
    expect(await server.push.tick()).toBe(1);
    expect(await server.push.tick()).toBe(0);
    clock = at + DAY_MS;
    expect(await server.push.tick()).toBe(1);
    const kinds = received.map(
      (x) =>
        JSON.parse(decrypt(x.body, browser.ecdh.getPrivateKey(), browser.auth).toString()) as {
          kind: string;
          path: string;
        },
    );
    expect(kinds).toEqual([
      {
        kind: 'check-in',
        title: 'Backpack',
        body: 'Time for your daily check-in.',
        path: '/check-in',
      },
      {
        kind: 'questionnaire',
        title: 'Backpack',
        body: 'A questionnaire is due.',
        path: '/questionnaires',
      },
      {
        kind: 'check-in',
        title: 'Backpack',
        body: 'Time for your daily check-in.',
        path: '/check-in',
      },
    ]);
  });

  it('keeps the check-in at the local time across a daylight-saving change (19:00 in Copenhagen)', async () => {
    const browser = newBrowser();
    const before = received.length;
    const saved = clock;
    // The app at 19:00 CET sends 18:00 UTC and its local time; on 28 March 2027 the clocks go
    // forward, and 19:00 is 17:00 UTC from then on.
    clock = Date.parse('2027-03-27T12:00:00Z');
    await subscribe(phone, browser, '/push/phone', {
      kinds: ['check-in'],
      checkInMinute: 18 * 60,
      checkInLocal: { minute: 19 * 60, zone: 'Europe/Copenhagen' },
    });
    const sub = await server.store.getPushSubscription(rec.recordId, phone.publicKey);
    expect(sub?.checkInLocal).toEqual({ minute: 19 * 60, zone: 'Europe/Copenhagen' });
    expect(new Date(sub!.checkInAt!).toISOString()).toBe('2027-03-27T18:00:00.000Z');
    clock = Date.parse('2027-03-27T18:00:10Z');
    expect(await server.push.tick()).toBe(1);
    const next = await server.store.getPushSubscription(rec.recordId, phone.publicKey);
    expect(new Date(next!.checkInAt!).toISOString()).toBe('2027-03-28T17:00:00.000Z');
    clock = Date.parse('2027-03-28T16:59:59Z');
    expect(await server.push.tick()).toBe(0);
    clock = Date.parse('2027-03-28T17:00:05Z');
    expect(await server.push.tick()).toBe(1);
    expect(received.length - before).toBe(2);
    // Registering again with the same local time keeps the pending day.
    await subscribe(phone, browser, '/push/phone', {
      kinds: ['check-in'],
      checkInMinute: 17 * 60,
      checkInLocal: { minute: 19 * 60, zone: 'Europe/Copenhagen' },
    });
    expect((await server.store.getPushSubscription(rec.recordId, phone.publicKey))?.checkInAt).toBe(
      Date.parse('2027-03-29T17:00:00Z'),
    );
    await unsubscribe(phone);
    clock = saved;
  });

  it('deletes a subscription whose endpoint answers 410', async () => {
    gonePaths.add('/push/gone');
    await subscribe(phone, newBrowser(), '/push/gone');
    expect(await server.push.messageArrived(rec.recordId, MESSAGES, laptop.publicKey)).toBe(0);
    expect(received).toHaveLength(1);
    expect(await server.store.getPushSubscription(rec.recordId, phone.publicKey)).toBeNull();
    clock += 2 * 60_000;
    expect(await server.push.messageArrived(rec.recordId, MESSAGES, laptop.publicKey)).toBe(0);
    expect(received).toHaveLength(1);
  });

  it('registers only with a proof of this request, and refuses malformed subscriptions', async () => {
    const browser = newBrowser();
    const noProof = await fetch(`${server.url}${path}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(noProof.status).toBe(401);
    // A proof made for another body.
    const body = new TextEncoder().encode('{"endpoint":"x"}');
    const wrong = await fetch(`${server.url}${path}`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        'x-backpack-proof': proofFor(phone, 'PUT', new TextEncoder().encode('{}')),
      },
      body,
    });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: string }).error).toBe('wrong-request');
    const bads: Array<[Record<string, unknown>, RegExp]> = [
      [{ kinds: [] }, /at least one/],
      [{ kinds: ['check-in', 'check-in'] }, /each once/],
      [{ kinds: ['weather'] }, /kinds/],
      [{ checkInMinute: 1440 }, /0–1439/],
      [{ checkInMinute: null }, /needs checkInMinute/],
      [{ checkInLocal: { minute: 1440, zone: 'Europe/Oslo' } }, /local midnight/],
      [{ checkInLocal: { minute: 60, zone: 'Mars/Olympus' } }, /time zone name/],
      [{ checkInLocal: { minute: 60, zone: 42 } }, /time zone name/],
      [{ checkInLocal: { minute: 60, zone: 'Europe/Oslo', city: 'Oslo' } }, /unknown field/],
      [{ questionnairesDueAt: [clock + 500 * DAY_MS] }, /400 days/],
      [{ endpoint: 'http://push.example/x' }, /https/],
      [{ endpoint: 'https://10.0.0.1/x' }, /domain name/],
      [
        {
          keys: {
            p256dh: Buffer.alloc(65, 4).toString('base64url'),
            auth: browser.auth.toString('base64url'),
          },
        },
        /P-256/,
      ],
      [{ keys: { p256dh: browser.p256dh.toString('base64url'), auth: 'AAAA' } }, /16 bytes/],
      [{ extra: 1 }, /unknown field/],
    ];
    for (const [change, message] of bads) {
      const b = new TextEncoder().encode(
        JSON.stringify({
          endpoint: `${pushOrigin}/push/x`,
          keys: {
            p256dh: browser.p256dh.toString('base64url'),
            auth: browser.auth.toString('base64url'),
          },
          kinds: ['check-in'],
          checkInMinute: 60,
          questionnairesDueAt: [],
          ...change,
        }),
      );
      const r = await fetch(`${server.url}${path}`, {
        method: 'PUT',
        headers: {
          'content-type': 'application/json',
          'x-backpack-proof': proofFor(phone, 'PUT', b),
        },
        body: b,
      });
      expect(r.status, JSON.stringify(change)).toBe(400);
      expect(((await r.json()) as { message: string }).message).toMatch(message);
    }
    expect(await server.store.getPushSubscription(rec.recordId, phone.publicKey)).toBeNull();
  });

  it('accepts only https push services by name, loopback http only when configured', () => {
    expect(() => checkEndpoint('https://fcm.googleapis.com/fcm/send/abc', false)).not.toThrow();
    expect(() => checkEndpoint('http://127.0.0.1:9/x', false)).toThrow(/https/);
    expect(() => checkEndpoint('http://127.0.0.1:9/x', true)).not.toThrow();
    expect(() => checkEndpoint('http://push.example/x', true)).toThrow(/https/);
    for (const bad of [
      'https://localhost/x',
      'https://[::1]/x',
      'https://intranet/x',
      'https://u:p@push.example/x',
    ]) {
      expect(() => checkEndpoint(bad, true), bad).toThrow();
    }
    expect(() => parseRegistration(new TextEncoder().encode('not json'), 0, false)).toThrow(/JSON/);
  });
  // Last: it revokes the physiotherapist for the rest of the file.
  it('a device whose grant ended gets nothing and loses its subscription', async () => {
    await subscribe(physio, newBrowser(), '/push/physio', { checkInMinute: 0 });
    await putManifest(everyone().slice(0, 2), 1); // a revocation rotates the keys
    expect(await server.push.messageArrived(rec.recordId, MESSAGES, phone.publicKey)).toBe(0);
    clock = nextDailyAt(0, clock);
    expect(await server.push.tick()).toBe(0);
    expect(received).toHaveLength(0);
    expect(await server.store.getPushSubscription(rec.recordId, physio.publicKey)).toBeNull();
    // And it cannot register again.
    const again = await subscribe(physio, newBrowser(), '/push/physio');
    expect(again.status).toBe(403);
  });
});
