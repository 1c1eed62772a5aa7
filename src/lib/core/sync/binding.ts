import * as Y from 'yjs';
import { encryptEnvelope, sign, signedEnvelope, type UnsignedEnvelope } from '../crypto/index';
import { coverAll, stateOf, seqGaps, type AuthorState } from './author-seqs';
import type { BindingOptions, BindingStats, Keyring, LocalAuthor } from './binding-types';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import { replacedBy, snapshotCovers } from './compaction';
import { EnvelopeIntake } from './envelope-intake';
import { encodeEnvelope, toHex, verifyEnvelopeSignature } from './protocol';
import { SignatureChecks } from './signature-checks';
import { SigningQueue } from './signing-queue';
import { WriteGate } from './write-gate';

export {
  MISSING_STATE,
  type BindingOptions,
  type BindingStats,
  type Keyring,
  type LocalAuthor,
  type RejectReason,
  type Rejection,
  type UpdateValidator,
} from './binding-types';

/**
 * The encrypted-document binding (DESIGN §3): one compartment's plaintext *inner* `Y.Doc`, which
 * lives only in memory, bound to its *outer* `Y.Doc`, which holds a `Y.Array` of signed, encrypted
 * envelopes and is all that is ever stored or sent.
 *
 * - Inner → outer: the first local change after a quiet `batchMs` is sealed at once; changes that
 *   follow within the window are batched into one `update` envelope with the next per-author
 *   `seq`, sealed under the current epoch key and appended to the outer array. With an
 *   asynchronous {@link BindingOptions.sign} (WebCrypto), the seq and the ciphertext are fixed
 *   when the change is sealed and the envelope is appended once signed, always in seq order;
 *   an explicit {@link EncryptedDocBinding.flush} (and a checkpoint, a compaction, `destroy`)
 *   signs what is still in flight synchronously (the same bytes) so that it is in the array
 *   when it returns.
 * - Outer → inner: every envelope that appears (from storage or the relay) is verified before it is
 *   applied: well-formed, this document, a key for its epoch, an author who may write, a valid
 *   signature and ciphertext, a `seq` not seen before, and the record's write rules (`validate`).
 *   Anything that fails is counted, reported and never applied. With an asynchronous
 *   {@link BindingOptions.verifySignature} (WebCrypto), the signatures of envelopes that arrive
 *   together are checked concurrently; they are still applied one by one in arrival order, and
 *   {@link EncryptedDocBinding.settled} resolves when everything received so far is applied.
 * - Compaction: past `compactAfter` envelopes, an owner device writes one `snapshot` envelope with
 *   `covers` and deletes what it covers in the same outer transaction.
 *
 * Inner state is never removed because outer items vanish: deletion in the outer doc is storage
 * housekeeping, not a change to the record.
 *
 * Its parts, one file each: the public types (`binding-types.ts`, re-exported here), the
 * per-author seq bookkeeping (`author-seqs.ts`), what a compaction covers and replaces
 * (`compaction.ts`), the checkpoint format (`checkpoint.ts`), who may write an envelope received
 * and with which key (`envelope-admission.ts`), the outgoing signing queue
 * (`signing-queue.ts`), the receive side that checks and applies what arrives
 * (`envelope-intake.ts`) with its signature and decrypt-ahead caches (`signature-checks.ts`) and
 * its arrival order (`arrival-order.ts`), and the rule that stops sealing while a newer manifest
 * is awaited (`write-gate.ts`).
 */

export const OUTER_ARRAY = 'envelopes';

