import {
  deviceKeysFromSeed,
  makeRecoveryKit,
  newSeed,
  openRecoveryBlob,
  openSealed,
  parseRecoveryCode,
  randomBytes,
  rootKeysFromSeed,
  unwrapAndUpgrade,
  wrapWithPassphrase,
  type RootKeys,
} from '$lib/core/crypto/index';
import {
  acceptManifest,
  addOwnerDevice,
  createRecordManifest,
  decodeKeychain,
  encodeKeychain,
  linkContext,
  newMailboxId,
  openLockboxes,
  signLinkRequest,
  type EpochKeys,
  type LinkRequest,
} from '$lib/core/sharing/index';
import {
  decodeManifest,
  encodeManifest,
  granteeFor,
  isProtocolError,
  type SignedManifest,
} from '$lib/core/sync/index';
import {
  getManifest,
  getRecoveryBlob,
  getRecoveryBlobByLocator,
  putManifest,
  takeMailbox,
} from '$lib/platform/relay-http';
import type { DeviceStore, VaultRow } from '$lib/platform/vault-db';
import { RestoreError, storeFor, type SessionOptions } from './session-types';

/**
 * Where a record session starts: a new record, the record stored on this device, a restore from
 * the recovery code, or linking a new device. Each ends by opening the keys with `open`
 * (`RecordSession`'s own opener, passed in so that this file does not depend on the session).
 */
export type Opener<S> = (
  relayUrl: string,
  deviceSeed: Uint8Array,
  root: RootKeys | null,
  manifest: SignedManifest,
  keys: EpochKeys,
  opts: SessionOptions,
) => Promise<S>;

/** Creates a new record on this device. Returns the session and the recovery kit code. */
export async function createRecord<S>(
  passphrase: string,
  relayUrl: string,
  opts: SessionOptions,
  open: Opener<S>,
): Promise<{ session: S; recoveryCode: string }> {
  const root = rootKeysFromSeed(newSeed());
  const deviceSeed = newSeed();
  const device = deviceKeysFromSeed(deviceSeed);
  const { manifest, keys } = createRecordManifest(
    root,
    device,
    Date.now(),
    opts.asOlderApp?.compartments,
  );
  const kit = makeRecoveryKit(root);
  await saveVault(
    storeFor(opts),
    passphrase,
    relayUrl,
    root,
    deviceSeed,
    keys,
    manifest,
    opts,
    kit,
  );
  const session = await open(relayUrl, deviceSeed, root, manifest, keys, opts);
  return { session, recoveryCode: kit.code };
}

/** Unlocks the record stored on this device; `null` when the passphrase is wrong. */
export async function unlockRecord<S>(
  passphrase: string,
  opts: SessionOptions,
  open: Opener<S>,
): Promise<S | null> {
  const store = storeFor(opts);
  const row = await store.readVault();
  if (!row) throw new Error('There is no record on this device.');
  const opened = await unwrapAndUpgrade(passphrase, row.keychain, opts.kdf);
  if (!opened) return null;
  const keychain = decodeKeychain(opened.secret);
  if (!keychain) throw new Error('The stored keys are damaged.');
  const manifest = decodeManifest(row.manifest);
  if (isProtocolError(manifest)) throw new Error('The stored manifest is damaged.');
  const root = keychain.rootSeed ? rootKeysFromSeed(keychain.rootSeed) : null;
  const session = await open(
    row.relayUrl,
    keychain.deviceSeed,
    root,
    manifest,
    keychain.epochKeys,
    opts,
  );
  // Weaker KDF settings are replaced after the record is open, in one write: the old or the
  // new wrapping, never neither. Should it fail, the old stays and the next unlock tries again.
  if (opened.upgrade) {
    void opened
      .upgrade()
      .then((keychain) => store.updateVault({ keychain }))
      .catch(() => undefined)
      .finally(() => store.close());
  }
  return session;
}

/** Restores the record on a new device from the recovery code and the relay's copy. */
export async function restoreRecord<S>(
  code: string,
  passphrase: string,
  relayUrl: string,
  opts: SessionOptions,
  open: Opener<S>,
): Promise<S> {
  const parsed = parseRecoveryCode(code);
  if ('error' in parsed) throw new RestoreError(parsed.error);
  const blob =
    parsed.format === 2
      ? await getRecoveryBlobByLocator(relayUrl, parsed.locator)
      : await getRecoveryBlob(relayUrl, parsed.recordId);
  if (!blob) throw new RestoreError('not-found');
  const root = openRecoveryBlob(parsed, blob);
  if (!root) throw new RestoreError('does-not-open');
  const bytes = await getManifest(relayUrl, root.recordId);
  if (!bytes) throw new RestoreError('not-found');
  const current = acceptManifest(bytes, root.signPublic, null, Date.now());
  if ('error' in current) throw new RestoreError('manifest', current.message);
  const keys = openLockboxes(current, root);
  const deviceSeed = newSeed();
  const device = deviceKeysFromSeed(deviceSeed);
  const manifest = addOwnerDevice(current, root, device, keys, Date.now());
  await putManifest(relayUrl, manifest);
  const store = storeFor(opts);
  await saveVault(store, passphrase, relayUrl, root, deviceSeed, keys, manifest, opts, null);
  await store.updateVault({ published: true });
  return open(relayUrl, deviceSeed, root, manifest, keys, opts);
}

export async function saveVault(
  store: DeviceStore,
  passphrase: string,
  relayUrl: string,
  root: RootKeys,
  deviceSeed: Uint8Array,
  keys: EpochKeys,
  manifest: SignedManifest,
  opts: SessionOptions,
  kit: { readonly blob: Uint8Array; readonly locator: string } | null,
): Promise<void> {
  const secret = encodeKeychain({ deviceSeed, rootSeed: root.seed, epochKeys: keys });
  const row: VaultRow = {
    id: 'device',
    recordId: root.recordId,
    rootKey: root.signPublic,
    relayUrl,
    keychain: await wrapWithPassphrase(passphrase, secret, opts.kdf),
    manifest: encodeManifest(manifest),
    manifestVersion: manifest.version,
    createdAt: Date.now(),
    published: false,
    pendingRecoveryBlob: kit?.blob ?? null,
    pendingRecoveryLocator: kit?.locator ?? null,
  };
  await store.writeVault(row);
}

/**
 * The new device's side of linking: shows `code`, waits for the owner device to drop the sealed
 * root into the mailbox, then joins the record under a passphrase of its own.
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

/** Polls the mailbox once; resolves to a session when the link completed, `null` if not yet. */
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
