import {
  deviceKeysFromSeed,
  newSeed,
  openSealed,
  randomBytes,
  rootKeysFromSeed,
} from '$lib/core/crypto/index';
import {
  acceptManifest,
  linkContext,
  newMailboxId,
  openLockboxes,
  signLinkRequest,
  type LinkRequest,
} from '$lib/core/sharing/index';
import { granteeFor } from '$lib/core/sync/index';
import { getManifest, takeMailbox } from '$lib/platform/relay-http';
import { saveVault } from './record-open';
import { storeFor, type SessionOptions } from './session-types';

/**
 * The new device's side of linking: shows `code`, waits for the owner device to drop the sealed
 * root into the mailbox, then joins the record under a passphrase of its own. (The owner
 * device's side is `RecordSharing.approveLink`.)
 */
export interface PendingLink {
  readonly request: LinkRequest;
  readonly deviceSeed: Uint8Array;
  readonly boxSecret: Uint8Array;
}

export function startLink(relayUrl: string): PendingLink {
  const deviceSeed = newSeed();
  const device = deviceKeysFromSeed(deviceSeed);
  return {
    request: signLinkRequest(
      {
        mailbox: newMailboxId(randomBytes(16)),
        signPublic: device.signPublic,
        boxPublic: device.boxPublic,
        relayUrl,
      },
      device.signSecret,
    ),
    deviceSeed,
    boxSecret: device.boxSecret,
  };
}

/**
 * Polls the mailbox once; resolves to a session (opened with `unlock`, `RecordSession`'s, passed
 * in so that this file does not depend on the session) when the link completed, `null` if not
 * yet.
 */
export async function completeLink<S>(
  pending: PendingLink,
  passphrase: string,
  opts: SessionOptions,
  unlock: (passphrase: string, opts: SessionOptions) => Promise<S | null>,
): Promise<S | null> {
  const { relayUrl, mailbox } = pending.request;
  const sealed = await takeMailbox(relayUrl, mailbox);
  if (!sealed) return null;
  const payload = openSealed(pending.boxSecret, sealed, linkContext(mailbox));
  if (!payload || payload.length < 33) throw new Error('The link answer does not open.');
  const root = rootKeysFromSeed(payload.slice(0, 32));
  if (new TextDecoder().decode(payload.slice(32)) !== root.recordId) {
    throw new Error('The link answer is inconsistent.');
  }
  const bytes = await getManifest(relayUrl, root.recordId);
  if (!bytes) throw new Error('The record is not on the relay.');
  const manifest = acceptManifest(bytes, root.signPublic, null, Date.now());
  if ('error' in manifest) throw new Error(manifest.message);
  const device = deviceKeysFromSeed(pending.deviceSeed);
  if (!granteeFor(manifest, device.signPublic, manifest.compartments[0]!.docId, Date.now())) {
    throw new Error('The record does not list this device yet.');
  }
  const keys = openLockboxes(manifest, device);
  const store = storeFor(opts);
  await saveVault(
    store,
    passphrase,
    relayUrl,
    root,
    pending.deviceSeed,
    keys,
    manifest,
    opts,
    null,
  );
  await store.updateVault({ published: true });
  store.close();
  const session = await unlock(passphrase, opts);
  if (!session) throw new Error('The new vault does not open.');
  return session;
}
