import { toHex, type Role } from './protocol';
import type { Keyring } from './binding-types';

/**
 * A keyring held in memory: epoch keys per document and the writers' roles. The sharing layer
 * fills one from the verified manifest; tests fill one by hand.
 */
export class MemoryKeyring implements Keyring {
  private readonly keys = new Map<string, Map<number, Uint8Array>>();
  private readonly writers = new Map<string, Role>();
  private manifestVersion: number | null = null;
  private awaited = 0;

  /** Gives the keyring a manifest version (left out, envelopes are sealed in format 1). */
  setVersion(version: number): this {
    this.manifestVersion = version;
    return this;
  }

  setKey(docId: string, epoch: number, key: Uint8Array): this {
    const epochs = this.keys.get(docId) ?? new Map<number, Uint8Array>();
    epochs.set(epoch, key);
    this.keys.set(docId, epochs);
    return this;
  }

  setRole(author: Uint8Array, role: Role | null): this {
    if (role === null) this.writers.delete(toHex(author));
    else this.writers.set(toHex(author), role);
    return this;
  }

  current(docId: string): { epoch: number; key: Uint8Array } | null {
    const epochs = this.keys.get(docId);
    if (!epochs || epochs.size === 0) return null;
    const epoch = Math.max(...epochs.keys());
    return { epoch, key: epochs.get(epoch)! };
  }

  key(docId: string, epoch: number): Uint8Array | null {
    return this.keys.get(docId)?.get(epoch) ?? null;
  }

  get version(): (() => number) | undefined {
    const v = this.manifestVersion;
    return v === null ? undefined : () => v;
  }

  sawManifestVersion(version: number): void {
    if (this.manifestVersion !== null && version > this.manifestVersion) {
      this.awaited = Math.max(this.awaited, version);
    }
  }

  awaitedVersion(): number | null {
    return this.manifestVersion !== null && this.awaited > this.manifestVersion
      ? this.awaited
      : null;
  }

  mayRotate(_docId: string, author: Uint8Array): boolean {
    return this.writers.get(toHex(author)) === 'owner';
  }

  writerRole(_docId: string, author: Uint8Array): Role | null {
    const role = this.writers.get(toHex(author));
    return role === undefined || role === 'viewer' ? null : role;
  }
}
