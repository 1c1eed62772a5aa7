import { sign, signedEnvelope, type UnsignedEnvelope } from '../crypto/index';
import type { LocalAuthor, Signer } from './binding-types';
import { encodeEnvelope } from './protocol';

/**
 * The binding's outgoing queue: envelopes sealed (seq and ciphertext fixed) whose signatures are
 * being made, in seq order. Envelopes leave only from the front and only once signed, so a
 * device's envelopes reach the outer array in seq order however its asynchronous signatures
 * complete; what cannot wait is signed synchronously with the default signer (the same bytes:
 * Ed25519 is deterministic).
 */

/** An envelope sealed (seq and ciphertext fixed) whose signature is being made. */
interface Signing {
  readonly unsigned: UnsignedEnvelope;
  signature: Uint8Array | null;
}

export class SigningQueue {
  private readonly author: LocalAuthor;
  private readonly signer: Signer | null;
  /** Envelopes sealed and being signed, in seq order; appended from the front once signed. */
  private signing: Signing[] = [];

  constructor(author: LocalAuthor, signer: Signer | null) {
    this.author = author;
    this.signer = signer;
  }

  /** Envelopes sealed and not taken yet, signed or not. */
  get length(): number {
    return this.signing.length;
  }

  /**
   * Queues an envelope just sealed and signs it: with `wait` and an asynchronous signer in the
   * background, otherwise at once. `true` when it is signed already; if not, `onLateSignature`
   * runs once the signature is made (not when {@link signNow} made it first).
   */
  add(unsigned: UnsignedEnvelope, wait: boolean, onLateSignature: () => void): boolean {
    const signing: Signing = { unsigned, signature: null };
    this.signing.push(signing);
    const message = signing.unsigned.signingBytes;
    const secret = this.author.signSecret;
    // A failed asynchronous signature is made synchronously: the seq is taken, it must be sent.
    const done = (sig: Uint8Array | null) => {
      if (signing.signature !== null) return; // made already, by a flush that could not wait
      signing.signature = sig ?? sign(message, secret);
      onLateSignature();
    };
    const now = wait && this.signer ? this.signer(message, secret, done) : sign(message, secret);
    if (now === null) return false;
    signing.signature = now;
    return true;
  }

  /** Signs synchronously whatever is still in flight; a late signature then adds nothing. */
  signNow(): void {
    for (const s of this.signing)
      s.signature ??= sign(s.unsigned.signingBytes, this.author.signSecret);
  }

  /** Takes the signed envelopes at the front, encoded, in seq order. */
  takeSigned(): Uint8Array[] {
    const ready: Uint8Array[] = [];
    while (this.signing.length > 0 && this.signing[0]!.signature !== null) {
      const { unsigned, signature } = this.signing.shift()!;
      ready.push(encodeEnvelope(signedEnvelope(unsigned, signature!)));
    }
    return ready;
  }
}
