export { randomBytes } from './random';
export { encrypt, decrypt } from './aead';
export {
  deviceKeysFromSeed,
  deriveKey,
  rootKeysFromSeed,
  newSeed,
  sign,
  verify,
  deviceFingerprint,
  recordFingerprint,
  type KeyPairs,
  type DeviceKeys,
  type RootKeys,
} from './keys';
export { seal, openSealed } from './seal';
export {
  sealEnvelope,
  sealEnvelopeBytes,
  encryptEnvelope,
  signedEnvelope,
  type UnsignedEnvelope,
  openEnvelope,
  decryptEnvelope,
  verifyEnvelopeSignatureAsync,
} from './envelope';
export {
  verifyEd25519,
  verifyStrict,
  ed25519Backend,
  forceEd25519Backend,
  type Ed25519Backend,
} from './ed25519';
export { signEd25519Async, signEd25519Then } from './ed25519-sign';
export {
  wrapWithPassphrase,
  unwrapWithPassphrase,
  unwrapAndUpgrade,
  needsKdfUpgrade,
  meetsKdfMinimum,
  deriveKek,
  DEFAULT_KDF,
  LEGACY_KDF,
  KdfError,
  type KdfParams,
  type KdfSettings,
  type WrappedSecret,
} from './vault';
export {
  makeRecoveryKit,
  parseRecoveryCode,
  openRecoveryBlob,
  recoveryLocator,
  type RecoveryCode,
  type RecoveryKit,
  type KitParseError,
} from './recovery';
