import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import {
  decryptEnvelope,
  encryptEnvelope,
  sign,
  signedEnvelope,
  type UnsignedEnvelope,
} from '../crypto/index';
import {
  decodeEnvelope,
  encodeEnvelope,
  isProtocolError,
  toHex,
  verifyEnvelopeSignature,
  type Envelope,
  type Role,
} from './protocol';

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
 */

export const OUTER_ARRAY = 'envelopes';

/** What the binding needs to know about keys and grants; the sharing layer implements it. */
export interface Keyring {
  /** The epoch to write under, with its key; `null` if this device holds no key yet. */
  current(docId: string): { epoch: number; key: Uint8Array } | null;
  /** The key of an epoch, if this device holds it. */
  key(docId: string, epoch: number): Uint8Array | null;
  /** The role with which an author may write this compartment now; `null` if it may not. */
  writerRole(docId: string, author: Uint8Array): Role | null;
  /**
   * Whether the manifest names this device at all. An envelope from a device it does not name
   * may come from a device added by a manifest this one has not seen yet: it is held back, not
   * refused, and {@link BindingOptions.onStaleManifest} asks for a fresher manifest.
   */
  knows?(author: Uint8Array): boolean;
  /**
   * Whether an author may move this compartment to a new epoch (the patient's devices and
   * certified delegates holding it). Only their envelopes of a newer epoch make this device stop
   * writing under the old key until it has the newer manifest.
   */
  mayRotate?(docId: string, author: Uint8Array): boolean;
  /** The version of the manifest this keyring holds; written into every envelope sealed. */
  version?(): number;
  /**
   * An envelope signed by a device that may change sharing says it was written under manifest
   * `version`. If that is newer than the keyring's, nothing is sealed (in any compartment) until
   * the keyring holds that version: {@link awaitedVersion}.
   */
  sawManifestVersion?(version: number): void;
  /** A newer manifest version seen in an envelope and not held yet, or `null`. */
  awaitedVersion?(): number | null;
}

export interface LocalAuthor {
  readonly signPublic: Uint8Array;
  readonly signSecret: Uint8Array;
  readonly role: Role;
}

/**
 * A validator's answer when an update builds on state this device does not have yet (it arrived
 * before an envelope it depends on): the envelope waits and is checked again later.
 */
export const MISSING_STATE = 'missing-state';

/**
 * Checks a decrypted inner update against the record's write rules before it is applied: `null`
 * when allowed, {@link MISSING_STATE} when it cannot be judged yet, otherwise why it is refused.
 */
export type UpdateValidator = (
  update: Uint8Array,
  inner: Y.Doc,
  author: { hex: string; role: Role },
) => string | null;

export type RejectReason =
  | 'malformed'
  | 'wrong-document'
  | 'unknown-epoch'
  | 'not-a-writer'
  | 'bad-signature-or-ciphertext'
  | 'replay'
  | 'forbidden-change'
  | 'snapshot-not-owner';

export interface Rejection {
  readonly reason: RejectReason;
  readonly author: string | null;
  readonly seq: number | null;
  readonly detail?: string;
}

export interface BindingStats {
  /** Envelopes applied to the inner doc. */
  readonly applied: number;
  /** Envelopes refused, by reason; refused envelopes are never applied. */
  readonly rejected: readonly Rejection[];
  /** Envelopes held back until a key for their epoch arrives. */
  readonly deferred: number;
  /** Local changes not yet sealed into an envelope. */
  readonly unsealed: number;
  /**
   * The newer epoch a device that may rotate keys already writes under, while this device's
   * manifest is older: local changes wait (unsealed) until the newer manifest arrives, so nothing
   * new is written under a key that a revoked device still holds. `null` when not waiting.
   */
  readonly awaitingEpoch: number | null;
  /** A newer manifest version another device wrote under, while this one holds an older one. */
  readonly awaitingManifest: number | null;
  /** Envelopes currently in the outer array. */
  readonly envelopes: number;
  /** Per author, seqs missing below the highest seen and not covered by a snapshot. */
  readonly gaps: ReadonlyMap<string, number>;
}

