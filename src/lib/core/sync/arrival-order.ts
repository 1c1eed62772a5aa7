/**
 * The binding's receive order: batches of envelopes received, each applied after the batch before
 * it and once its signature checks (in flight elsewhere, on WebCrypto) have finished, so that
 * envelopes are applied in the order they arrived whatever order their checks finish in. It also
 * counts the batches in flight that hold this device's own envelopes: their seqs are not known
 * until they are applied, so the binding seals nothing new meanwhile.
 */
export class ArrivalOrder {
  private chain: Promise<void> = Promise.resolve();
  private inflight = 0;
  private ownInflight = 0;

  /** Nothing received is waiting: a batch without checks in flight may be applied at once. */
  get idle(): boolean {
    return this.inflight === 0;
  }

  /** A batch in flight holds one of this device's own envelopes. */
  get holdsOwn(): boolean {
    return this.ownInflight > 0;
  }

  /**
   * Runs `apply` after every batch queued before it and once all of `checks` have finished. A
   * check that rejects (the checks never should) leaves the batch unapplied, failing closed, and
   * the batches after it still run. `after` runs once the batch is done, with {@link holdsOwn}
   * already updated, whatever `apply` did.
   */
  enqueue(
    checks: readonly Promise<boolean>[],
    own: boolean,
    apply: () => void,
    after: () => void,
  ): void {
    this.inflight++;
    if (own) this.ownInflight++;
    const run = async () => {
      await Promise.all(checks);
      apply();
    };
    this.chain = this.chain
      .then(run)
      .catch(() => undefined)
      .finally(() => {
        this.inflight--;
        if (own) this.ownInflight--;
        after();
      });
  }

  /** Resolves once every batch queued so far has been applied (or refused). */
  settled(): Promise<void> {
    return this.chain;
  }
}
