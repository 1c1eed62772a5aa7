import type { Authorizer, Grant } from './auth';

/**
 * Why the relay closes a document connection after a manifest change (issue 14 item 4):
 * `grant-ended` when the device holds no grant for the document any more (revoked, expired), or
 * `grant-changed` when it still does but with another role (a viewer made delegate, a delegate
 * made viewer). The device reconnects at once after `grant-changed`, with a token for its new
 * role, and says nothing about it; only `grant-ended` reads as "access ended".
 */
export type CloseReason = 'grant-ended' | 'grant-changed';

export function closeReason(authorizer: Authorizer, grant: Grant): CloseReason {
  return authorizer.holdsGrant?.(grant) ? 'grant-changed' : 'grant-ended';
}
