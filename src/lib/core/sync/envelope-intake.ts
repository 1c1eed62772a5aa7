import * as Y from 'yjs';
import { ArrivalOrder } from './arrival-order';
import { stateOf, type AuthorState } from './author-seqs';
import {
  MISSING_STATE,
  type Keyring,
  type Rejection,
  type UpdateValidator,
  type Verdict,
} from './binding-types';
import { admit } from './envelope-admission';
import { decodeEnvelope, isProtocolError, toHex, type Envelope } from './protocol';
import type { SignatureChecks } from './signature-checks';
import type { WriteGate } from './write-gate';

/** What the intake shares with its binding (`binding.ts`). */
export interface IntakeHost {
  readonly docId: string;
  readonly inner: Y.Doc;
  readonly keyring: Keyring;
  readonly validate: UpdateValidator | undefined;
  /** This device's signing key, hex. */
  readonly authorHex: string;
  /** Per-author seqs: also written by the binding's sealing and read by its compaction. */
  readonly authors: Map<string, AuthorState>;
  /** `author:seq` of envelopes inside the checkpoint, not yet met in the outer array. */
  readonly checkpointed: Set<string>;
  readonly signatures: SignatureChecks;
  readonly gate: WriteGate;
  readonly onStaleManifest: (() => void) | undefined;
  /** The origin of what the intake applies to the inner doc (the binding ignores its own). */
  readonly origin: unknown;
  /** Runs `apply` with the binding's listener for local changes set aside, if it can be. */
  withoutLocalListener(apply: () => void): void;
  /**
   * An envelope applied (`hex`: its author's key): its author's seq, and what a snapshot covers,
   * count for sealing.
   */
  onApplied(env: Envelope, hex: string): void;
  /** A batch received is done (applied, refused or dropped). */
  afterBatch(): void;
  destroyed(): boolean;
  changed(): void;
}

interface Received {
  readonly item: Uint8Array;
  readonly env: Envelope;
}

/**
 * The binding's receive side (DESIGN §3): every envelope that appears in the outer array, from
 * storage or the relay, is checked before it is applied to the inner doc: well-formed, this
 * document, a key for its epoch, an author who may write, a valid signature and ciphertext, a
 * `seq` not seen before, and the record's write rules. Anything that fails is counted, reported
 * and never applied; an envelope under an epoch not known yet is deferred, one that builds on
 * state not here yet waits for it. Signatures of envelopes that arrive together are checked
 * concurrently (`signature-checks.ts`), and batches are applied in arrival order
 * (`arrival-order.ts`).
 */
export class EnvelopeIntake {
  private readonly host: IntakeHost;
  private readonly arrivals = new ArrivalOrder();
  /** Envelope bytes → verdict, so an item seen twice (after a reload of the array) is cheap. */
  private readonly verdicts = new WeakMap<Uint8Array, Verdict>();
  private deferredItems: Uint8Array[] = [];
  /** Envelopes that build on state not here yet; retried after each envelope applied. */
  private waiting: Uint8Array[] = [];
  private rejectedList: Rejection[] = [];
  private appliedCount = 0;

  constructor(host: IntakeHost) {
    this.host = host;
  }

  /** Envelopes applied (from others, or this device's own from storage). */
  get applied(): number {
    return this.appliedCount;
  }

  /** Envelopes refused, with why. */
  get rejected(): Rejection[] {
    return this.rejectedList;
  }

  /** Envelopes deferred (no key for their epoch yet) or waiting for state not here yet. */
  get deferred(): number {
    return this.deferredItems.length + this.waiting.length;
  }

  /** A batch holding this device's own envelopes is being checked: its seqs do not count yet. */
  get holdsOwn(): boolean {
    return this.arrivals.holdsOwn;
  }

  /** Resolves once every envelope received so far has been checked and applied (or refused). */
  settled(): Promise<void> {
    return this.arrivals.settled();
  }

  verdictOf(item: Uint8Array): Verdict | undefined {
    return this.verdicts.get(item);
  }

  /** An envelope this device wrote itself (its state is in the inner doc already). */
  markApplied(item: Uint8Array): void {
    this.verdicts.set(item, 'applied');
  }

  /** Examines the deferred envelopes again (the keyring may have learned their epoch's key). */
  retryDeferred(): void {
    const items = this.deferredItems;
    this.deferredItems = [];
    for (const item of items) this.verdicts.delete(item);
    this.ingest(items);
  }

