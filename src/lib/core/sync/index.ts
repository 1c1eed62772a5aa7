export * from './protocol';
export {
  EncryptedDocBinding,
  OUTER_ARRAY,
  MISSING_STATE,
  type Keyring,
  type LocalAuthor,
  type UpdateValidator,
  type RejectReason,
  type Rejection,
  type BindingStats,
  type BindingOptions,
} from './binding';
export { MemoryKeyring } from './keyring';
