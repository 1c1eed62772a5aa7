import {
  deviceKeysFromSeed,
  makeRecoveryKit,
  newSeed,
  openRecoveryBlob,
  parseRecoveryCode,
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
  openLockboxes,
  type EpochKeys,
} from '$lib/core/sharing/index';
import {
  decodeManifest,
  encodeManifest,
  isProtocolError,
  type SignedManifest,
} from '$lib/core/sync/index';
import {
  getManifest,
  getRecoveryBlob,
  getRecoveryBlobByLocator,
  putManifest,
} from '$lib/platform/relay-http';
import type { DeviceStore, VaultRow } from '$lib/platform/vault-db';
import { RestoreError, storeFor, type SessionOptions } from './session-types';

/**
 * Where a record session starts: a new record, the record stored on this device, or a restore
 * from the recovery code (linking a new device is `device-link.ts`). Each ends by opening the
 * keys with `open` (`RecordSession`'s own opener, passed in so that this file does not depend on
 * the session).
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
