import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthError,
  ManifestAuthorizer,
  ManifestRegistry,
  NonceCache,
  TestAuthorizer,
  verifyOwnerProof,
} from './auth';
import { SqliteStore } from './sqlite-store';
import { CLOCK_SKEW_MS, requestBinding } from '../../src/lib/core/sync/protocol';
import { keyPair, newRecord, proof as makeProof, signedManifest, token } from './testing';

const ORIGIN = 'https://relay.example';
const origins = () => [ORIGIN];

const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});
function registry(): ManifestRegistry {
  const s = new SqliteStore(mkdtempSync(join(tmpdir(), 'backpack-auth-')));
  stores.push(s);
  return new ManifestRegistry(s);
}

const owner = keyPair();
const viewer = keyPair();
const pro = keyPair();

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AuthError) return e.code;
    throw e;
  }
  throw new Error('accepted');
}

describe('ManifestRegistry', () => {
  it('accepts a root-signed manifest of the record and tells listeners', async () => {
    const reg = registry();
    const rec = newRecord();
    const seen: number[] = [];
    reg.onChange((m) => seen.push(m.version));
    const { bytes } = signedManifest(rec, 1, [{ key: owner, role: 'owner', docs: ['clinical'] }]);
    expect(await reg.put(rec.recordId, bytes)).toMatchObject({ ok: true });
    expect((await reg.get(rec.recordId))?.version).toBe(1);
    expect(await reg.getBytes(rec.recordId)).toEqual(bytes);
    expect(seen).toEqual([1]);
  });

  it('refuses garbage, wrong signers, other records and old versions, changing nothing', async () => {
    const reg = registry();
    const rec = newRecord();
    const other = newRecord();
    const grants = [{ key: owner, role: 'owner' as const, docs: ['clinical'] }];
    expect(await reg.put(rec.recordId, new Uint8Array([1, 2, 3]))).toMatchObject({
      ok: false,
      status: 400,
    });
    const forged = signedManifest(rec, 1, grants, { signer: keyPair() }).bytes;
    expect(await reg.put(rec.recordId, forged)).toMatchObject({
      status: 400,
      error: 'bad-signature',
    });
    const otherBytes = signedManifest(other, 1, grants).bytes;
    expect(await reg.put(rec.recordId, otherBytes)).toMatchObject({
      status: 400,
      error: 'wrong-record',
    });
    const claimed = signedManifest(rec, 1, grants, { recordId: other.recordId }).bytes;
    expect(await reg.put(other.recordId, claimed)).toMatchObject({
      status: 400,
      error: 'wrong-record',
    });
    expect(await reg.get(rec.recordId)).toBeNull();
    expect(await reg.put(rec.recordId, signedManifest(rec, 5, grants).bytes)).toMatchObject({
      ok: true,
    });
    expect(await reg.put(rec.recordId, signedManifest(rec, 5, grants).bytes)).toMatchObject({
      status: 409,
      error: 'stale-version',
    });
    expect(await reg.put(rec.recordId, signedManifest(rec, 4, grants).bytes)).toMatchObject({
      status: 409,
    });
    expect((await reg.get(rec.recordId))?.version).toBe(5);
  });
});

describe('ManifestRegistry and delegates', () => {
  const sister = keyPair();
  const grants = (certified: boolean) => [
    { key: owner, role: 'owner' as const, docs: ['clinical'] },
    { key: sister, role: 'delegate' as const, docs: ['clinical'], certified },
  ];

  it('accepts a certified delegate’s change of the professionals', async () => {
    const reg = registry();
    const rec = newRecord();
    expect(await reg.put(rec.recordId, signedManifest(rec, 1, grants(true)).bytes)).toMatchObject({
      ok: true,
    });
    const next = signedManifest(
      rec,
      2,
      [...grants(true), { key: pro, role: 'professional', docs: ['clinical'] }],
      { signer: sister },
    );
    expect(await reg.put(rec.recordId, next.bytes)).toMatchObject({ ok: true });
    expect((await reg.get(rec.recordId))?.version).toBe(2);
  });

  it('refuses a delegate without a certificate, and one that touches the owner devices', async () => {
    const reg = registry();
    const rec = newRecord();
    await reg.put(rec.recordId, signedManifest(rec, 1, grants(false)).bytes);
    const uncertified = signedManifest(
      rec,
      2,
      [...grants(false), { key: pro, role: 'professional', docs: ['clinical'] }],
      { signer: sister },
    );
    expect(await reg.put(rec.recordId, uncertified.bytes)).toMatchObject({
      ok: false,
      status: 400,
      error: 'bad-signature',
    });
    // Certified by the root in v2, the delegate still cannot remove the patient's device.
    await reg.put(rec.recordId, signedManifest(rec, 2, grants(true)).bytes);
    const coup = signedManifest(rec, 3, [grants(true)[1]!], { signer: sister });
    expect(await reg.put(rec.recordId, coup.bytes)).toMatchObject({
      ok: false,
      status: 403,
      error: 'not-permitted',
    });
    expect((await reg.get(rec.recordId))?.version).toBe(2);
  });

  it('refuses a removed delegate who signs itself back in', async () => {
    const reg = registry();
    const rec = newRecord();
    await reg.put(rec.recordId, signedManifest(rec, 1, grants(true)).bytes);
    const removed = signedManifest(rec, 2, [grants(true)[0]!], { epoch: 1 });
    expect(await reg.put(rec.recordId, removed.bytes)).toMatchObject({ ok: true });
    const comeback = signedManifest(rec, 3, grants(true), { signer: sister, epoch: 1 });
    expect(await reg.put(rec.recordId, comeback.bytes)).toMatchObject({
      status: 403,
      error: 'not-permitted',
    });
  });
});

