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
import { Store } from './store';
import { keyPair, newRecord, signedManifest, token } from './testing';

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});
function registry(): ManifestRegistry {
  const s = new Store(mkdtempSync(join(tmpdir(), 'backpack-auth-')));
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
  it('accepts a root-signed manifest of the record and tells listeners', () => {
    const reg = registry();
    const rec = newRecord();
    const seen: number[] = [];
    reg.onChange((m) => seen.push(m.version));
    const { bytes } = signedManifest(rec, 1, [{ key: owner, role: 'owner', docs: ['clinical'] }]);
    expect(reg.put(rec.recordId, bytes)).toMatchObject({ ok: true });
    expect(reg.get(rec.recordId)?.version).toBe(1);
    expect(reg.getBytes(rec.recordId)).toEqual(bytes);
    expect(seen).toEqual([1]);
  });

  it('refuses garbage, wrong signers, other records and old versions, changing nothing', () => {
    const reg = registry();
    const rec = newRecord();
    const other = newRecord();
    const grants = [{ key: owner, role: 'owner' as const, docs: ['clinical'] }];
    expect(reg.put(rec.recordId, new Uint8Array([1, 2, 3]))).toMatchObject({
      ok: false,
      status: 400,
    });
    const forged = signedManifest(rec, 1, grants, { signer: keyPair() }).bytes;
    expect(reg.put(rec.recordId, forged)).toMatchObject({ status: 400, error: 'bad-signature' });
    const otherBytes = signedManifest(other, 1, grants).bytes;
    expect(reg.put(rec.recordId, otherBytes)).toMatchObject({ status: 400, error: 'wrong-record' });
    const claimed = signedManifest(rec, 1, grants, { recordId: other.recordId }).bytes;
    expect(reg.put(other.recordId, claimed)).toMatchObject({ status: 400, error: 'wrong-record' });
    expect(reg.get(rec.recordId)).toBeNull();
    expect(reg.put(rec.recordId, signedManifest(rec, 5, grants).bytes)).toMatchObject({ ok: true });
    expect(reg.put(rec.recordId, signedManifest(rec, 5, grants).bytes)).toMatchObject({
      status: 409,
      error: 'stale-version',
    });
    expect(reg.put(rec.recordId, signedManifest(rec, 4, grants).bytes)).toMatchObject({
      status: 409,
    });
    expect(reg.get(rec.recordId)?.version).toBe(5);
  });
});

describe('ManifestRegistry and delegates', () => {
  const sister = keyPair();
  const grants = (certified: boolean) => [
    { key: owner, role: 'owner' as const, docs: ['clinical'] },
    { key: sister, role: 'delegate' as const, docs: ['clinical'], certified },
  ];

  it('accepts a certified delegate’s change of the professionals', () => {
    const reg = registry();
    const rec = newRecord();
    expect(reg.put(rec.recordId, signedManifest(rec, 1, grants(true)).bytes)).toMatchObject({
      ok: true,
    });
    const next = signedManifest(
      rec,
      2,
      [...grants(true), { key: pro, role: 'professional', docs: ['clinical'] }],
      { signer: sister },
    );
    expect(reg.put(rec.recordId, next.bytes)).toMatchObject({ ok: true });
    expect(reg.get(rec.recordId)?.version).toBe(2);
  });

  it('refuses a delegate without a certificate, and one that touches the owner devices', () => {
    const reg = registry();
    const rec = newRecord();
    reg.put(rec.recordId, signedManifest(rec, 1, grants(false)).bytes);
    const uncertified = signedManifest(
      rec,
      2,
      [...grants(false), { key: pro, role: 'professional', docs: ['clinical'] }],
      { signer: sister },
    );
    expect(reg.put(rec.recordId, uncertified.bytes)).toMatchObject({
      ok: false,
      status: 400,
      error: 'bad-signature',
    });
    // Certified by the root in v2, the delegate still cannot remove the patient's device.
    reg.put(rec.recordId, signedManifest(rec, 2, grants(true)).bytes);
    const coup = signedManifest(rec, 3, [grants(true)[1]!], { signer: sister });
    expect(reg.put(rec.recordId, coup.bytes)).toMatchObject({
      ok: false,
      status: 403,
      error: 'not-permitted',
    });
    expect(reg.get(rec.recordId)?.version).toBe(2);
  });

  it('refuses a removed delegate who signs itself back in', () => {
    const reg = registry();
    const rec = newRecord();
    reg.put(rec.recordId, signedManifest(rec, 1, grants(true)).bytes);
    const removed = signedManifest(rec, 2, [grants(true)[0]!], { epoch: 1 });
    expect(reg.put(rec.recordId, removed.bytes)).toMatchObject({ ok: true });
    const comeback = signedManifest(rec, 3, grants(true), { signer: sister, epoch: 1 });
    expect(reg.put(rec.recordId, comeback.bytes)).toMatchObject({
      status: 403,
      error: 'not-permitted',
    });
  });
});

