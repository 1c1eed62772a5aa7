/** Why a SMART Health Link could not be read or opened. Messages never contain the payload. */
export type ShlProblem =
  | 'malformed-link'
  | 'unsupported-version'
  | 'insecure-url'
  | 'passcode-required'
  | 'wrong-passcode'
  | 'not-found'
  | 'http-error'
  | 'network'
  | 'bad-manifest'
  | 'too-large'
  | 'malformed-jwe'
  | 'unsupported-encryption'
  | 'decrypt-failed'
  | 'not-json';

export class ShlError extends Error {
  override name = 'ShlError';
  constructor(
    readonly code: ShlProblem,
    message: string,
    /** For `wrong-passcode`: attempts left before the link is disabled, as the host said. */
    readonly remainingAttempts?: number,
  ) {
    super(message);
  }
}
