import { describe, expect, it } from 'vitest';
import type { BindingStats } from '$lib/core/sync/index';
import { syncStateOf, type SyncInputs } from './sync-state';

const stats: BindingStats = {
  applied: 3,
  rejected: [],
  deferred: 0,
  unsealed: 0,
  awaitingEpoch: null,
  awaitingManifest: null,
  envelopes: 3,
  gaps: new Map(),
};

const base: SyncInputs = {
  hasAccess: true,
  connState: 'online',
  publishError: null,
  stats: [stats],
  docStates: [{ docId: 'clinical', synced: true, unsynced: 0, denied: null }],
};

describe('syncStateOf (issue 14 item 4)', () => {
  it('reads a grant the relay says ended as "access ended", never as a refusal', () => {
    const ended = syncStateOf({
      ...base,
      connState: 'denied',
      docStates: [{ docId: 'clinical', synced: false, unsynced: 0, denied: 'grant-ended' }],
    });
    expect(ended).toEqual({ state: 'problem', problem: 'access-ended' });
    expect(syncStateOf({ ...base, hasAccess: false })).toEqual({
      state: 'problem',
      problem: 'access-ended',
    });
  });

  it('a document waiting to re-authenticate after a role change is pending, not a problem', () => {
    const s = syncStateOf({
      ...base,
      docStates: [{ docId: 'clinical', synced: false, unsynced: 1, denied: null }],
    });
    expect(s).toEqual({ state: 'pending', pending: 1 });
  });
});
