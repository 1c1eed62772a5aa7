import Dexie, { type Table } from 'dexie';
import type { WrappedSecret } from '$lib/core/crypto/index';

/**
 * The workspace of a professional or relative in IndexedDB: their device identity and the
 * records shared with them. The device seed is wrapped by the passphrase; the profile is
 * encrypted under a key derived from the seed; record rows hold ids, public keys, signed manifests
 * and the patient's name and date of birth only encrypted (who the patient is lives inside the
 * encrypted record).
 */
export interface IdentityRow {
  readonly id: 'me';
  readonly keychain: WrappedSecret;
  readonly profileNonce: Uint8Array;
  readonly profileCiphertext: Uint8Array;
  readonly createdAt: number;
}

export interface SharedRecordRow {
  readonly recordId: string;
  readonly relayUrl: string;
  /** Pinned from the invite (or the patient's notice): every manifest must be signed under it. */
  readonly rootKey: Uint8Array;
  /** The newest manifest accepted; `null` while waiting for the patient to confirm. */
  readonly manifest: Uint8Array | null;
  readonly addedAt: number;
  /**
   * The patient's name, date of birth and last activity for the workspace list, sealed under a
   * key derived from the workspace seed (`app/workspace-index.ts`); never plaintext here.
   */
  readonly indexNonce?: Uint8Array;
  readonly indexCiphertext?: Uint8Array;
}

class WorkspaceDb extends Dexie {
  identity!: Table<IdentityRow, string>;
  records!: Table<SharedRecordRow, string>;

  constructor(name: string) {
    super(name);
    this.version(1).stores({ identity: 'id', records: 'recordId' });
  }
}

export class WorkspaceStore {
  private readonly db: WorkspaceDb;

  constructor(readonly namespace = '') {
    this.db = new WorkspaceDb(`backpack${namespace}-workspace`);
  }

  async readIdentity(): Promise<IdentityRow | null> {
    return (await this.db.identity.get('me')) ?? null;
  }

  async writeIdentity(row: IdentityRow): Promise<void> {
    await this.db.identity.put(row);
  }

  async updateIdentity(changes: Partial<Omit<IdentityRow, 'id'>>): Promise<void> {
    await this.db.identity.update('me', changes);
  }

  async listRecords(): Promise<SharedRecordRow[]> {
    return this.db.records.orderBy('recordId').toArray();
  }

  async putRecord(row: SharedRecordRow): Promise<void> {
    await this.db.records.put(row);
  }

  async updateRecord(recordId: string, changes: Partial<Omit<SharedRecordRow, 'recordId'>>) {
    await this.db.records.update(recordId, changes);
  }

  async removeRecord(recordId: string): Promise<void> {
    await this.db.records.delete(recordId);
  }

  close(): void {
    this.db.close();
  }
}

/** Deletes a workspace's database (the demo record's simulated professionals use their own). */
export function deleteWorkspaceDb(namespace: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const req = indexedDB.deleteDatabase(`backpack${namespace}-workspace`);
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
}
