import { describe, expect, it } from 'vitest';
import { randomBytes } from '../crypto/index';
import { validateRecordUpdate } from '../record/index';
import { OUTER_ARRAY } from './binding';
import { DOC, makeDevice, ownerBinding, write, texts, pushRaw } from './binding.testing';
import { MemoryKeyring } from './keyring';

/** Reopening from a checkpoint (`checkpoint.ts`), and a damaged one. */

describe('checkpoints', () => {
  it('reopen from a checkpoint verifies only envelopes that came after it', () => {
    const keyring = new MemoryKeyring().setKey(DOC, 0, randomBytes(32));
    const a = makeDevice('a', keyring);
    for (let i = 0; i < 5; i++) write(a, `e${i}`);
    const checkpoint = a.binding.checkpoint();
    write(a, 'after checkpoint');
    const reopened = ownerBinding(keyring, a.keys, {
      outer: a.outer,
      validate: validateRecordUpdate,
      batchMs: 0,
      checkpoint,
    });
    expect(texts(reopened.inner)).toEqual(texts(a.inner));
    expect(reopened.stats().applied).toBe(1);
    expect(reopened.stats().rejected).toEqual([]);
    // A replayed copy of a checkpointed envelope is still caught.
    pushRaw(a, a.outer.getArray<Uint8Array>(OUTER_ARRAY).get(0).slice());
    expect(reopened.stats().rejected.map((r) => r.reason)).toEqual(['replay']);
    // The device continues its own seq after the checkpoint.
    reopened.destroy();
  });

  it('ignores a damaged checkpoint and verifies everything', () => {
    const keyring = new MemoryKeyring().setKey(DOC, 0, randomBytes(32));
    const a = makeDevice('a', keyring);
    write(a, 'x');
    const b = ownerBinding(keyring, a.keys, {
      outer: a.outer,
      batchMs: 0,
      checkpoint: new Uint8Array([1, 200, 3]),
    });
    expect(texts(b.inner)).toEqual(['x']);
    expect(b.stats().applied).toBe(1);
  });
});
