import type { Document } from '@hocuspocus/server';
import { manifestNotice, toHex } from '../../src/lib/core/sync/protocol';
import type { Authorizer, Grant } from './auth';
import type { Logger } from './log';
import type { Metrics } from './metrics';
import { closeReason } from './notify';
import { shortKey, type SocketContext } from './relay-context';
import type { RelayStore } from './store';

/** What keeping connections to their grants needs of the relay. */
export interface GrantsHost {
  readonly store: RelayStore;
  readonly authorizer: Authorizer;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly now: () => number;
  /** The documents Hocuspocus holds, by name. */
  documents(): Iterable<Document>;
  /** The relay is shutting down: no timer is armed. */
  closing(): boolean;
}

/** At most one "last seen" write per (record, device) in this window: a reconnect storm or a
 * socket with many documents costs one fsync, and owners see the time to within a minute. */
const SEEN_WRITE_INTERVAL_MS = 60_000;

/**
 * The relay's bookkeeping of authorised connections: closing those whose grant vanished,
 * expired or changed role (at a manifest change, or when a `notAfter` passes), telling the
 * others of a new manifest, and when each grantee's device was last connected.
 */
export class ConnectionGrants {
  private expiryTimer: NodeJS.Timeout | null = null;
  private expiryAt = Infinity;
  /** `${recordId}:${deviceHex}` → when its "last seen" was last written, oldest first. */
  private readonly seenWrites = new Map<string, number>();

  constructor(private readonly host: GrantsHost) {}

  /**
   * Closes every document connection whose grant vanished, expired or changed role (of one
   * record, or all), and re-arms the `notAfter` timer. With `version`, the record's other
   * connections are told of the new manifest. Returns how many it closed.
   */
  enforce(recordId?: string, version?: number): number {
    const { log, metrics, authorizer } = this.host;
    let closed = 0;
    let next = Infinity;
    for (const document of this.host.documents()) {
      for (const connection of document.getConnections()) {
        const ctx = connection.context as Partial<SocketContext>;
        const grant = ctx.grant;
        if (!grant) continue;
        const current =
          !recordId || grant.recordId === recordId ? authorizer.recheck(grant) : grant;
        if (!current) {
          connection.close({ code: 4403, reason: closeReason(authorizer, grant) });
          closed++;
          metrics.connectionsClosedByGrant++;
          log.info('connection closed: grant ended', {
            event: 'grant-ended',
            doc: document.name,
            device: shortKey(grant.deviceKey),
          });
          continue;
        }
        ctx.grant = current;
        if (current.notAfter !== null) next = Math.min(next, current.notAfter);
        // Tell the devices that stay that the manifest changed, so they fetch it at once
        // instead of on their next poll (and stop writing under a key that just rotated).
        if (version !== undefined && grant.recordId === recordId) {
          connection.sendStateless(manifestNotice(version));
        }
      }
    }
    this.expiryAt = Infinity;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    this.scheduleExpiry(next === Infinity ? null : next);
    return closed;
  }

  /** Arms the timer that enforces grants when the earliest `notAfter` passes. */
  scheduleExpiry(at: number | null): void {
    if (at === null || at >= this.expiryAt || this.host.closing()) return;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryAt = at;
    const delay = Math.min(Math.max(0, at - this.host.now()) + 10, 2 ** 31 - 1);
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = null;
      this.expiryAt = Infinity;
      this.enforce();
    }, delay);
    this.expiryTimer.unref();
  }

  /** Stores when a grantee's device was last connected (throttled, see above). Never throws. */
  markSeen(grant: Grant): void {
    const { store, log } = this.host;
    const now = this.host.now();
    const key = `${grant.recordId}:${toHex(grant.deviceKey)}`;
    const last = this.seenWrites.get(key);
    if (last !== undefined && now - last < SEEN_WRITE_INTERVAL_MS) return;
    // Re-inserted so the map stays ordered by write time: stale entries are dropped from the
    // front, and the map holds only the pairs written within the window.
    this.seenWrites.delete(key);
    this.seenWrites.set(key, now);
    for (const [k, t] of this.seenWrites) {
      if (now - t < SEEN_WRITE_INTERVAL_MS) break;
      this.seenWrites.delete(k);
    }
    if (store.isClosed) return;
    // Only informative: the connection goes on.
    store.markSeen(grant.recordId, grant.deviceKey, now).catch(() => {
      log.warn('storing last seen failed', { event: 'seen-failed', record: grant.recordId });
    });
  }

  /** Stops the expiry timer (the relay is closing). */
  stop(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
  }
}
