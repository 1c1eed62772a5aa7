import { decrypt, encrypt } from '$lib/core/crypto/index';
import type { DeviceStore } from '$lib/platform/vault-db';

/**
 * What a record keeps on this device only, encrypted under a key only this device derives and
 * never synced: checkpoints of the inner state (so that opening the record verifies only what
 * arrived since; DESIGN §7: open ≤ 300 ms), drafts, read markers and raw recordings.
 */
export class LocalStore {
  constructor(
    private readonly recordId: string,
    private readonly localKey: Uint8Array,
    private readonly store: DeviceStore,
    private readonly persist: boolean,
  ) {}

  private checkpointAad(docId: string): Uint8Array {
    return new TextEncoder().encode(`checkpoint:${this.recordId}:${docId}`);
  }

  /** The checkpoint of compartment `docId`, if this device saved one that opens. */
  async loadCheckpoint(docId: string): Promise<Uint8Array | null> {
    if (!this.persist) return null;
    const row = await this.store.readCheckpoint(docId);
    if (!row) return null;
    return decrypt(this.localKey, row.nonce, row.ciphertext, this.checkpointAad(docId));
  }

  /** Saves an encrypted checkpoint of each compartment (`docId` → the binding's checkpoint). */
  async saveCheckpoints(
    checkpoints: Iterable<{ docId: string; checkpoint: () => Uint8Array }>,
  ): Promise<void> {
    if (!this.persist) return;
    for (const c of checkpoints) {
      const { nonce, ciphertext } = encrypt(
        this.localKey,
        c.checkpoint(),
        this.checkpointAad(c.docId),
      );
      await this.store.writeCheckpoint({ docId: c.docId, nonce, ciphertext });
    }
  }

  private localAad(key: string): Uint8Array {
    return new TextEncoder().encode(`local:${this.recordId}:${key}`);
  }

  /** Stores bytes on this device only, encrypted (e.g. a raw sensor recording). */
  async saveLocalBytes(key: string, bytes: Uint8Array): Promise<void> {
    const { nonce, ciphertext } = encrypt(this.localKey, bytes, this.localAad(key));
    await this.store.writeCheckpoint({ docId: `local:${key}`, nonce, ciphertext });
  }

  /** Reads bytes stored with {@link saveLocalBytes}; undefined when absent or unreadable. */
  async loadLocalBytes(key: string): Promise<Uint8Array | undefined> {
    const row = await this.store.readCheckpoint(`local:${key}`);
    if (!row) return undefined;
    return decrypt(this.localKey, row.nonce, row.ciphertext, this.localAad(key)) ?? undefined;
  }

  /** Stores a JSON value on this device only, encrypted. */
  async saveLocal(key: string, value: unknown): Promise<void> {
    await this.saveLocalBytes(key, new TextEncoder().encode(JSON.stringify(value)));
  }

  /** Reads a value stored with {@link saveLocal}; undefined when absent or unreadable. */
  async loadLocal(key: string): Promise<unknown> {
    const bytes = await this.loadLocalBytes(key);
    if (!bytes) return undefined;
    try {
      return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    } catch {
      return undefined;
    }
  }

  async clearLocal(key: string): Promise<void> {
    await this.store.deleteCheckpoint(`local:${key}`);
  }
}
