import { decryptEnvelope } from '../crypto/index';
import type { Keyring } from './binding-types';
import { verifyEnvelopeSignature, type Envelope } from './protocol';

/**
 * The binding's receive-side caches, keyed by envelope bytes: each envelope's signature verdict
 * (or the check in flight), and the plaintext decrypted while that check ran (decrypt-ahead).
 * They decide nothing: the binding reads a plaintext only once the signature, the author and the
 * seq have passed, and applies in arrival order whatever order the checks finish in.
 */
export class SignatureChecks {
  private readonly docId: string;
  private readonly keyring: Keyring;
  private readonly verifySignature: (env: Envelope) => boolean | Promise<boolean>;
  /** Envelope bytes → plaintext decrypted while its signature was being checked, and the key. */
  private readonly ahead = new WeakMap<
    Uint8Array,
    { readonly key: Uint8Array; readonly plaintext: Uint8Array | null }
  >();
  /** Envelope bytes → signature verdict (or the check in flight). */
  private readonly signatures = new WeakMap<Uint8Array, boolean | Promise<boolean>>();

  constructor(
    docId: string,
    keyring: Keyring,
    verifySignature: (env: Envelope) => boolean | Promise<boolean>,
  ) {
    this.docId = docId;
    this.keyring = keyring;
    this.verifySignature = verifySignature;
  }

  /**
   * Starts the signature check of an envelope received, unless it has a verdict or a check in
   * flight already or `needed` says it needs none; the check in flight, if there is one.
   */
  start(
    item: Uint8Array,
    env: Envelope,
    needed: (env: Envelope) => boolean,
  ): Promise<boolean> | undefined {
    if (!this.signatures.has(item) && needed(env)) {
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
    return pending !== undefined && typeof pending !== 'boolean' ? pending : undefined;
  }

  /**
   * Decrypts an envelope whose signature check is in flight, if this device has its epoch's key,
   * and keeps the result for {@link decrypted}; AEAD authenticates it, and nothing reads it
   * before the intake's `receive` (`envelope-intake.ts`) has checked the signature, the author
   * and the seq.
   */
  decryptAhead(item: Uint8Array, env: Envelope): void {
    const verdict = this.signatures.get(item);
    if (env.docId !== this.docId || verdict === undefined || typeof verdict === 'boolean') return;
    const key = this.keyring.key(this.docId, env.epoch);
    if (key) this.ahead.set(item, { key, plaintext: decryptEnvelope(env, key) });
  }

  /** The plaintext under `key`: decrypted ahead (under the same key), or now. */
  decrypted(item: Uint8Array, env: Envelope, key: Uint8Array): Uint8Array | null {
    const ahead = this.ahead.get(item);
    this.ahead.delete(item);
    return ahead && ahead.key === key ? ahead.plaintext : decryptEnvelope(env, key);
  }

  /** The signature verdict: computed when it arrived, or now (synchronously, same rule). */
  signatureOk(item: Uint8Array, env: Envelope): boolean {
    const verdict = this.signatures.get(item);
    if (typeof verdict === 'boolean') return verdict;
    const ok = verifyEnvelopeSignature(env);
    this.signatures.set(item, ok);
    return ok;
  }
}
