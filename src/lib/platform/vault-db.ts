import Dexie, { type Table } from 'dexie';
import type { WrappedSecret } from '$lib/core/crypto/index';

/**
 * The device vault in IndexedDB (Dexie). Secrets are stored only wrapped by the passphrase key;
 * the rest is public key material and ids, never health data.
 */
export interface VaultRow {
  /** Always 'device': one record per device in this version. */
  readonly id: 'device';
  readonly recordId: string;
  /** The record root public key, pinned when this device joined. */
  readonly rootKey: Uint8Array;
  readonly relayUrl: string;
  /** The device's keychain (device seed, root seed, epoch keys), wrapped by the passphrase. */
  readonly keychain: WrappedSecret;
  /** The newest manifest accepted, to refuse rollbacks and to work offline. */
  readonly manifest: Uint8Array;
  readonly manifestVersion: number;
  readonly createdAt: number;
  /** False until the relay has accepted the first manifest (records can be made offline). */
  readonly published: boolean;
  /** A recovery blob (ciphertext) still to upload, or null. */
  readonly pendingRecoveryBlob: Uint8Array | null;
  /** The kit's locator to upload it under; absent for a format-1 blob (uploaded by record id). */
  readonly pendingRecoveryLocator?: string | null;
}

/** A compartment's inner state, encrypted under a key derived from the device seed. */
export interface CheckpointRow {
  readonly docId: string;
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
}

class BackpackDb extends Dexie {
  vault!: Table<VaultRow, string>;
  checkpoints!: Table<CheckpointRow, string>;

  constructor(name: string) {
    super(name);
    this.version(1).stores({ vault: 'id', checkpoints: 'docId' });
  }
}

/**
 * Everything this device stores. `namespace` separates several simulated devices in one test
 * process; the app uses the default.
 */
export class DeviceStore {
  private readonly db: BackpackDb;

  constructor(readonly namespace = '') {
    this.db = new BackpackDb(`backpack${namespace}`);
  }

  outerDbName(recordId: string, docId: string): string {
    return `backpack${this.namespace}-outer:${recordId}:${docId}`;
  }

  async readVault(): Promise<VaultRow | null> {
    return (await this.db.vault.get('device')) ?? null;
  }

  async writeVault(row: VaultRow): Promise<void> {
    await this.db.vault.put(row);
  }

  async updateVault(changes: Partial<Omit<VaultRow, 'id'>>): Promise<void> {
    await this.db.vault.update('device', changes);
  }

  async readCheckpoint(docId: string): Promise<CheckpointRow | null> {
    return (await this.db.checkpoints.get(docId)) ?? null;
  }

  async writeCheckpoint(row: CheckpointRow): Promise<void> {
    await this.db.checkpoints.put(row);
  }

  async deleteCheckpoint(docId: string): Promise<void> {
    await this.db.checkpoints.delete(docId);
  }

  /** Forgets this device's vault and every stored outer document (the relay keeps its copy). */
  async erase(outerNames: string[]): Promise<void> {
    await this.db.vault.clear();
    await this.db.checkpoints.clear();
    await Promise.all(
      outerNames.map(
        (name) =>
          new Promise<void>((resolve) => {
            const req = indexedDB.deleteDatabase(name);
            req.onsuccess = req.onerror = req.onblocked = () => resolve();
          }),
      ),
    );
  }

  close(): void {
    this.db.close();
  }
}
