import * as decoding from 'lib0/decoding';

/**
 * The first look at every WebSocket frame, before Hocuspocus sees it. One gate per socket:
 *
 * - a token bucket limits the message rate (sustained `perSecond`, bursts of `burst`);
 * - frames must be binary Hocuspocus messages (`documentName`, `type`, …);
 * - awareness, awareness queries and stateless messages are dropped: presence would tell the
 *   relay (and everyone on a document) who is online, and nothing in Backpack uses them;
 * - a socket may open at most `maxDocuments` documents, and may queue only a few messages for a
 *   document that is not authenticated yet (Hocuspocus queues them without a bound);
 * - after a refused authentication, messages for that document are dropped (Hocuspocus never
 *   answers them), and after the relay closed a document, only a new authentication reopens it.
 */

/** Hocuspocus message types (`@hocuspocus/common`). */
export const MessageType = {
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
  SyncReply: 4,
  Stateless: 5,
  BroadcastStateless: 6,
  Close: 7,
  SyncStatus: 8,
} as const;

export interface GateLimits {
  readonly perSecond: number;
  readonly burst: number;
  readonly maxDocuments: number;
  /** Messages queued for a document before its authentication is answered. */
  readonly maxPending: number;
  /** Longest document name, characters. */
  readonly maxNameLength: number;
}

export type Verdict =
  | { readonly action: 'pass'; readonly documentName: string; readonly type: number }
  | { readonly action: 'drop'; readonly reason: string }
  | { readonly action: 'close'; readonly code: number; readonly reason: string };

type Phase =
  | { readonly state: 'authenticating'; pending: number }
  | { readonly state: 'open' }
  | { readonly state: 'denied' }
  | { readonly state: 'closed' };

export class SocketGate {
  private tokens: number;
  private last: number;
  private readonly docs = new Map<string, Phase>();

  constructor(
    private readonly limits: GateLimits,
    now: number,
  ) {
    this.tokens = limits.burst;
    this.last = now;
  }

  inspect(data: unknown, isBinary: boolean, now: number): Verdict {
    this.tokens = Math.min(
      this.limits.burst,
      this.tokens + ((now - this.last) / 1000) * this.limits.perSecond,
    );
    this.last = now;
    if (this.tokens < 1) return { action: 'close', code: 4429, reason: 'rate-limited' };
    this.tokens -= 1;

    if (!isBinary || !(data instanceof Uint8Array)) {
      return { action: 'close', code: 4400, reason: 'binary-messages-only' };
    }
    let documentName: string;
    let type: number;
    try {
      const d = decoding.createDecoder(data);
      documentName = decoding.readVarString(d);
      type = decoding.readVarUint(d);
    } catch {
      return { action: 'close', code: 4400, reason: 'malformed-message' };
    }
    if (documentName.length === 0 || documentName.length > this.limits.maxNameLength) {
      return { action: 'close', code: 4400, reason: 'bad-document-name' };
    }

    switch (type) {
      case MessageType.Awareness:
      case MessageType.QueryAwareness:
      case MessageType.Stateless:
      case MessageType.BroadcastStateless:
        return { action: 'drop', reason: 'presence-not-relayed' };
      case MessageType.Sync:
      case MessageType.SyncReply:
      case MessageType.Auth:
      case MessageType.Close:
        break;
      default:
        return { action: 'drop', reason: 'unknown-message-type' };
    }

    const phase = this.docs.get(documentName);
    if (!phase || phase.state === 'closed') {
      if (!phase && this.docs.size >= this.limits.maxDocuments) {
        return { action: 'close', code: 4429, reason: 'too-many-documents' };
      }
      // After the relay closed a document, Hocuspocus forgot it: only a new authentication
      // (which the provider sends first when it reattaches) opens it again.
      if (phase && type !== MessageType.Auth) return { action: 'drop', reason: 'document-closed' };
      this.docs.set(documentName, {
        state: 'authenticating',
        pending: type === MessageType.Auth ? 0 : 1,
      });
      return { action: 'pass', documentName, type };
    }
    switch (phase.state) {
      case 'denied':
        return { action: 'drop', reason: 'document-denied' };
      case 'authenticating':
        if (type !== MessageType.Auth && ++phase.pending > this.limits.maxPending) {
          return { action: 'close', code: 4429, reason: 'too-many-pending-messages' };
        }
        return { action: 'pass', documentName, type };
      case 'open':
        return { action: 'pass', documentName, type };
    }
  }

  authenticated(documentName: string): void {
    this.docs.set(documentName, { state: 'open' });
  }

  denied(documentName: string): void {
    this.docs.set(documentName, { state: 'denied' });
  }

  /** The document's connection closed (by either side). */
  closed(documentName: string): void {
    if (this.docs.get(documentName)?.state === 'open') {
      this.docs.set(documentName, { state: 'closed' });
    }
  }

  get documentCount(): number {
    return this.docs.size;
  }
}
