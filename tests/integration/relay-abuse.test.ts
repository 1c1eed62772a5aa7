import 'fake-indexeddb/auto';
import { Agent, request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordSession, completeLink, startLink } from '../../src/lib/app/record-session';
import { Workspace } from '../../src/lib/app/workspace';
import type { Profile } from '../../src/lib/core/sharing/index';
import { parseConfig } from '../../sync-server/src/config';
import { testStoreArgs } from '../../sync-server/src/pg-testing';
import { createLogger } from '../../sync-server/src/log';
import { startServer, type RunningServer } from '../../sync-server/src/server';
import { envelope, keyPair, newRecord, signedManifest, token } from '../../sync-server/src/testing';
import { deviceOpts, PASS, waitFor } from './helpers';
import { RawClient, connect, waitUntil, waitUntilAsync } from './relay-client';

/**
 * Attacks on the relay's availability and its single-use tokens, through the real relay over
 * loopback: each is refused and reported, and the patient's record stays intact and usable.
 */

const physio: Profile = {
  kind: 'professional',
  name: 'Ana Jensen',
  profession: 'Physiotherapist',
  organisation: 'Fysio Nord',
  sector: 'physiotherapy',
};

async function relayWith(args: string[] = []) {
  const logs: string[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'backpack-abuse-'));
  const relay = await startServer(
    parseConfig(['--port', '0', '--data', dataDir, ...(await testStoreArgs()), ...args], {}),
    createLogger((l) => logs.push(l)),
  );
  return { relay, logs };
}

