import * as Y from 'yjs';
import {
  signEd25519Then,
  verifyEnvelopeSignatureAsync,
  type DeviceKeys,
} from '$lib/core/crypto/index';
import type { ManifestKeyring } from '$lib/core/sharing/index';
import {
  EncryptedDocBinding,
  type BindingStats,
  type ManifestCompartment,
  type Role,
  type SignedManifest,
} from '$lib/core/sync/index';
import {
  COMPARTMENT_ORIGIN,
  COMPARTMENTS,
  migrate,
  moveToNewCompartment,
  validateRecordUpdate,
  type Compartment,
} from '$lib/core/record/index';
import { persistOuter } from '$lib/platform/outer-store';
import type { DeviceStore } from '$lib/platform/vault-db';
import type { LocalStore } from './local-store';
import type { OpenCompartment, SessionOptions } from './session-types';

/**
 * A session's compartments: opening one (its outer and inner documents, the encrypted binding,
 * the owner's schema migrations) at open or when a new manifest grants it, and adding the
 * compartments a record made by an older app lacks.
 */

export interface CompartmentOpening {
  readonly recordId: string;
  readonly device: DeviceKeys;
  readonly keyring: ManifestKeyring;
  readonly store: DeviceStore;
  readonly local: LocalStore;
  readonly opts: SessionOptions;
  readonly onStats: (docId: string, stats: BindingStats) => void;
  readonly onStaleManifest: () => void;
  readonly onUpdate: () => void;
}

/** Opens one compartment's documents and binding for a device in `role`. */
export async function openCompartment(
  host: CompartmentOpening,
  c: ManifestCompartment,
  role: Role,
): Promise<OpenCompartment> {
  const { opts, device } = host;
  const outer = new Y.Doc();
  const persistence =
    opts.persist === false
      ? null
      : await persistOuter(host.store.outerDbName(host.recordId, c.docId), outer);
  const inner = new Y.Doc();
  const checkpoint = await host.local.loadCheckpoint(c.docId);
  const binding = new EncryptedDocBinding({
    ...(checkpoint ? { checkpoint } : {}),
    docId: c.docId,
    inner,
    outer,
    keyring: host.keyring,
    author: { signPublic: device.signPublic, signSecret: device.signSecret, role },
    validate: validateRecordUpdate,
    batchMs: opts.batchMs ?? 50,
    onChange: (st) => host.onStats(c.docId, st),
    onStaleManifest: host.onStaleManifest,
    // WebCrypto where the runtime has it: the envelopes of an open are checked concurrently.
    verifySignature: verifyEnvelopeSignatureAsync,
    // And signs with it: the event loop does not wait for the signature of a local change.
    sign: signEd25519Then,
  });
  await binding.settled();
  if (role === 'owner') migrate(inner, { deviceId: device.deviceId });
  inner.on('update', host.onUpdate);
  return { name: c.name, docId: c.docId, inner, outer, binding, persistence };
}

export interface CompartmentUpgrade {
  readonly device: DeviceKeys;
  readonly manifest: SignedManifest;
  readonly compartments: ReadonlyMap<string, OpenCompartment>;
  /** Adds the compartments the manifest lacks (root-signed, put on the relay); throws offline. */
  readonly addMissing: () => Promise<unknown>;
}

/**
 * A record made before a compartment existed gains it (`addCompartments`: the warning signs'
 * `safety`) once this owner device reaches the relay, and this device's warning signs move
 * there from `clinical`; a compaction then drops them from the relay's clinical copy. The
 * caller retries on its tick while the relay cannot be reached. Each owner device moves its own.
 * Only for an owner device holding the root. True once done: only this device writes its own
 * entries, and it writes no more where they lived once the new compartment exists, so the move
 * need not be looked for again in this session.
 */
export async function upgradeCompartments(host: CompartmentUpgrade): Promise<boolean> {
  const missing = COMPARTMENTS.some((n) => !host.manifest.compartments.some((c) => c.name === n));
  if (missing) {
    try {
      await host.addMissing();
    } catch {
      return false; // offline, or another device changed sharing first: the tick tries again
    }
  }
  for (const [name, from] of Object.entries(COMPARTMENT_ORIGIN) as [Compartment, Compartment][]) {
    const to = host.compartments.get(name);
    const old = host.compartments.get(from);
    if (!to || !old) return false;
    const author = { deviceId: host.device.deviceId, role: 'owner' as const };
    const moved = moveToNewCompartment(
      old.inner,
      to.inner,
      from,
      name,
      author,
      new Date().toISOString(),
    );
    if (moved > 0) {
      to.binding.flush();
      old.binding.compact();
    }
  }
  return true;
}
