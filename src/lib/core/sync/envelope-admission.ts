import type { Keyring, RejectReason } from './binding-types';
import type { Envelope, Role } from './protocol';

/**
 * What this device's keyring says of a received envelope before its seq, signature and content
 * are looked at: whether its author may write here, in its role, and the key of its epoch.
 *
 * - `writer`: a writer of this document, with the epoch key to decrypt with;
 * - `refused`: never applicable (not a writer, a snapshot by a non-owner, an epoch older than the
 *   current one and unknown here);
 * - `unknown-author`: the manifest this device holds does not know the author, so it may be stale;
 * - `newer-epoch`: an epoch after the current one, whose key (in a newer manifest) is not here yet;
 * - `no-key`: no key for the epoch, and no current one to compare it with.
 *
 * The last three are deferred by the binding and looked at again once the keyring changes.
 */
export type Admission =
  | { readonly kind: 'writer'; readonly role: Role; readonly key: Uint8Array }
  | {
      readonly kind: 'refused';
      readonly reason: Extract<
        RejectReason,
        'not-a-writer' | 'snapshot-not-owner' | 'unknown-epoch'
      >;
    }
  | { readonly kind: 'unknown-author' | 'newer-epoch' | 'no-key' };

export function admit(keyring: Keyring, docId: string, env: Envelope): Admission {
  const role = keyring.writerRole(docId, env.author);
  if (role === null && keyring.knows && !keyring.knows(env.author))
    return { kind: 'unknown-author' };
  if (role === null) return { kind: 'refused', reason: 'not-a-writer' };
  if (env.kind === 'snapshot' && role !== 'owner') {
    return { kind: 'refused', reason: 'snapshot-not-owner' };
  }
  const key = keyring.key(docId, env.epoch);
  if (key) return { kind: 'writer', role, key };
  const current = keyring.current(docId);
  if (current && env.epoch < current.epoch) return { kind: 'refused', reason: 'unknown-epoch' };
  return { kind: current && env.epoch > current.epoch ? 'newer-epoch' : 'no-key' };
}