  /**
   * Decodes what arrived and starts the signature checks it will need, all at once. With only
   * synchronous verdicts and nothing ahead in the queue it applies at once; otherwise after the
   * batches before it and once its checks have finished, in arrival order either way.
   */
  ingest(items: Uint8Array[]): void {
    const envelopes: Received[] = [];
    const checks: Promise<boolean>[] = [];
    const { signatures, authorHex } = this.host;
    let own = false;
    for (const item of items) {
      if (this.verdicts.has(item)) continue;
      const env = decodeEnvelope(item);
      if (isProtocolError(env)) {
        this.reject(item, { reason: 'malformed', author: null, seq: null, detail: env.message });
        continue;
      }
      envelopes.push({ item, env });
      const pending = signatures.start(item, env, (e) => this.needsSignature(e));
      if (pending !== undefined) checks.push(pending);
      if (toHex(env.author) === authorHex) own = true;
    }
    if (this.arrivals.idle && checks.length === 0) {
      this.apply(envelopes, items.length > 0);
      return;
    }
    // While the signatures are checked elsewhere (WebCrypto), decrypt what they cover: the
    // plaintext is only looked at once its signature and every other check have passed.
    if (checks.length > 0)
      for (const { item, env } of envelopes) signatures.decryptAhead(item, env);
    this.arrivals.enqueue(
      checks,
      own,
      () => {
        if (!this.host.destroyed()) this.apply(envelopes, items.length > 0);
      },
      () => this.host.afterBatch(),
    );
  }

  /** Whether receiving this envelope may need its signature (cheap guesses; never wrong). */
  private needsSignature(env: Envelope): boolean {
    if (env.docId !== this.host.docId) return false;
    const hex = toHex(env.author);
    if (this.host.checkpointed.has(`${hex}:${env.seq}`)) return false;
    const state = this.host.authors.get(hex);
    if (state && env.kind === 'update' && env.seq <= state.covered) return false;
    return !(state && state.applied.has(env.seq));
  }

  private apply(envelopes: Received[], any: boolean): void {
    // Snapshots first: they carry the bulk of the state, and updates they cover then apply as
    // no-ops instead of being parked as pending structs.
    envelopes.sort((a, b) => (a.env.kind === b.env.kind ? 0 : a.env.kind === 'snapshot' ? -1 : 1));
    this.host.withoutLocalListener(() => {
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
    });
    if (any) this.host.changed();
  }

  /** Checks and applies one envelope; `true` when it changed the inner doc. */
  private receive(item: Uint8Array, env: Envelope): boolean {
    const { docId, keyring, signatures, gate, validate } = this.host;
    const hex = toHex(env.author);
    const base = { author: hex, seq: env.seq };
    if (env.docId !== docId) return this.reject(item, { ...base, reason: 'wrong-document' });
    if (this.host.checkpointed.delete(`${hex}:${env.seq}`)) {
      this.verdicts.set(item, 'applied'); // verified before, when the checkpoint was made
      return false;
    }
    const admission = admit(keyring, docId, env);
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
        keyring.mayRotate?.(docId, env.author) &&
        signatures.signatureOk(item, env)
      ) {
        gate.awaitEpoch(env);
      }
      this.host.onStaleManifest?.();
      return false;
    }
    const { role, key } = admission;
    const state = stateOf(this.host.authors, hex);
    if (env.kind === 'update' && env.seq <= state.covered) {
      // Already inside a snapshot we applied (e.g. two owner devices compacted at once):
      // applying it again would change nothing.
      this.verdicts.set(item, 'applied');
      return false;
    }
    if (state.applied.has(env.seq)) return this.reject(item, { ...base, reason: 'replay' });
    const plaintext = signatures.signatureOk(item, env)
      ? signatures.decrypted(item, env, key)
      : null;
    if (!plaintext) return this.reject(item, { ...base, reason: 'bad-signature-or-ciphertext' });
    if (keyring.mayRotate?.(docId, env.author)) gate.noteManifestVersion(env);
    if (env.kind === 'update' && validate) {
      const problem = validate(plaintext, this.host.inner, { hex, role });
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
      Y.applyUpdate(this.host.inner, plaintext, this.host.origin);
    } catch {
      return this.reject(item, { ...base, reason: 'malformed', detail: 'Not a Yjs update.' });
    }
    this.verdicts.set(item, 'applied');
    this.appliedCount++;
    state.applied.add(env.seq);
    state.max = Math.max(state.max, env.seq);
    this.host.onApplied(env, hex);
    return true;
  }

  private reject(item: Uint8Array, rejection: Rejection): false {
    this.verdicts.set(item, 'rejected');
    this.rejectedList = [...this.rejectedList, rejection];
    return false;
  }
}