describe('ManifestAuthorizer', () => {
  async function setup(now = () => Date.now()) {
    const reg = registry();
    const rec = newRecord();
    await reg.put(
      rec.recordId,
      signedManifest(rec, 1, [
        { key: owner, role: 'owner', docs: ['clinical', 'journal'] },
        { key: viewer, role: 'viewer', docs: ['clinical'] },
        { key: pro, role: 'professional', docs: ['clinical'], notAfter: Date.now() + 60_000 },
      ]).bytes,
    );
    return {
      reg,
      rec,
      auth: new ManifestAuthorizer(reg, { origins, nonces: new NonceCache(), now }),
    };
  }

  it('grants what the manifest lists; viewers read only', async () => {
    const { rec, auth } = await setup();
    const name = `${rec.recordId}:clinical`;
    await expect(
      auth.authenticate(token(owner, rec.recordId, 'clinical', { origin: ORIGIN }), name),
    ).resolves.toMatchObject({
      role: 'owner',
      readOnly: false,
      notAfter: null,
    });
    await expect(
      auth.authenticate(token(viewer, rec.recordId, 'clinical', { origin: ORIGIN }), name),
    ).resolves.toMatchObject({
      role: 'viewer',
      readOnly: true,
    });
    const p = await auth.authenticate(
      token(pro, rec.recordId, 'clinical', { origin: ORIGIN }),
      name,
    );
    expect(p.notAfter).toBeGreaterThan(Date.now());
    expect(auth.isWriter(rec.recordId, 'clinical', pro.publicKey)).toBe(true);
    expect(auth.isWriter(rec.recordId, 'clinical', viewer.publicKey)).toBe(false);
    expect(auth.isWriter(rec.recordId, 'journal', pro.publicKey)).toBe(false);
  });

  it('refuses bad, foreign, expired, replayed or ungranted tokens', async () => {
    const { rec, auth } = await setup();
    const name = `${rec.recordId}:clinical`;
    expect(await refusal(auth.authenticate('garbage!', name))).toBe('bad-token');
    expect(
      await refusal(
        auth.authenticate(token(owner, rec.recordId, 'clinical', { origin: ORIGIN }), 'bad name'),
      ),
    ).toBe('bad-document-name');
    expect(
      await refusal(
        auth.authenticate(token(owner, rec.recordId, 'journal', { origin: ORIGIN }), name),
      ),
    ).toBe('wrong-document');
    const old = token(owner, rec.recordId, 'clinical', {
      origin: ORIGIN,
      now: Date.now() - 10 * 60_000,
    });
    expect(await refusal(auth.authenticate(old, name))).toBe('expired');
    const long = token(owner, rec.recordId, 'clinical', {
      origin: ORIGIN,
      lifetimeMs: 60 * 60_000,
    });
    expect(await refusal(auth.authenticate(long, name))).toBe('lifetime-too-long');
    expect(
      await refusal(
        auth.authenticate(
          token(pro, rec.recordId, 'journal', { origin: ORIGIN }),
          `${rec.recordId}:journal`,
        ),
      ),
    ).toBe('no-grant');
    expect(
      await refusal(
        auth.authenticate(token(keyPair(), rec.recordId, 'clinical', { origin: ORIGIN }), name),
      ),
    ).toBe('no-grant');
    const other = newRecord();
    expect(
      await refusal(
        auth.authenticate(
          token(owner, other.recordId, 'clinical', { origin: ORIGIN }),
          `${other.recordId}:clinical`,
        ),
      ),
    ).toBe('no-manifest');
    const once = token(owner, rec.recordId, 'clinical', { origin: ORIGIN });
    await auth.authenticate(once, name);
    expect(await refusal(auth.authenticate(once, name))).toBe('replayed');
  });

  it('rechecks grants against the newest manifest and the clock', async () => {
    let now = Date.now();
    const { reg, rec, auth } = await setup(() => now);
    const name = `${rec.recordId}:clinical`;
    const p = await auth.authenticate(
      token(pro, rec.recordId, 'clinical', { origin: ORIGIN, now }),
      name,
    );
    const v = await auth.authenticate(
      token(viewer, rec.recordId, 'clinical', { origin: ORIGIN, now }),
      name,
    );
    expect(auth.recheck(p)).toBe(p);
    now += 61_000;
    expect(auth.recheck(p)).toBeNull();
    await reg.put(
      rec.recordId,
      // Taking the viewer's access away moves the compartment to a new key (epoch 1).
      signedManifest(rec, 2, [{ key: owner, role: 'owner', docs: ['clinical', 'journal'] }], {
        epoch: 1,
      }).bytes,
    );
    expect(auth.recheck(v)).toBeNull();
  });

  it('checks ownership proofs: owner, this relay, this request, once', async () => {
    const { reg, rec } = await setup();
    const nonces = new NonceCache();
    const code = async (f: () => Promise<unknown>) => {
      try {
        await f();
        return 'ok';
      } catch (e) {
        return e instanceof AuthError ? e.code : 'other';
      }
    };
    const now = Date.now();
    const path = `/api/records/${rec.recordId}/recovery`;
    const blob = new Uint8Array([1, 2, 3]);
    const expect_ = (method: string, p: string, body = new Uint8Array(0)) => ({
      origins: [ORIGIN],
      request: requestBinding(method, p, body),
    });
    const put = expect_('PUT', path, blob);
    const check = (proof: string | undefined, e = put, id = rec.recordId) =>
      code(() => verifyOwnerProof(reg, nonces, id, proof, now, e));
    const proof = makeProof(owner, ORIGIN, rec.recordId, 'PUT', path, { body: blob });
    expect(await check(proof)).toBe('ok');
    expect(await check(proof)).toBe('replayed');
    expect(await check(undefined)).toBe('no-proof');
    expect(await check(makeProof(pro, ORIGIN, rec.recordId, 'PUT', path, { body: blob }))).toBe(
      'not-owner',
    );
    expect(await check(token(owner, rec.recordId, 'clinical', { origin: ORIGIN }))).toBe(
      'wrong-document',
    );
    // Bound to the request: another body, method or path, or no binding at all, is refused.
    const other = makeProof(owner, ORIGIN, rec.recordId, 'PUT', path, { body: new Uint8Array(3) });
    expect(await check(other)).toBe('wrong-request');
    const seen = `/api/records/${rec.recordId}/seen`;
    const forSeen = makeProof(owner, ORIGIN, rec.recordId, 'GET', seen);
    expect(await check(forSeen)).toBe('wrong-request');
    expect(await check(forSeen, expect_('GET', seen))).toBe('ok');
    expect(await check(token(owner, rec.recordId, 'recovery', { origin: ORIGIN }))).toBe(
      'wrong-request',
    );
    // Bound to this relay.
    const elsewhere = makeProof(owner, 'https://other.example', rec.recordId, 'PUT', path, {
      body: blob,
    });
    expect(await check(elsewhere)).toBe('wrong-relay');
    const unknown = newRecord().recordId;
    const unknownPath = `/api/records/${unknown}/recovery`;
    expect(
      await check(
        makeProof(owner, ORIGIN, unknown, 'GET', unknownPath),
        expect_('GET', unknownPath),
        unknown,
      ),
    ).toBe('no-manifest');
  });

  it('refuses a token for another relay, and an HTTP proof as a connection token', async () => {
    const { rec, auth } = await setup();
    const name = `${rec.recordId}:clinical`;
    const elsewhere = token(owner, rec.recordId, 'clinical', { origin: 'http://127.0.0.1:9999' });
    expect(await refusal(auth.authenticate(elsewhere, name))).toBe('wrong-relay');
    const asProof = token(owner, rec.recordId, 'clinical', {
      origin: ORIGIN,
      request: { method: 'GET', path: '/api/records/x/seen' },
    });
    expect(await refusal(auth.authenticate(asProof, name))).toBe('wrong-request');
  });

  it('refuses a token replayed just after exp, within the clock skew', async () => {
    let now = Date.now();
    const { rec, auth } = await setup(() => now);
    const name = `${rec.recordId}:clinical`;
    const t = token(owner, rec.recordId, 'clinical', { origin: ORIGIN, now, lifetimeMs: 60_000 });
    await expect(auth.authenticate(t, name)).resolves.toMatchObject({ role: 'owner' });
    // Just after exp the relay still accepts the token's times (skew), so only the nonce stops it.
    now += 60_000 + 1_000;
    expect(await refusal(auth.authenticate(t, name))).toBe('replayed');
    now += CLOCK_SKEW_MS - 2_000;
    expect(await refusal(auth.authenticate(t, name))).toBe('replayed');
    now += 2_000;
    expect(await refusal(auth.authenticate(t, name))).toBe('expired');
    // The record stays usable: a fresh token of the same device is accepted.
    const fresh = token(owner, rec.recordId, 'clinical', { origin: ORIGIN, now });
    await expect(auth.authenticate(fresh, name)).resolves.toMatchObject({ role: 'owner' });
  });
});

