import type { DeviceKeys, RootKeys } from '$lib/core/crypto/index';
import { openLockboxes, type EpochKeys, type ManifestKeyring } from '$lib/core/sharing/index';
import {
  encodeManifest,
  granteeFor,
  type ManifestCompartment,
  type ManifestGrantee,
  type Role,
  type SignedManifest,
} from '$lib/core/sync/index';
import type { DeviceStore } from '$lib/platform/vault-db';
import type { OpenCompartment, SessionOptions } from './session-types';

/** What moving to a newer manifest needs of its session. */
export interface ManifestAdoption {
  readonly device: DeviceKeys;
  readonly root: RootKeys | null;
  readonly keyring: ManifestKeyring;
  readonly epochKeys: EpochKeys;
  readonly compartments: ReadonlyMap<string, OpenCompartment>;
  readonly store: DeviceStore;
  readonly opts: SessionOptions;
  manifest(): SignedManifest;
  setManifest(m: SignedManifest): void;
  /** This device's role in the current manifest. */
  role(): ManifestGrantee['role'] | undefined;
  released(): boolean;
  openCompartment(c: ManifestCompartment, role: Role): Promise<void>;
  /** The relay connection follows the new manifest (`opened`: compartments were opened). */
  followManifest(opened: boolean): void;
  notify(): void;
}

/**
 * Moves a session to the newest of `steps` (each a verified successor of the one before): its
 * keys, the compaction after a rotation, the compartments it grants that this device did not
 * hold, the stored copy, and the relay connection.
 */
export async function adoptManifests(
  host: ManifestAdoption,
  steps: readonly SignedManifest[],
): Promise<void> {
  const before = host.manifest();
  let previous = before;
  for (const step of steps) {
    host.keyring.update(step, host.device);
    if (host.root) openLockboxes(step, host.root, host.epochKeys, previous);
    previous = step;
  }
  const m = previous;
  host.setManifest(m);
  for (const c of host.compartments.values()) {
    c.binding.retryDeferred();
    await c.binding.settled();
    // After a rotation an owner device writes a snapshot under the new epoch and deletes the
    // older envelopes (DESIGN §3, steps 3 and 4).
    const was = before.compartments.find((x) => x.docId === c.docId)?.epoch ?? 0;
    const now = m.compartments.find((x) => x.docId === c.docId)?.epoch ?? 0;
    if (now > was && host.role() === 'owner') c.binding.compact();
  }
  // A compartment this device may read now and did not hold (added to the record, or to this
  // device's grant): open it, and sync it from here on.
  let opened = false;
  for (const c of m.compartments) {
    if (host.released() || host.compartments.has(c.name)) continue;
    if (!granteeFor(m, host.device.signPublic, c.docId, Date.now())) continue;
    await host.openCompartment(c, host.role() ?? 'viewer');
    opened = true;
  }
  await host.store.updateVault({ manifest: encodeManifest(m), manifestVersion: m.version });
  await host.opts.onManifest?.(m);
  // Access ended (revoked, removed): stop talking to the relay for this record; the manifest
  // poll stays, so being shared with again reconnects.
  host.followManifest(opened);
  host.notify();
}