describe('ManifestAuthorizer', () => {
  function setup(now = () => Date.now()) {
    const reg = registry();
    const rec = newRecord();
    reg.put(
      rec.recordId,
      signedManifest(rec, 1, [
        { key: owner, role: 'owner', docs: ['clinical', 'journal'] },
        { key: viewer, role: 'viewer', docs: ['clinical'] },
        { key: pro, role: 'professional', docs: ['clinical'], notAfter: Date.now() + 60_000 },
      ]).bytes,
    );
    return { reg, rec, auth: new ManifestAuthorizer(reg, new NonceCache(), now) };
  }

  it('grants what the manifest lists; viewers read only', async () => {
    const { rec, auth } = setup();
    const name = `${rec.recordId}:clinical`;
    await expect(
      auth.authenticate(token(owner, rec.recordId, 'clinical'), name),
    ).resolves.toMatchObject({
      role: 'owner',
      readOnly: false,
      notAfter: null,
    });
    await expect(
      auth.authenticate(token(viewer, rec.recordId, 'clinical'), name),
    ).resolves.toMatchObject({
      role: 'viewer',
      readOnly: true,
    });
    const p = await auth.authenticate(token(pro, rec.recordId, 'clinical'), name);
    expect(p.notAfter).toBeGreaterThan(Date.now());
    expect(auth.isWriter(rec.recordId, 'clinical', pro.publicKey)).toBe(true);
    expect(auth.isWriter(rec.recordId, 'clinical', viewer.publicKey)).toBe(false);
    expect(auth.isWriter(rec.recordId, 'journal', pro.publicKey)).toBe(false);
  });

  it('refuses bad, foreign, expired, replayed or ungranted tokens', async () => {
    const { rec, auth } = setup();
    const name = `${rec.recordId}:clinical`;
    expect(await refusal(auth.authenticate('garbage!', name))).toBe('bad-token');
    expect(
      await refusal(auth.authenticate(token(owner, rec.recordId, 'clinical'), 'bad name')),
    ).toBe('bad-document-name');
    expect(await refusal(auth.authenticate(token(owner, rec.recordId, 'journal'), name))).toBe(
      'wrong-document',
    );
    const old = token(owner, rec.recordId, 'clinical', { now: Date.now() - 10 * 60_000 });
    expect(await refusal(auth.authenticate(old, name))).toBe('expired');
    const long = token(owner, rec.recordId, 'clinical', { lifetimeMs: 60 * 60_000 });
    expect(await refusal(auth.authenticate(long, name))).toBe('lifetime-too-long');
    expect(
      await refusal(
        auth.authenticate(token(pro, rec.recordId, 'journal'), `${rec.recordId}:journal`),
      ),
    ).toBe('no-grant');
    expect(await refusal(auth.authenticate(token(keyPair(), rec.recordId, 'clinical'), name))).toBe(
      'no-grant',
    );
    const other = newRecord();
    expect(
      await refusal(
        auth.authenticate(token(owner, other.recordId, 'clinical'), `${other.recordId}:clinical`),
      ),
    ).toBe('no-manifest');
    const once = token(owner, rec.recordId, 'clinical');
    await auth.authenticate(once, name);
    expect(await refusal(auth.authenticate(once, name))).toBe('replayed');
  });

  it('rechecks grants against the newest manifest and the clock', async () => {
    let now = Date.now();
    const { reg, rec, auth } = setup(() => now);
    const name = `${rec.recordId}:clinical`;
    const p = await auth.authenticate(token(pro, rec.recordId, 'clinical', { now }), name);
    const v = await auth.authenticate(token(viewer, rec.recordId, 'clinical', { now }), name);
    expect(auth.recheck(p)).toBe(p);
    now += 61_000;
    expect(auth.recheck(p)).toBeNull();
    reg.put(
      rec.recordId,
      // Taking the viewer's access away moves the compartment to a new key (epoch 1).
      signedManifest(rec, 2, [{ key: owner, role: 'owner', docs: ['clinical', 'journal'] }], {
        epoch: 1,
      }).bytes,
    );
    expect(auth.recheck(v)).toBeNull();
  });

  it('checks ownership proofs for the recovery blob', () => {
    const { reg, rec } = setup();
    const nonces = new NonceCache();
    const code = (f: () => unknown) => {
      try {
        f();
        return 'ok';
      } catch (e) {
        return e instanceof AuthError ? e.code : 'other';
      }
    };
    const now = Date.now();
    const proof = token(owner, rec.recordId, 'recovery');
    expect(code(() => verifyOwnerProof(reg, nonces, rec.recordId, proof, now))).toBe('ok');
    expect(code(() => verifyOwnerProof(reg, nonces, rec.recordId, proof, now))).toBe('replayed');
    expect(code(() => verifyOwnerProof(reg, nonces, rec.recordId, undefined, now))).toBe(
      'no-proof',
    );
    const byPro = token(pro, rec.recordId, 'recovery');
    expect(code(() => verifyOwnerProof(reg, nonces, rec.recordId, byPro, now))).toBe('not-owner');
    const wrongDoc = token(owner, rec.recordId, 'clinical');
    expect(code(() => verifyOwnerProof(reg, nonces, rec.recordId, wrongDoc, now))).toBe(
      'wrong-document',
    );
    const unknown = newRecord().recordId;
    expect(
      code(() => verifyOwnerProof(reg, nonces, unknown, token(owner, unknown, 'recovery'), now)),
    ).toBe('no-manifest');
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
  it('remembers nonces until they expire, and is bounded', () => {
    const c = new NonceCache(2);
    const n = (b: number) => new Uint8Array([b]);
    expect(c.use(n(1), 100, 0)).toBe(true);
    expect(c.use(n(1), 100, 50)).toBe(false);
    expect(c.use(n(1), 200, 100)).toBe(true);
    expect(c.use(n(2), 300, 100)).toBe(true);
    expect(c.use(n(3), 300, 150)).toBe(false);
    expect(c.use(n(3), 300, 250)).toBe(true);
  });
});
