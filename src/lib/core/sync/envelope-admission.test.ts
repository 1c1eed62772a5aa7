import { describe, expect, it } from 'vitest';
import type { Keyring } from './binding-types';
import { admit } from './envelope-admission';
import type { Envelope, Role } from './protocol';

const owner = new Uint8Array(32).fill(1);
const physio = new Uint8Array(32).fill(2);
const stranger = new Uint8Array(32).fill(3);
const revoked = new Uint8Array(32).fill(4);
const keys = new Map([
  [1, new Uint8Array(32).fill(11)],
  [2, new Uint8Array(32).fill(12)],
]);

/** A keyring at epoch 2 that names the owner, the physio and a revoked device. */
const keyring = (current: number | null = 2): Keyring => ({
  current: () => (current === null ? null : { epoch: current, key: keys.get(current)! }),
  key: (_doc, epoch) => keys.get(epoch) ?? null,
  writerRole: (_doc, author): Role | null =>
    author[0] === 1 ? 'owner' : author[0] === 2 ? 'professional' : null,
  knows: (author) => author[0] !== 3,
});

const env = (author: Uint8Array, epoch: number, kind: Envelope['kind'] = 'update'): Envelope => ({
  kind,
  docId: 'clinical',
  epoch,
  author,
  seq: 1,
  covers: new Map(),
  nonce: new Uint8Array(24),
  ciphertext: new Uint8Array(16),
  signature: new Uint8Array(64),
});

describe('admit: who may write here, and with which key', () => {
  it('admits a writer with its epoch key and role, an older known epoch included', () => {
    expect(admit(keyring(), 'clinical', env(physio, 2))).toEqual({
      kind: 'writer',
      role: 'professional',
      key: keys.get(2),
    });
    expect(admit(keyring(), 'clinical', env(owner, 1, 'snapshot'))).toMatchObject({
      kind: 'writer',
      role: 'owner',
    });
  });

  it('refuses a device the manifest names without write access, and a snapshot by a non-owner', () => {
    expect(admit(keyring(), 'clinical', env(revoked, 2))).toEqual({
      kind: 'refused',
      reason: 'not-a-writer',
    });
    expect(admit(keyring(), 'clinical', env(physio, 2, 'snapshot'))).toEqual({
      kind: 'refused',
      reason: 'snapshot-not-owner',
    });
  });

  it('refuses an epoch before the current one that this device has no key for', () => {
    expect(admit(keyring(2), 'clinical', env(owner, 0))).toEqual({
      kind: 'refused',
      reason: 'unknown-epoch',
    });
  });

  it('defers what a newer manifest may explain: an unknown author, a newer epoch, no key yet', () => {
    expect(admit(keyring(), 'clinical', env(stranger, 2))).toEqual({ kind: 'unknown-author' });
    expect(admit(keyring(2), 'clinical', env(owner, 3))).toEqual({ kind: 'newer-epoch' });
    expect(admit(keyring(null), 'clinical', env(owner, 3))).toEqual({ kind: 'no-key' });
  });
});
