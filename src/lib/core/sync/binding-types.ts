import type * as Y from 'yjs';
import type { Envelope, Role } from './protocol';

/**
 * The public contract of the encrypted-document binding (`binding.ts`, which re-exports every name
 * here): what it needs from the keyring and the local device, the options it takes, the record
 * write rules it calls, and what it reports (stats, rejections).
 */

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

/** What the binding decided about an envelope of its outer array. */
export type Verdict = 'applied' | 'rejected' | 'deferred';

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
   * asynchronous signer (`signEd25519Then`, WebCrypto) takes signing off the event loop: a local
   * change sealed by the batching is appended once its signature is done, in seq order. It must
   * give the bytes of the default (Ed25519 is deterministic): the binding signs synchronously
   * with the default whenever it cannot wait.
   */
  readonly sign?: Signer;
}

/**
 * Signs `message` with `secret`: the signature now, or `null` and later `done` with it (`null`
 * there when signing failed: the queue then signs with the default). `done` never runs before
 * the signer returns, and should run as soon as the signature exists (`signEd25519Then`: in the
 * first reaction to WebCrypto's promise), since the envelope leaves from it.
 */
export type Signer = (
  message: Uint8Array,
  secret: Uint8Array,
  done: (signature: Uint8Array | null) => void,
) => Uint8Array | null;