export interface BindingOptions {
  readonly docId: string;
  readonly inner: Y.Doc;
  readonly outer: Y.Doc;
  readonly keyring: Keyring;
  readonly author: LocalAuthor;
  readonly validate?: UpdateValidator;
  /**
   * Batch window for local updates, ms (default 250). The first change after a quiet window is
   * sealed at once; later ones within the window wait for its end. 0 seals each update at once.
   */
  readonly batchMs?: number;
  /** Owner devices compact past this many envelopes (default 300). */
  readonly compactAfter?: number;
  /** Called after anything in {@link BindingStats} changes. */
  readonly onChange?: (stats: BindingStats) => void;
  /** Called when an envelope names an author or an epoch the manifest does not know yet. */
  readonly onStaleManifest?: () => void;
  /**
   * A checkpoint this device made earlier ({@link EncryptedDocBinding.checkpoint}): the inner
   * state and the envelopes it includes, which then need no second verification on open.
   */
  readonly checkpoint?: Uint8Array;
  /**
   * Checks an envelope's signature (default: {@link verifyEnvelopeSignature}, synchronous). An
   * asynchronous check (`verifyEnvelopeSignatureAsync`, WebCrypto) makes receiving asynchronous:
   * the checks of a batch run concurrently, application keeps arrival order. It must apply the
   * same rule as the default (strict RFC 8032), which `crypto/ed25519.test.ts` holds it to.
   */
  readonly verifySignature?: (env: Envelope) => boolean | Promise<boolean>;
  /**
   * Signs the envelopes this device seals (default: the synchronous `sign`, noble). An
   * asynchronous signer (`signEd25519Async`, WebCrypto) takes signing off the event loop: a local
   * change sealed by the batching is appended once its signature is done, in seq order. It must
   * give the bytes of the default (Ed25519 is deterministic): the binding signs synchronously
   * with the default whenever it cannot wait.
   */
  readonly sign?: (message: Uint8Array, secret: Uint8Array) => Uint8Array | Promise<Uint8Array>;
}

/** An envelope sealed (seq and ciphertext fixed) whose signature is being made. */
interface Signing {
  readonly unsigned: UnsignedEnvelope;
  signature: Uint8Array | null;
}

interface Received {
  readonly item: Uint8Array;
  readonly env: Envelope;
}

