export { ShlError, type ShlProblem } from './errors';
export {
  parseShlink,
  formatShlink,
  isAllowedUrl,
  base64urlDecode,
  base64urlEncode,
  MAX_LINK_CHARS,
  type ShlinkPayload,
} from './payload';
export { encryptFile, decryptFile, MAX_JWE_CHARS, MAX_PLAINTEXT_BYTES } from './jwe';
export {
  openShlink,
  SHL_CONTENT_TYPES,
  MAX_FILES,
  type FetchLike,
  type OpenOptions,
  type ShlContentType,
  type ShlFile,
} from './open';
export { createShlink, newShlId, type CreateShlinkInput, type CreatedShlink } from './create';
