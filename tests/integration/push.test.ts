import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../sync-server/src/config';
import { createLogger } from '../../sync-server/src/log';
import { testStoreArgs } from '../../sync-server/src/pg-testing';
import { decrypt, newBrowser } from '../../sync-server/src/push/push-testing';
import { startServer, type RunningServer } from '../../sync-server/src/server';
import { envelope, keyPair, newRecord, signedManifest, token } from '../../sync-server/src/testing';
import { connect, waitUntil } from './relay-client';

/**
 * Web Push through the real relay (issue 14 item 5, THREAT_MODEL rule 35): a message envelope
 * written over the WebSocket makes the relay push "new message" to the other subscribed device,
 * encrypted to its keys, with nothing of the envelope in it; the writing device gets nothing.
 */

const MARKER = 'HEALTH-MARKER-sciatica-left-leg-pain-8-of-10';

let push: Server;
let pushOrigin = '';
const received: Array<{ path: string; body: Buffer }> = [];
let relay: RunningServer;
const logs: string[] = [];

const rec = newRecord();
const phone = keyPair();
const physio = keyPair();
const MESSAGES = 'messages-doc';

beforeAll(async () => {
  push = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '/', body: Buffer.concat(chunks) });
      res.writeHead(201).end();
    });
  });
  await new Promise<void>((r) => push.listen(0, '127.0.0.1', r));
  pushOrigin = `http://127.0.0.1:${(push.address() as AddressInfo).port}`;
  relay = await startServer(
    parseConfig(
      [
        '--port',
        '0',
        '--data',
        mkdtempSync(join(tmpdir(), 'backpack-push-it-')),
        '--push-allow-loopback',
        ...(await testStoreArgs()),
      ],
      {},
    ),
    createLogger((l) => logs.push(l)),
    { pushTickMs: 0 },
  );
  const { bytes } = signedManifest(
    rec,
    1,
    [
      { key: phone, role: 'owner', docs: [MESSAGES] },
      { key: physio, role: 'professional', docs: [MESSAGES] },
    ],
    { names: { [MESSAGES]: 'messages' } },
  );
  const r = await fetch(`${relay.url}/api/records/${rec.recordId}/manifest`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
  expect(r.status).toBe(200);
}, 60_000);

afterAll(async () => {
  await relay?.close();
  await new Promise((r) => push?.close(r));
});

async function subscribe(device: ReturnType<typeof keyPair>, path: string) {
  const browser = newBrowser();
  const body = new TextEncoder().encode(
    JSON.stringify({
      endpoint: `${pushOrigin}${path}`,
      keys: {
        p256dh: browser.p256dh.toString('base64url'),
        auth: browser.auth.toString('base64url'),
      },
      kinds: ['message'],
      checkInMinute: null,
      questionnairesDueAt: [],
    }),
  );
  const apiPath = `/api/records/${rec.recordId}/push`;
  const r = await fetch(`${relay.url}${apiPath}`, {
    method: 'PUT',
    headers: {
      'content-type': 'application/json',
      'x-backpack-proof': token(device, rec.recordId, MESSAGES, {
        origin: relay.url,
        request: { method: 'PUT', path: apiPath, body },
      }),
    },
    body,
  });
  expect(r.status).toBe(200);
  return browser;
}

describe('Web Push through the relay', () => {
  it('a message written over the WebSocket reaches the other device as a generic push', async () => {
    const phoneBrowser = await subscribe(phone, '/push/phone');
    await subscribe(physio, '/push/physio');
    const client = connect(relay.url, rec.recordId, MESSAGES, physio);
    try {
      await waitUntil(() => client.provider.isSynced);
      client.envelopes.push([envelope(physio, MESSAGES, 1, new TextEncoder().encode(MARKER))]);
      await client.acknowledged();
      await waitUntil(() => received.length >= 1);
      await relay.push.idle();
      // Only the phone: the physiotherapist wrote it.
      expect(received.map((x) => x.path)).toEqual(['/push/phone']);
      const text = decrypt(
        received[0]!.body,
        phoneBrowser.ecdh.getPrivateKey(),
        phoneBrowser.auth,
      ).toString('utf8');
      expect(JSON.parse(text)).toEqual({
        kind: 'message',
        title: 'Backpack',
        body: 'You have a new message.',
        path: '/messages',
      });
      expect(text).not.toContain(MARKER);
      expect(text).not.toContain(rec.recordId);
      expect(received[0]!.body.includes(Buffer.from(MARKER))).toBe(false);
      expect(logs.join('\n')).not.toContain('/push/phone');
    } finally {
      client.destroy();
    }
  });
});