interface AuthorState {
  /** Seqs applied from this author. */
  readonly applied: Set<number>;
  /** Highest seq included in a snapshot we applied. */
  covered: number;
  max: number;
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
  private readonly verifySignature: (env: Envelope) => boolean | Promise<boolean>;
  private readonly signer:
    ((message: Uint8Array, secret: Uint8Array) => Uint8Array | Promise<Uint8Array>) | null;
  /** Envelopes sealed and being signed, in seq order; appended from the front once signed. */
  private signing: Signing[] = [];
  /** Envelope bytes → plaintext decrypted while its signature was being checked, and the key. */
  private readonly ahead = new WeakMap<
    Uint8Array,
    { readonly key: Uint8Array; readonly plaintext: Uint8Array | null }
  >();
  /** Envelope bytes → signature verdict (or the check in flight). */
  private readonly signatures = new WeakMap<Uint8Array, boolean | Promise<boolean>>();
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
  private destroyed = false;
  /** See {@link BindingStats.awaitingEpoch}. */
  private awaitingEpoch: number | null = null;
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
    this.verifySignature = opts.verifySignature ?? verifyEnvelopeSignature;
    this.signer = opts.sign ?? null;
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
    const current = this.writableEpoch();
    if (!current) return; // keep the changes until a key (or the newer manifest) arrives
    const update = this.queue.length === 1 ? this.queue[0]! : Y.mergeUpdates(this.queue);
    this.queue = [];
    const signing: Signing = {
      unsigned: this.seal('update', current, update, new Map()),
      signature: null,
    };
    this.signing.push(signing);
    const message = signing.unsigned.signingBytes;
    const secret = this.author.signSecret;
    const signature = wait && this.signer ? this.signer(message, secret) : sign(message, secret);
    if (signature instanceof Uint8Array) {
      signing.signature = signature;
    } else {
      // A failed asynchronous signature is made synchronously: the seq is taken, it must be sent.
      const done = (sig: Uint8Array | null) => {
        if (signing.signature !== null) return; // made already, by a flush that could not wait
        signing.signature = sig ?? sign(message, secret);
        if (!this.destroyed) this.appendSigned(false);
      };
      signature.then(done, () => done(null));
      return;
    }
    this.appendSigned(false);
  }

  /**
   * Appends the signed envelopes at the front of {@link signing} (seq order), in one outer
   * transaction. With `now`, first signs synchronously whatever is still in flight.
   */
  private appendSigned(now: boolean): void {
    if (this.signing.length === 0) return;
    if (now) {
      for (const s of this.signing)
        s.signature ??= sign(s.unsigned.signingBytes, this.author.signSecret);
    }
    const ready: Uint8Array[] = [];
    while (this.signing.length > 0 && this.signing[0]!.signature !== null) {
      const { unsigned, signature } = this.signing.shift()!;
      const bytes = encodeEnvelope(signedEnvelope(unsigned, signature!));
      this.verdicts.set(bytes, 'applied');
      ready.push(bytes);
    }
    if (ready.length === 0) return;
    this.outer.transact(() => this.array.push(ready), this);
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
    const current = this.writableEpoch();
    if (!current) return false;
    const covers = new Map<string, number>();
    for (const [hex, state] of this.authors) {
      const contiguous = this.contiguousUpTo(state);
      if (contiguous > 0) covers.set(hex, contiguous);
    }
    const sealed = this.seal('snapshot', current, Y.encodeStateAsUpdate(this.inner), covers);
    const snapshot = encodeEnvelope(
      signedEnvelope(sealed, sign(sealed.signingBytes, this.author.signSecret)),
    );
    this.verdicts.set(snapshot, 'applied');
    const items = this.array.toArray();
    const doomed: number[] = [];
    items.forEach((item, index) => {
      const verdict = this.verdicts.get(item);
      if (verdict === 'deferred') return;
      if (verdict === 'rejected') return void doomed.push(index);
      const env = decodeEnvelope(item);
      if (isProtocolError(env)) return void doomed.push(index);
      const covered = covers.get(toHex(env.author));
      if (covered !== undefined && env.seq <= covered) doomed.push(index);
    });
    this.outer.transact(() => {
      for (let i = doomed.length - 1; i >= 0; i--) this.array.delete(doomed[i]!, 1);
      this.array.push([snapshot]);
    }, this);
    this.changed();
    return true;
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
    if (this.queue.length > 0 && this.writableEpoch()) this.flush();
    this.changed();
  }

  /**
   * The epoch to write under now, with its key: `null` when this device holds no key, or when a
   * device that may rotate keys writes under a newer epoch than this device's manifest names.
   */
  private writableEpoch(): { epoch: number; key: Uint8Array } | null {
    const current = this.keyring.current(this.docId);
    if (!current) return null;
    if ((this.keyring.awaitedVersion?.() ?? null) !== null) return null;
    if (this.awaitingEpoch !== null) {
      if (current.epoch < this.awaitingEpoch) return null;
      this.awaitingEpoch = null;
      this.changed();
    }
    return current;
  }

  stats(): BindingStats {
    const gaps = new Map<string, number>();
    for (const [hex, state] of this.authors) {
      let missing = 0;
      for (let s = state.covered + 1; s <= state.max; s++) if (!state.applied.has(s)) missing++;
      if (missing > 0) gaps.set(hex, missing);
    }
    return {
      applied: this.applied,
      rejected: this.rejected,
      deferred: this.deferredItems.length + this.waiting.length,
      unsealed: this.queue.length + this.signing.length,
      awaitingEpoch: this.awaitingEpoch,
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
    const e = encoding.createEncoder();
    encoding.writeUint8(e, 2);
    encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(this.inner));
    encoding.writeVarUint(e, this.authors.size);
    for (const [hex, state] of this.authors) {
      encoding.writeVarString(e, hex);
      encoding.writeVarUint(e, state.covered);
      const seqs = [...state.applied].sort((a, b) => a - b);
      encoding.writeVarUint(e, seqs.length);
      let previous = 0;
      for (const seq of seqs) {
        encoding.writeVarUint(e, seq - previous);
        previous = seq;
      }
    }
    // 2: local changes not sealed yet (no key, or waiting for a newer manifest) are kept too, so
    // they are sealed after a reload instead of living only in the inner state.
    encoding.writeVarUint8Array(
      e,
      this.queue.length === 0 ? new Uint8Array(0) : Y.mergeUpdates(this.queue),
    );
    return encoding.toUint8Array(e);
  }

  private restoreCheckpoint(bytes: Uint8Array): void {
    try {
      const d = decoding.createDecoder(bytes);
      const format = decoding.readUint8(d);
      if (format !== 1 && format !== 2) return;
      const state = decoding.readVarUint8Array(d);
      const authors = new Map<string, AuthorState>();
      const keys: string[] = [];
      for (let i = decoding.readVarUint(d); i > 0; i--) {
        const hex = decoding.readVarString(d);
        const covered = decoding.readVarUint(d);
        const applied = new Set<number>();
        let seq = 0;
        for (let j = decoding.readVarUint(d); j > 0; j--) {
          seq += decoding.readVarUint(d);
          applied.add(seq);
          keys.push(`${hex}:${seq}`);
        }
        authors.set(hex, { applied, covered, max: Math.max(covered, seq) });
      }
      const unsealed = format === 2 ? decoding.readVarUint8Array(d) : new Uint8Array(0);
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
    const state = this.stateOf(this.authorHex);
    state.applied.add(seq);
    state.max = Math.max(state.max, seq);
    if (kind === 'snapshot') this.coverAll(covers);
    return unsigned;
  }

  private stateOf(hex: string): AuthorState {
    let state = this.authors.get(hex);
    if (!state) {
      state = { applied: new Set(), covered: 0, max: 0 };
      this.authors.set(hex, state);
    }
    return state;
  }

  private contiguousUpTo(state: AuthorState): number {
    let s = state.covered;
    while (state.applied.has(s + 1)) s++;
    return s;
  }

  private coverAll(covers: ReadonlyMap<string, number>): void {
    for (const [hex, seq] of covers) {
      const state = this.stateOf(hex);
      state.covered = Math.max(state.covered, seq);
      state.max = Math.max(state.max, seq);
      if (hex === this.authorHex) this.mySeq = Math.max(this.mySeq, seq);
    }
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
      if (!this.signatures.has(item) && this.needsSignature(env)) {
        const verdict = this.verifySignature(env);
        this.signatures.set(item, verdict);
        if (typeof verdict !== 'boolean') {
          this.signatures.set(
            item,
            verdict.then((ok) => (this.signatures.set(item, ok), ok)),
          );
        }
      }
      const pending = this.signatures.get(item);
      if (pending !== undefined && typeof pending !== 'boolean') checks.push(pending);
      if (toHex(env.author) === this.authorHex) own = true;
    }
    if (this.inflight === 0 && checks.length === 0) {
      this.apply(envelopes, items.length > 0);
      return;
    }
    // While the signatures are checked elsewhere (WebCrypto), decrypt what they cover: the
    // plaintext is only looked at once its signature and every other check have passed.
    if (checks.length > 0) for (const { item, env } of envelopes) this.decryptAhead(item, env);
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

  /**
   * Decrypts an envelope whose signature check is in flight, if this device has its epoch's key,
   * and keeps the result for {@link decrypted}; AEAD authenticates it, and nothing reads it
   * before {@link receive} has checked the signature, the author and the seq.
   */
  private decryptAhead(item: Uint8Array, env: Envelope): void {
    const verdict = this.signatures.get(item);
    if (env.docId !== this.docId || verdict === undefined || typeof verdict === 'boolean') return;
    const key = this.keyring.key(this.docId, env.epoch);
    if (key) this.ahead.set(item, { key, plaintext: decryptEnvelope(env, key) });
  }

  /** The plaintext under `key`: decrypted ahead (under the same key), or now. */
  private decrypted(item: Uint8Array, env: Envelope, key: Uint8Array): Uint8Array | null {
    const ahead = this.ahead.get(item);
    this.ahead.delete(item);
    return ahead && ahead.key === key ? ahead.plaintext : decryptEnvelope(env, key);
  }

  /** The signature verdict: computed when it arrived, or now (synchronously, same rule). */
  private signatureOk(item: Uint8Array, env: Envelope): boolean {
    const verdict = this.signatures.get(item);
    if (typeof verdict === 'boolean') return verdict;
    const ok = verifyEnvelopeSignature(env);
    this.signatures.set(item, ok);
    return ok;
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
    const role = this.keyring.writerRole(this.docId, env.author);
    if (role === null && this.keyring.knows && !this.keyring.knows(env.author)) {
      this.verdicts.set(item, 'deferred');
      this.deferredItems.push(item);
      this.onStaleManifest?.();
      return false;
    }
    if (role === null) return this.reject(item, { ...base, reason: 'not-a-writer' });
    if (env.kind === 'snapshot' && role !== 'owner') {
      return this.reject(item, { ...base, reason: 'snapshot-not-owner' });
    }
    const key = this.keyring.key(this.docId, env.epoch);
    if (!key) {
      const current = this.keyring.current(this.docId);
      if (current && env.epoch < current.epoch) {
        return this.reject(item, { ...base, reason: 'unknown-epoch' });
      }
      this.verdicts.set(item, 'deferred');
      this.deferredItems.push(item);
      // A newer epoch than this device knows: the manifest with its key is probably on the relay.
      // If a device that may rotate keys signed it, someone lost access: write nothing more under
      // the old key until the newer manifest is here (a relay that withholds it cannot keep this
      // device writing to a revoked reader).
      if (
        current &&
        env.epoch > current.epoch &&
        this.keyring.mayRotate?.(this.docId, env.author) &&
        this.signatureOk(item, env)
      ) {
        this.awaitingEpoch = Math.max(this.awaitingEpoch ?? 0, env.epoch);
        this.noteManifestVersion(env);
      }
      this.onStaleManifest?.();
      return false;
    }
    const state = this.stateOf(hex);
    if (env.kind === 'update' && env.seq <= state.covered) {
      // Already inside a snapshot we applied (e.g. two owner devices compacted at once):
      // applying it again would change nothing.
      this.verdicts.set(item, 'applied');
      return false;
    }
    if (state.applied.has(env.seq)) return this.reject(item, { ...base, reason: 'replay' });
    const plaintext = this.signatureOk(item, env) ? this.decrypted(item, env, key) : null;
    if (!plaintext) return this.reject(item, { ...base, reason: 'bad-signature-or-ciphertext' });
    if (this.keyring.mayRotate?.(this.docId, env.author)) this.noteManifestVersion(env);
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

  /** For an authenticated envelope of a device that may change sharing. */
  private noteManifestVersion(env: Envelope): void {
    if (env.manifestVersion === undefined || !this.keyring.sawManifestVersion) return;
    const before = this.keyring.awaitedVersion?.() ?? null;
    this.keyring.sawManifestVersion(env.manifestVersion);
    if ((this.keyring.awaitedVersion?.() ?? null) !== before) this.onStaleManifest?.();
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