describe('TestAuthorizer', () => {
  it('grants registered tokens and forgets revoked ones', async () => {
    const a = new TestAuthorizer();
    a.allow('t1', 'rec:doc', owner.publicKey, 'viewer');
    const g = await a.authenticate('t1', 'rec:doc');
    expect(g).toMatchObject({ role: 'viewer', readOnly: true });
    expect(await refusal(a.authenticate('t1', 'rec:other'))).toBe('no-grant');
    expect(a.recheck(g)).toEqual(g);
    a.revoke('t1');
    expect(a.recheck(g)).toBeNull();
  });
});

describe('NonceCache', () => {
  const dev = (b: number) => new Uint8Array(32).fill(b);
  const n = (b: number) => new Uint8Array([b >> 8, b & 255]);

  it('remembers nonces until they may no longer be used', async () => {
    const c = new NonceCache(100, 10);
    expect(c.use('rec', dev(1), n(1), 100, 0)).toBeNull();
    expect(c.use('rec', dev(1), n(1), 100, 50)).toBe('replayed');
    expect(c.use('rec', dev(1), n(1), 200, 100)).toBeNull();
    // Nonces are per grantee: another device's equal nonce is its own, and so is this device's
    // in another record.
    expect(c.use('rec', dev(2), n(1), 200, 100)).toBeNull();
    expect(c.use('other', dev(1), n(1), 200, 150)).toBeNull();
  });

  it('a device flooding tokens is refused itself and never refuses another device', async () => {
    const c = new NonceCache(1000, 50);
    for (let i = 0; i < 50; i++) expect(c.use('rec', dev(1), n(i), 10_000, 0)).toBeNull();
    expect(c.use('rec', dev(1), n(999), 10_000, 1)).toBe('device-busy');
    expect(c.size).toBe(50);
    // Another device is untouched, and so is the same device in another record; the flooder's
    // own nonces are all still remembered.
    expect(c.use('rec', dev(2), n(0), 10_000, 1)).toBeNull();
    expect(c.use('other', dev(1), n(999), 10_000, 1)).toBeNull();
    for (let i = 0; i < 50; i++) expect(c.use('rec', dev(1), n(i), 10_000, 2)).toBe('replayed');
    // Once its tokens expire, the device is served again.
    expect(c.use('rec', dev(1), n(999), 20_000, 10_000)).toBeNull();
  });

  it('forgets nonces once their token can no longer be accepted', async () => {
    const c = new NonceCache(1000, 100);
    for (let i = 0; i < 100; i++) expect(c.use('rec', dev(1), n(i), 1_000 + i, 0)).toBeNull();
    expect(c.size).toBe(100);
    expect(c.use('rec', dev(2), n(0), 5_000, 1_050)).toBeNull();
    expect(c.size).toBe(50);
    expect(c.use('rec', dev(2), n(1), 5_000, 2_000)).toBeNull();
    expect(c.size).toBe(2);
  });

  it('when full, drops the oldest nonce of the largest share, not a small one', async () => {
    const c = new NonceCache(100, 60);
    for (let d = 1; d <= 40; d++) expect(c.use('rec', dev(d), n(0), 10_000, 0)).toBeNull();
    for (let i = 1; i <= 60; i++) expect(c.use('rec', dev(99), n(i), 10_000, 0)).toBeNull();
    expect(c.size).toBe(100);
    expect(c.use('rec', dev(41), n(0), 10_000, 1)).toBeNull();
    expect(c.size).toBe(100);
    for (let d = 1; d <= 41; d++) expect(c.use('rec', dev(d), n(0), 10_000, 2)).toBe('replayed');
    expect(c.use('rec', dev(99), n(2), 10_000, 2)).toBe('replayed');
  });
});
