import type { Grant } from './auth';
import type { SocketGate } from './gate';
import { toHex } from '../../src/lib/core/sync/protocol';

/** What the relay keeps per socket (Hocuspocus' connection context). */
export interface SocketContext {
  readonly gate: SocketGate;
  grant?: Grant;
}

/** A refusal Hocuspocus passes on: `reason` goes to the client. No message, so it logs nothing. */
export class Refusal extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super('');
    this.stack = `Refusal ${code}: ${reason}`;
  }
}

/** A device key as logged: its first four bytes in hex. */
export const shortKey = (key: Uint8Array) => toHex(key).slice(0, 8);
