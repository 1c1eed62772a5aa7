/**
 * The error value every protocol decoder and verifier returns instead of throwing: a literal code
 * to switch on and a message for people.
 */

/** Literal error codes; callers switch on `error`, people read `message`. */
export type ProtocolErrorCode =
  | 'malformed'
  | 'unsupported-version'
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'lifetime-too-long'
  | 'wrong-document'
  | 'wrong-relay'
  | 'wrong-request'
  | 'bad-name'
  | 'wrong-record'
  | 'stale'
  | 'not-permitted';

export interface ProtocolError {
  readonly error: ProtocolErrorCode;
  readonly message: string;
}

export function protocolError(error: ProtocolErrorCode, message: string): ProtocolError {
  return { error, message };
}

export function isProtocolError(x: unknown): x is ProtocolError {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as { error?: unknown }).error === 'string' &&
    typeof (x as { message?: unknown }).message === 'string' &&
    !(x instanceof Uint8Array)
  );
}
