import * as Y from 'yjs';
import { encryptEnvelope, sign, signedEnvelope, type UnsignedEnvelope } from '../crypto/index';
import { coverAll, stateOf, seqGaps, type AuthorState } from './author-seqs';
import {
  MISSING_STATE,
  type BindingOptions,
  type BindingStats,
  type Keyring,
  type LocalAuthor,
  type Rejection,
  type UpdateValidator,
} from './binding-types';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import { replacedBy, snapshotCovers } from './compaction';
import {
  decodeEnvelope,
  encodeEnvelope,
  isProtocolError,
  toHex,
  verifyEnvelopeSignature,
  type Envelope,
} from './protocol';
import { admit } from './envelope-admission';
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
 * (`signing-queue.ts`), the receive-side signature and decrypt-ahead caches
 * (`signature-checks.ts`) and the rule that stops sealing while a newer manifest is awaited
 * (`write-gate.ts`).
 */

export const OUTER_ARRAY = 'envelopes';

interface Received {
  readonly item: Uint8Array;
  readonly env: Envelope;
}

export class EncryptedDocBinding {
  readonly docId: string;
  readonly inner: Y.Doc;
  readonly outer: Y.Doc;
  private readonly array: Y.Array<Uint8Array>;
  private readonly keyring: Keyring;
  private readonly author: LocalAuthor;
  private readonly authorHex: string;
  private readonly validate: UpdateValidator | undefined;
  private readonly batchMs: number;
  private readonly compactAfter: number;
  private readonly onChange: ((stats: BindingStats) => void) | undefined;
  private readonly onStaleManifest: (() => void) | undefined;
  /** Envelopes sealed and being signed, in seq order; appended from the front once signed. */
  private readonly signing: SigningQueue;
  /** Signature verdicts (or checks in flight) and plaintexts decrypted ahead, by envelope bytes. */
  private readonly signatures: SignatureChecks;
  /** Batches received and being verified, in order; each applies after the one before. */
  private chain: Promise<void> = Promise.resolve();
  private inflight = 0;
  /** In-flight batches holding this device's own envelopes: sealing waits (their seqs count). */
  private ownInflight = 0;
  /** When the last local change arrived (ms): a change after a quiet window is sealed at once. */
  private lastLocalChange = -Infinity;
  /** Inside {@link compact}'s flush: appending does not start another compaction. */
  private compacting = false;

