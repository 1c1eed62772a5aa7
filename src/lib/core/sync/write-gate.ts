import type { Keyring } from './binding-types';
import type { Envelope } from './protocol';

/**
 * Whether the binding may seal now (THREAT_MODEL rule 6: a relay that withholds a new manifest
 * cannot keep a device writing under the old key). Sealing stops while a device that may rotate
 * keys writes under a newer epoch than this device's manifest names, or while a device that may
 * change sharing claims, in an authenticated envelope, a manifest version this keyring does not
 * hold yet; it resumes once the keyring has caught up.
 */
export class WriteGate {
  private readonly docId: string;
  private readonly keyring: Keyring;
  private readonly onStaleManifest: (() => void) | undefined;
  /** Called when {@link awaitingEpoch} is cleared. */
  private readonly changed: () => void;
  /** See `BindingStats.awaitingEpoch`. */
  awaitingEpoch: number | null = null;

  constructor(
    docId: string,
    keyring: Keyring,
    onStaleManifest: (() => void) | undefined,
    changed: () => void,
  ) {
    this.docId = docId;
    this.keyring = keyring;
    this.onStaleManifest = onStaleManifest;
    this.changed = changed;
  }

  /**
   * The epoch to write under now, with its key: `null` when this device holds no key, or when a
   * device that may rotate keys writes under a newer epoch than this device's manifest names.
   */
  writableEpoch(): { epoch: number; key: Uint8Array } | null {
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

  /**
   * For an authenticated envelope of a device that may rotate keys, of an epoch newer than this
   * device's manifest names: write nothing more under the old key until the newer manifest is here.
   */
  awaitEpoch(env: Envelope): void {
    this.awaitingEpoch = Math.max(this.awaitingEpoch ?? 0, env.epoch);
    this.noteManifestVersion(env);
  }

  /** For an authenticated envelope of a device that may change sharing. */
  noteManifestVersion(env: Envelope): void {
    if (env.manifestVersion === undefined || !this.keyring.sawManifestVersion) return;
    const before = this.keyring.awaitedVersion?.() ?? null;
    this.keyring.sawManifestVersion(env.manifestVersion);
    if ((this.keyring.awaitedVersion?.() ?? null) !== before) this.onStaleManifest?.();
  }
}