export class EncryptedDocBinding {
  readonly docId: string;
  readonly inner: Y.Doc;
  readonly outer: Y.Doc;
  private readonly array: Y.Array<Uint8Array>;
  private readonly keyring: Keyring;
  private readonly author: LocalAuthor;
  private readonly authorHex: string;
  private readonly batchMs: number;
  private readonly compactAfter: number;
  private readonly onChange: ((stats: BindingStats) => void) | undefined;
  /** Envelopes sealed and being signed, in seq order; appended from the front once signed. */
  private readonly signing: SigningQueue;
  /** What arrives in the outer array: checked, then applied to the inner doc (or refused). */
  private readonly intake: EnvelopeIntake;
  /** When the last local change arrived (ms): a change after a quiet window is sealed at once. */
  private lastLocalChange = -Infinity;
  /** Inside {@link compact}'s flush: appending does not start another compaction. */
  private compacting = false;

  private readonly authors = new Map<string, AuthorState>();
  private queue: Uint8Array[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private mySeq = 0;
  /** Envelopes being pushed to the outer array right now ({@link sealedUnsent}). */
  private appending = 0;
  private destroyed = false;
  /** Whether sealing waits for a newer manifest; see {@link BindingStats.awaitingEpoch}. */
  private readonly gate: WriteGate;
  /** Whether {@link onInnerUpdate} is subscribed to the inner doc's updates. */
  private listening = false;
  /** `author:seq` of envelopes inside the checkpoint, not yet met in the outer array. */
  private readonly checkpointed = new Set<string>();

  private readonly onInnerUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin === this) return;
    this.queue.push(update);
    const quiet = Date.now() - this.lastLocalChange >= this.batchMs;
    // The first change after a quiet window leaves at once (a single edit is not delayed); the
    // ones that follow within the window are folded into one envelope at its end.
    if (this.batchMs === 0 || (quiet && this.timer === null)) this.sealQueued(true);
    else if (this.timer === null)
      this.timer = setTimeout(() => this.sealQueued(true), this.batchMs);
    // Measured after sealing, so the time spent sealing never counts as quiet.
    this.lastLocalChange = Date.now();
    this.changed();
  };

  private readonly onOuterChange = (event: Y.YArrayEvent<Uint8Array>) => {
    if (event.transaction.origin === this) return;
    const added: Uint8Array[] = [];
    for (const delta of event.changes.delta) {
      if (delta.insert) for (const item of delta.insert as Uint8Array[]) added.push(item);
    }
    this.intake.ingest(added);
  };

  constructor(opts: BindingOptions) {
    this.docId = opts.docId;
    this.inner = opts.inner;
    this.outer = opts.outer;
    this.array = opts.outer.getArray<Uint8Array>(OUTER_ARRAY);
    this.keyring = opts.keyring;
    this.author = opts.author;
    this.authorHex = toHex(opts.author.signPublic);
    this.batchMs = opts.batchMs ?? 250;
    this.compactAfter = opts.compactAfter ?? 300;
    this.onChange = opts.onChange;
    this.signing = new SigningQueue(opts.author, opts.sign ?? null);
    this.gate = new WriteGate(opts.docId, opts.keyring, opts.onStaleManifest, () => this.changed());
    this.intake = new EnvelopeIntake({
      docId: opts.docId,
      inner: opts.inner,
      keyring: opts.keyring,
      validate: opts.validate,
      authorHex: this.authorHex,
      authors: this.authors,
      checkpointed: this.checkpointed,
      signatures: new SignatureChecks(
        opts.docId,
        opts.keyring,
        opts.verifySignature ?? verifyEnvelopeSignature,
      ),
      gate: this.gate,
      onStaleManifest: opts.onStaleManifest,
      origin: this,
      withoutLocalListener: (apply) => this.withoutLocalListener(apply),
      onApplied: (env, hex) => {
        if (env.kind === 'snapshot') this.coverAll(env.covers);
        if (hex === this.authorHex) this.mySeq = Math.max(this.mySeq, env.seq);
      },
      afterBatch: () => {
        if (!this.intake.holdsOwn && this.queue.length > 0 && this.timer === null)
          this.sealQueued(true);
      },
      destroyed: () => this.destroyed,
      changed: () => this.changed(),
    });
    if (opts.checkpoint) this.restoreCheckpoint(opts.checkpoint);
    this.intake.ingest(this.array.toArray());
    this.array.observe(this.onOuterChange);
    this.inner.on('update', this.onInnerUpdate);
    this.listening = true;
    if (this.queue.length > 0) this.timer = setTimeout(() => this.sealQueued(true), this.batchMs);
  }

  /**
   * Seals queued local changes into one envelope now. When it returns, everything this device
   * sealed is in the outer array (signatures still in flight are made here, synchronously).
   */
  flush(): void {
    this.sealQueued(false);
  }

  /**
   * Seals the queued local changes into one envelope with the next seq. With `wait` and an
   * asynchronous signer the envelope is appended once signed, after those sealed before it;
   * otherwise it, and everything sealed before, is appended before this returns.
   */
  private sealQueued(wait: boolean): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!wait) this.appendSigned(true);
    if (this.queue.length === 0 || this.destroyed) return;
    if (this.intake.holdsOwn) return; // sealed once this device's own envelopes are counted
    const current = this.gate.writableEpoch();
    if (!current) return; // keep the changes until a key (or the newer manifest) arrives
    const update = this.queue.length === 1 ? this.queue[0]! : Y.mergeUpdates(this.queue);
    this.queue = [];
    const unsigned = this.seal('update', current, update, new Map());
    const signed = this.signing.add(unsigned, wait, () => {
      if (!this.destroyed) this.appendSigned(false);
    });
    if (signed) this.appendSigned(false);
  }

  /**
   * Appends the signed envelopes at the front of {@link signing} (seq order), in one outer
   * transaction. With `now`, first signs synchronously whatever is still in flight.
   */
  private appendSigned(now: boolean): void {
    if (this.signing.length === 0) return;
    if (now) this.signing.signNow();
    const ready = this.signing.takeSigned();
    for (const bytes of ready) this.intake.markApplied(bytes);
    if (ready.length === 0) return;
    this.appending += ready.length;
    try {
      this.outer.transact(() => this.array.push(ready), this);
    } finally {
      this.appending -= ready.length;
    }
    this.changed();
    if (!this.compacting && this.author.role === 'owner' && this.array.length > this.compactAfter)
      this.compact();
  }

  /**
   * Writes a snapshot of the inner doc that covers every envelope applied so far, and deletes the
   * covered envelopes, in one outer transaction. Owner devices only (the relay enforces it too).
   */
  compact(): boolean {
    if (this.author.role !== 'owner' || this.destroyed) return false;
    this.compacting = true;
    try {
      this.flush();
    } finally {
      this.compacting = false;
    }
    const current = this.gate.writableEpoch();
    if (!current) return false;
    const covers = snapshotCovers(this.authors);
    const sealed = this.seal('snapshot', current, Y.encodeStateAsUpdate(this.inner), covers);
    const snapshot = encodeEnvelope(
      signedEnvelope(sealed, sign(sealed.signingBytes, this.author.signSecret)),
    );
    this.intake.markApplied(snapshot);
    const doomed = replacedBy(this.array.toArray(), covers, (item) => this.intake.verdictOf(item));
    this.outer.transact(() => {
      for (let i = doomed.length - 1; i >= 0; i--) this.array.delete(doomed[i]!, 1);
      this.array.push([snapshot]);
    }, this);
    this.changed();
    return true;
  }

  /**
   * Local envelopes sealed and not yet sent: their (asynchronous) signature is being made, or
   * they are being appended to the outer document right now (whose listeners, the provider
   * among them, send them). Zero once everything sealed has been handed over.
   */
  get sealedUnsent(): number {
    return this.signing.length + this.appending;
  }

  /**
   * Resolves once every envelope received so far has been verified and applied (or refused).
   * Immediate with the default, synchronous signature check.
   */
  settled(): Promise<void> {
    return this.intake.settled();
  }

  /** Re-examines deferred envelopes, e.g. after the keyring learned a new epoch key. */
  retryDeferred(): void {
    this.intake.retryDeferred();
    if (this.queue.length > 0 && this.gate.writableEpoch()) this.flush();
    this.changed();
  }

  stats(): BindingStats {
    const gaps = seqGaps(this.authors);
    return {
      applied: this.intake.applied,
      rejected: this.intake.rejected,
      deferred: this.intake.deferred,
      unsealed: this.queue.length + this.signing.length,
      awaitingEpoch: this.gate.awaitingEpoch,
      awaitingManifest: this.keyring.awaitedVersion?.() ?? null,
      envelopes: this.array.length,
      gaps,
    };
  }

  /**
   * The inner state and the per-author seqs it includes, for the device to keep (encrypted under
   * a key of its own) so that the next open verifies only envelopes that arrived since.
   */
  checkpoint(): Uint8Array {
    this.flush();
    return encodeCheckpoint(
      Y.encodeStateAsUpdate(this.inner),
      this.authors,
      // Local changes not sealed yet (no key, or waiting for a newer manifest) are kept too.
      this.queue.length === 0 ? new Uint8Array(0) : Y.mergeUpdates(this.queue),
    );
  }

  private restoreCheckpoint(bytes: Uint8Array): void {
    try {
      const decoded = decodeCheckpoint(bytes);
      if (!decoded) return;
      const { state, authors, keys, unsealed } = decoded;
      Y.applyUpdate(this.inner, state, this);
      if (unsealed.length > 0) this.queue.push(unsealed.slice());
      for (const [hex, a] of authors) {
        this.authors.set(hex, a);
        if (hex === this.authorHex) this.mySeq = Math.max(this.mySeq, a.max);
      }
      for (const key of keys) this.checkpointed.add(key);
    } catch {
      // A damaged checkpoint is ignored: everything is verified from the envelopes instead.
    }
  }

  destroy(): void {
    this.flush();
    this.destroyed = true;
    this.array.unobserve(this.onOuterChange);
    this.inner.off('update', this.onInnerUpdate);
    this.listening = false;
  }

  // -------------------------------------------------------------------------------------------

  /** Takes the next seq and encrypts; the caller signs (sync or not) and appends in seq order. */
  private seal(
    kind: 'update' | 'snapshot',
    current: { epoch: number; key: Uint8Array },
    plaintext: Uint8Array,
    covers: Map<string, number>,
  ): UnsignedEnvelope {
    const seq = ++this.mySeq;
    const unsigned = encryptEnvelope(
      {
        kind,
        docId: this.docId,
        epoch: current.epoch,
        author: this.author.signPublic,
        seq,
        covers,
        ...(this.keyring.version ? { manifestVersion: this.keyring.version() } : {}),
      },
      current.key,
      plaintext,
    );
    const state = stateOf(this.authors, this.authorHex);
    state.applied.add(seq);
    state.max = Math.max(state.max, seq);
    if (kind === 'snapshot') this.coverAll(covers);
    return unsigned;
  }

  private coverAll(covers: ReadonlyMap<string, number>): void {
    coverAll(this.authors, covers);
    this.mySeq = Math.max(this.mySeq, covers.get(this.authorHex) ?? 0);
  }

  /**
   * Applies what others wrote (origin `this`, ignored by onInnerUpdate) without the binding's
   * subscription: without it, Yjs does not encode an update event per envelope for nobody (a
   * third of applying an open's 300 envelopes when no one else listens yet). Only then: taking
   * it off and on again would move it behind the other listeners, and a local change would be
   * sealed only after them (after the page has re-read the record).
   */
  private withoutLocalListener(apply: () => void): void {
    const alone = this.listening && this.inner._observers.get('update')?.size === 1;
    if (alone) this.inner.off('update', this.onInnerUpdate);
    try {
      apply();
    } finally {
      if (alone && this.listening) this.inner.on('update', this.onInnerUpdate);
    }
  }

  private changed(): void {
    this.onChange?.(this.stats());
  }
}