  private readonly authors = new Map<string, AuthorState>();
  /** Envelope bytes → verdict, so an item seen twice (after a reload of the array) is cheap. */
  private readonly verdicts = new WeakMap<Uint8Array, 'applied' | 'rejected' | 'deferred'>();
  private deferredItems: Uint8Array[] = [];
  /** Envelopes that build on state not here yet; retried after each envelope applied. */
  private waiting: Uint8Array[] = [];
  private rejected: Rejection[] = [];
  private applied = 0;
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
    this.ingest(added);
  };

  constructor(opts: BindingOptions) {
    this.docId = opts.docId;
    this.inner = opts.inner;
    this.outer = opts.outer;
    this.array = opts.outer.getArray<Uint8Array>(OUTER_ARRAY);
    this.keyring = opts.keyring;
    this.author = opts.author;
    this.authorHex = toHex(opts.author.signPublic);
    this.validate = opts.validate;
    this.batchMs = opts.batchMs ?? 250;
    this.compactAfter = opts.compactAfter ?? 300;
    this.onChange = opts.onChange;
    this.onStaleManifest = opts.onStaleManifest;
    this.signing = new SigningQueue(opts.author, opts.sign ?? null);
    this.signatures = new SignatureChecks(
      opts.docId,
      opts.keyring,
      opts.verifySignature ?? verifyEnvelopeSignature,
    );
    this.gate = new WriteGate(opts.docId, opts.keyring, opts.onStaleManifest, () => this.changed());
    if (opts.checkpoint) this.restoreCheckpoint(opts.checkpoint);
    this.ingest(this.array.toArray());
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
    if (this.ownInflight > 0) return; // sealed once this device's own envelopes are counted
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
    for (const bytes of ready) this.verdicts.set(bytes, 'applied');
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
    this.verdicts.set(snapshot, 'applied');
    const doomed = replacedBy(this.array.toArray(), covers, (item) => this.verdicts.get(item));
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
    return this.chain;
  }

  /** Re-examines deferred envelopes, e.g. after the keyring learned a new epoch key. */
  retryDeferred(): void {
    const items = this.deferredItems;
    this.deferredItems = [];
    for (const item of items) this.verdicts.delete(item);
    this.ingest(items);
    if (this.queue.length > 0 && this.gate.writableEpoch()) this.flush();
    this.changed();
  }

  stats(): BindingStats {
    const gaps = seqGaps(this.authors);
    return {
      applied: this.applied,
      rejected: this.rejected,
      deferred: this.deferredItems.length + this.waiting.length,
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
   * Decodes what arrived and starts the signature checks it will need, all at once. With only
   * synchronous verdicts and nothing ahead in the queue it applies at once; otherwise after the
   * batches before it and once its checks have finished, in arrival order either way.
   */
  private ingest(items: Uint8Array[]): void {
    const envelopes: Received[] = [];
    const checks: Promise<boolean>[] = [];
    let own = false;
    for (const item of items) {
      if (this.verdicts.has(item)) continue;
      const env = decodeEnvelope(item);
      if (isProtocolError(env)) {
        this.reject(item, { reason: 'malformed', author: null, seq: null, detail: env.message });
        continue;
      }
      envelopes.push({ item, env });
      const pending = this.signatures.start(item, env, (e) => this.needsSignature(e));
      if (pending !== undefined) checks.push(pending);
      if (toHex(env.author) === this.authorHex) own = true;
    }
    if (this.inflight === 0 && checks.length === 0) {
      this.apply(envelopes, items.length > 0);
      return;
    }
    // While the signatures are checked elsewhere (WebCrypto), decrypt what they cover: the
    // plaintext is only looked at once its signature and every other check have passed.
    if (checks.length > 0)
      for (const { item, env } of envelopes) this.signatures.decryptAhead(item, env);
    this.inflight++;
    if (own) this.ownInflight++;
    const run = async () => {
      await Promise.all(checks);
      if (!this.destroyed) this.apply(envelopes, items.length > 0);
    };
    this.chain = this.chain
      .then(run)
      .catch(() => undefined)
      .finally(() => {
        this.inflight--;
        if (own) this.ownInflight--;
        if (this.ownInflight === 0 && this.queue.length > 0 && this.timer === null)
          this.sealQueued(true);
      });
  }

  /** Whether receiving this envelope may need its signature (cheap guesses; never wrong). */
  private needsSignature(env: Envelope): boolean {
    if (env.docId !== this.docId) return false;
    const hex = toHex(env.author);
    if (this.checkpointed.has(`${hex}:${env.seq}`)) return false;
    const state = this.authors.get(hex);
    if (state && env.kind === 'update' && env.seq <= state.covered) return false;
    return !(state && state.applied.has(env.seq));
  }

  private apply(envelopes: Received[], any: boolean): void {
    // Snapshots first: they carry the bulk of the state, and updates they cover then apply as
    // no-ops instead of being parked as pending structs.
    envelopes.sort((a, b) => (a.env.kind === b.env.kind ? 0 : a.env.kind === 'snapshot' ? -1 : 1));
    // What is applied here comes from others (origin `this`, ignored by onInnerUpdate): without
    // the subscription, Yjs does not encode an update event per envelope for nobody (a third of
    // applying an open's 300 envelopes when no one else listens yet). Only then: taking it off
    // and on again would move it behind the other listeners, and a local change would be sealed
    // only after them (after the page has re-read the record).
    const listening = this.listening && this.inner._observers.get('update')?.size === 1;
    if (listening) this.inner.off('update', this.onInnerUpdate);
    try {
      let progress = false;
      for (const { item, env } of envelopes) progress = this.receive(item, env) || progress;
      while (progress && this.waiting.length > 0) {
        const waiting = this.waiting;
        this.waiting = [];
        progress = false;
        for (const item of waiting) {
          this.verdicts.delete(item);
          const env = decodeEnvelope(item);
          if (!isProtocolError(env)) progress = this.receive(item, env) || progress;
        }
      }
    } finally {
      if (listening && this.listening) this.inner.on('update', this.onInnerUpdate);
    }
    if (any) this.changed();
  }

  /** Verifies and applies one envelope; `true` when it changed the inner doc. */
  private receive(item: Uint8Array, env: Envelope): boolean {
    const hex = toHex(env.author);
    const base = { author: hex, seq: env.seq };
    if (env.docId !== this.docId) return this.reject(item, { ...base, reason: 'wrong-document' });
    if (this.checkpointed.delete(`${hex}:${env.seq}`)) {
      this.verdicts.set(item, 'applied'); // verified before, when the checkpoint was made
      return false;
    }
    const admission = admit(this.keyring, this.docId, env);
    if (admission.kind === 'refused')
      return this.reject(item, { ...base, reason: admission.reason });
    if (admission.kind !== 'writer') {
      this.verdicts.set(item, 'deferred');
      this.deferredItems.push(item);
      // A newer epoch than this device knows: the manifest with its key is probably on the relay.
      // If a device that may rotate keys signed it, someone lost access: write nothing more under
      // the old key until the newer manifest is here (a relay that withholds it cannot keep this
      // device writing to a revoked reader).
      if (
        admission.kind === 'newer-epoch' &&
        this.keyring.mayRotate?.(this.docId, env.author) &&
        this.signatures.signatureOk(item, env)
      ) {
        this.gate.awaitEpoch(env);
      }
      this.onStaleManifest?.();
      return false;
    }
    const { role, key } = admission;
    const state = stateOf(this.authors, hex);
    if (env.kind === 'update' && env.seq <= state.covered) {
      // Already inside a snapshot we applied (e.g. two owner devices compacted at once):
      // applying it again would change nothing.
      this.verdicts.set(item, 'applied');
      return false;
    }
    if (state.applied.has(env.seq)) return this.reject(item, { ...base, reason: 'replay' });
    const plaintext = this.signatures.signatureOk(item, env)
      ? this.signatures.decrypted(item, env, key)
      : null;
    if (!plaintext) return this.reject(item, { ...base, reason: 'bad-signature-or-ciphertext' });
    if (this.keyring.mayRotate?.(this.docId, env.author)) this.gate.noteManifestVersion(env);
    if (env.kind === 'update' && this.validate) {
      const problem = this.validate(plaintext, this.inner, { hex, role });
      if (problem === MISSING_STATE) {
        this.verdicts.set(item, 'deferred');
        this.waiting.push(item);
        return false;
      }
      if (problem) {
        return this.reject(item, { ...base, reason: 'forbidden-change', detail: problem });
      }
    }
    try {
      Y.applyUpdate(this.inner, plaintext, this);
    } catch {
      return this.reject(item, { ...base, reason: 'malformed', detail: 'Not a Yjs update.' });
    }
    this.verdicts.set(item, 'applied');
    this.applied++;
    state.applied.add(env.seq);
    state.max = Math.max(state.max, env.seq);
    if (env.kind === 'snapshot') this.coverAll(env.covers);
    if (hex === this.authorHex) this.mySeq = Math.max(this.mySeq, env.seq);
    return true;
  }

  private reject(item: Uint8Array, rejection: Rejection): false {
    this.verdicts.set(item, 'rejected');
    this.rejected = [...this.rejected, rejection];
    return false;
  }

  private changed(): void {
    this.onChange?.(this.stats());
  }
}