const metric = async (relay: RunningServer, name: string) => {
  const text = await (await fetch(`${relay.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
};

/**
 * `count` mailbox PUTs from the loopback address `from` (the client socket is bound to it), at
 * most `parallel` at a time; the answers' status codes and error codes.
 */
async function flood(
  relay: RunningServer,
  from: string,
  count: number,
  parallel = 16,
): Promise<{ statuses: Map<number, number>; codes: Map<string, number> }> {
  const agent = new Agent({ keepAlive: true, maxSockets: parallel, localAddress: from });
  const statuses = new Map<number, number>();
  const codes = new Map<string, number>();
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: relay.port,
          method: 'PUT',
          path: `/api/mailbox/flood-${from.replace(/\./g, '-')}-${i}`,
          agent,
          headers: { 'content-type': 'application/octet-stream' },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString('utf8')));
          res.on('end', () => {
            statuses.set(res.statusCode!, (statuses.get(res.statusCode!) ?? 0) + 1);
            const code = (JSON.parse(body) as { error?: string }).error ?? 'ok';
            codes.set(code, (codes.get(code) ?? 0) + 1);
            resolve();
          });
        },
      );
      req.on('error', reject);
      req.end(Buffer.alloc(200, 7));
    });
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await one(next++);
    }),
  );
  agent.destroy();
  return { statuses, codes };
}

describe('a token replayed just after exp', () => {
  let relay: RunningServer;
  let logs: string[];
  beforeAll(async () => {
    ({ relay, logs } = await relayWith());
  });
  afterAll(async () => {
    await relay.close();
  });

  it('is refused as replayed (the nonce outlives exp by the clock skew) and reported; the record syncs on', async () => {
    const rec = newRecord();
    const owner = keyPair();
    const { bytes } = signedManifest(rec, 1, [{ key: owner, role: 'owner', docs: ['clinical'] }]);
    const put = await fetch(`${relay.url}/api/records/${rec.recordId}/manifest`, {
      method: 'PUT',
      body: Buffer.from(bytes),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(put.status).toBe(200);
    const name = `${rec.recordId}:clinical`;

    // The device connects with a short-lived token, which someone on the path captures.
    const captured = token(owner, rec.recordId, 'clinical', {
      origin: relay.url,
      lifetimeMs: 1_000,
    });
    const device = new RawClient(relay.url, name);
    await device.opened;
    device.authenticate(captured);
    await waitUntil(() => device.auth.length > 0);
    expect(device.auth).toEqual(['authenticated']);

    // Just after exp, still inside the relay's clock-skew allowance, it is played again.
    await new Promise((r) => setTimeout(r, 1_300));
    const attacker = new RawClient(relay.url, name);
    await attacker.opened;
    attacker.authenticate(captured);
    await waitUntil(() => attacker.auth.length > 0);
    expect(attacker.auth).toEqual(['denied:replayed']);
    attacker.close();
    device.close();

    // Reported: a warning with the code, and the refusal counter.
    expect(
      logs.some((l) => l.includes('"event":"auth-refused"') && l.includes('"code":"replayed"')),
    ).toBe(true);
    expect(await metric(relay, 'backpack_auth_refused_total')).toBeGreaterThanOrEqual(1);
    expect(logs.join('\n').includes(captured)).toBe(false);

    // The patient's device goes on: a fresh token connects and an envelope syncs to the relay.
    const c = connect(relay.url, rec.recordId, 'clinical', owner);
    await c.acknowledged();
    c.envelopes.push([envelope(owner, 'clinical', 1)]);
    await c.acknowledged();
    expect(c.denied).toEqual([]);
    c.destroy();
    await waitUntilAsync(async () => (await relay.store.loadDocument(name)) !== null);
  }, 30_000);
});

describe('a mailbox flood from one address', () => {
  let relay: RunningServer;
  let logs: string[];
  beforeAll(async () => {
    ({ relay, logs } = await relayWith());
  });
  afterAll(async () => {
    await relay.close();
  });

  it('spends only its own quota: invite answers, device links and contact notices from another address work', async () => {
    const perAddress = 50; // the default of --max-mailboxes-per-address
    const started = performance.now();
    const attack = await flood(relay, '127.0.0.2', 400);
    const ms = performance.now() - started;
    expect(attack.statuses.get(200)).toBe(perAddress);
    expect(attack.statuses.get(429)).toBe(400 - perAddress);
    expect(attack.codes.get('mailbox-quota')).toBe(400 - perAddress);
    expect(ms).toBeLessThan(20_000);
    // Reported: the refusal counter and a warning per refusal (no address in the logs).
    expect(await metric(relay, 'backpack_mailboxes_refused_total')).toBe(400 - perAddress);
    const warned = logs.filter(
      (l) => l.includes('"event":"mailbox-refused"') && l.includes('"code":"mailbox-quota"'),
    );
    expect(warned.length).toBe(400 - perAddress);
    expect(logs.some((l) => l.includes('127.0.0.2'))).toBe(false);
    // Still flooding: the same address stays refused.
    expect((await flood(relay, '127.0.0.2', 20)).codes.get('mailbox-quota')).toBe(20);

    // Meanwhile, from 127.0.0.1: the patient links a laptop through a mailbox…
    const { session: phone } = await RecordSession.create(
      PASS,
      relay.url,
      deviceOpts('-flood-phone'),
    );
    phone.write('pain-checkin', { scores: { back: 4 }, note: 'during the flood' });
    await phone.settled();
    const pending = startLink(relay.url);
    await phone.approveLink(pending.request);
    const laptop = await completeLink(pending, PASS, deviceOpts('-flood-laptop'));
    if (!laptop) throw new Error('link did not complete');
    const notes = (s: RecordSession) =>
      s.entries('clinical').map((e) => (e.data as { note?: string }).note ?? '');
    await waitFor(() => notes(laptop).includes('during the flood'));

    // …a professional answers the patient's invite…
    const proWs = await Workspace.create(physio, PASS, deviceOpts('-flood-pro'));
    const { invite, code } = phone.createInvite();
    expect((await proWs.acceptInvite(code)).waiting).toBe(true);
    const answer = await phone.takeInviteAnswer(invite);
    if (!answer) throw new Error('no invite answer');
    await phone.grant(answer, {
      role: 'professional',
      compartments: ['clinical'],
      notAfter: null,
      manage: false,
    });
    await waitFor(async () => (await proWs.poll()) > 0 || proWs.session(phone.recordId) !== null);
    const pro = proWs.session(phone.recordId)!;
    await waitFor(() => notes(pro).includes('during the flood'));

    // …and the patient shares with a GP through the GP's contact code (a contact notice).
    const gpWs = await Workspace.create(
      { ...physio, name: 'Dr. Lund' },
      PASS,
      deviceOpts('-flood-gp'),
    );
    const { card } = gpWs.contactCode(relay.url);
    await phone.grant(
      card,
      { role: 'professional', compartments: ['clinical'], notAfter: null, manage: false },
      card,
    );
    await waitFor(async () => (await gpWs.poll()) > 0);
    await waitFor(() => notes(gpWs.session(phone.recordId)!).includes('during the flood'));

    // The record is intact on every device.
    laptop.write('pain-checkin', { scores: { neck: 2 }, note: 'from the laptop' });
    await laptop.settled();
    await waitFor(() => notes(phone).includes('from the laptop'));
    expect(phone.syncState()).toEqual({ state: 'synced' });
    for (const w of [proWs, gpWs]) await w.close();
    await laptop.close();
    await phone.close();
  }, 90_000);

  it('the relay-wide cap is a last resort that one address cannot reach', async () => {
    const small = await relayWith(['--max-mailboxes', '100', '--max-mailboxes-per-address', '10']);
    try {
      for (let a = 2; a <= 11; a++) {
        expect((await flood(small.relay, `127.0.0.${a}`, 15, 4)).statuses.get(200)).toBe(10);
      }
      // Ten addresses filled it: the eleventh is told the relay is full, and it is reported.
      const late = await flood(small.relay, '127.0.0.12', 3, 1);
      expect(late.statuses.get(503)).toBe(3);
      expect(late.codes.get('mailboxes-full')).toBe(3);
      expect(await metric(small.relay, 'backpack_mailboxes_refused_total')).toBe(10 * 5 + 3);
      // Taking a box frees room for a new one.
      const took = await fetch(`${small.relay.url}/api/mailbox/flood-127-0-0-2-0`, {
        method: 'POST',
      });
      expect(took.status).toBe(200);
      expect((await flood(small.relay, '127.0.0.12', 1, 1)).statuses.get(200)).toBe(1);
    } finally {
      await small.relay.close();
    }
  }, 60_000);
});
