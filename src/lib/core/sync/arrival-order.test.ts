import { describe, expect, it } from 'vitest';
import { ArrivalOrder } from './arrival-order';

/** A check whose verdict the test gives when it wants. */
function check() {
  let settle!: (ok: boolean) => void;
  let fail!: (e: Error) => void;
  const promise = new Promise<boolean>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  return { promise, settle, fail };
}

describe('ArrivalOrder', () => {
  it('applies batches in arrival order whatever order their checks finish in', async () => {
    const order = new ArrivalOrder();
    const applied: string[] = [];
    const [a, b, c] = [check(), check(), check()];
    order.enqueue(
      [a.promise],
      false,
      () => applied.push('a'),
      () => undefined,
    );
    order.enqueue(
      [b.promise, c.promise],
      false,
      () => applied.push('b'),
      () => undefined,
    );
    expect(order.idle).toBe(false);
    c.settle(true);
    b.settle(true);
    await Promise.resolve();
    expect(applied).toEqual([]); // b's checks are done, but a's are not
    a.settle(true);
    await order.settled();
    expect(applied).toEqual(['a', 'b']);
    expect(order.idle).toBe(true);
  });

  it("counts batches holding the device's own envelopes until they are done", async () => {
    const order = new ArrivalOrder();
    const mine = check();
    const seen: boolean[] = [];
    order.enqueue(
      [mine.promise],
      true,
      () => seen.push(order.holdsOwn),
      () => seen.push(order.holdsOwn),
    );
    expect(order.holdsOwn).toBe(true);
    mine.settle(true);
    await order.settled();
    // Still held while applying; released before `after` runs (which may seal what waited).
    expect(seen).toEqual([true, false]);
    expect(order.holdsOwn).toBe(false);
  });

  it('a check that rejects leaves its batch unapplied and the next one still runs', async () => {
    const order = new ArrivalOrder();
    const applied: string[] = [];
    const after: string[] = [];
    const [bad, good] = [check(), check()];
    order.enqueue(
      [bad.promise],
      false,
      () => applied.push('bad'),
      () => after.push('bad'),
    );
    order.enqueue(
      [good.promise],
      false,
      () => applied.push('good'),
      () => after.push('good'),
    );
    bad.fail(new Error('WebCrypto failed'));
    good.settle(true);
    await order.settled();
    expect(applied).toEqual(['good']);
    expect(after).toEqual(['bad', 'good']);
  });

  it('an apply that throws does not stop the batches after it', async () => {
    const order = new ArrivalOrder();
    const applied: string[] = [];
    order.enqueue(
      [],
      false,
      () => {
        throw new Error('boom');
      },
      () => undefined,
    );
    order.enqueue(
      [],
      false,
      () => applied.push('next'),
      () => undefined,
    );
    await order.settled();
    expect(applied).toEqual(['next']);
    expect(order.idle).toBe(true);
  });
});
