import { CLOCK_SKEW_MS, type BindingStats } from '$lib/core/sync/index';
import { relayClockSkew } from '$lib/platform/relay-http';
import type { ConnectionState, DocSyncState } from '$lib/platform/relay-socket';
import type { SyncState } from './session-types';

/** What the sync status of a record is computed from. */
export interface SyncInputs {
  readonly hasAccess: boolean;
  readonly connState: ConnectionState;
  readonly publishError: string | null;
  readonly stats: readonly BindingStats[];
  readonly docStates: readonly DocSyncState[];
}

/** The record's sync status, as the UI words it (`SyncState`). */
export function syncStateOf(s: SyncInputs): SyncState {
  const rejected = s.stats.reduce((n, b) => n + b.rejected.length, 0);
  const gaps = s.stats.reduce((n, b) => n + b.gaps.size, 0);
  // The relay closing a document with `grant-ended` is the revocation on its way: the manifest
  // that ends this grant is being fetched. It reads as "access ended", never as a refusal.
  if (!s.hasAccess || s.docStates.some((d) => d.denied === 'grant-ended')) {
    return { state: 'problem', problem: 'access-ended' };
  }
  if (s.connState === 'denied') {
    // Tokens carry times: a device clock off by more than the relay tolerates is refused.
    const skew = relayClockSkew();
    return {
      state: 'problem',
      problem: skew !== null && Math.abs(skew) > CLOCK_SKEW_MS ? 'clock' : 'denied',
    };
  }
  if (s.publishError) {
    return { state: 'problem', problem: 'publish', detail: s.publishError };
  }
  if (rejected > 0) return { state: 'problem', problem: 'rejected', count: rejected };
  if (gaps > 0) return { state: 'problem', problem: 'gaps' };
  // Keys were changed on another device and the relay has not given this one the new sharing
  // list yet: changes wait here, never "synced", until it has.
  if (s.stats.some((b) => b.awaitingEpoch !== null || b.awaitingManifest !== null)) {
    const unsealed = s.stats.reduce((n, b) => n + b.unsealed, 0);
    return { state: 'problem', problem: 'awaiting-manifest', count: unsealed };
  }
  const unsealed = s.stats.reduce((n, b) => n + b.unsealed, 0);
  const pending = s.docStates.reduce((n, d) => n + d.unsynced, 0) + (unsealed > 0 ? 1 : 0);
  if (s.connState !== 'online') return { state: 'offline', pending };
  if (pending > 0 || s.docStates.some((d) => !d.synced)) return { state: 'pending', pending };
  return { state: 'synced' };
}
