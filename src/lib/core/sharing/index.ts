export {
  createRecordManifest,
  addOwnerDevice,
  acceptManifest,
  openLockboxes,
  signManifest,
  sealLockboxes,
  ManifestKeyring,
  type DevicePublic,
  type EpochKeys,
  type ManifestRejection,
} from './manifest';
export { encodeKeychain, decodeKeychain, type Keychain } from './keychain';
export {
  encodeLinkCode,
  parseLinkCode,
  newMailboxId,
  linkContext,
  deviceFingerprint,
  type LinkRequest,
  type LinkCodeError,
} from './link';
export { grantAccess, revokeAccess, GrantError, type GrantRequest } from './grants';
