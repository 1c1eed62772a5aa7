import type { Connection, Document } from '@hocuspocus/server';
import * as decoding from 'lib0/decoding';
import type { Authorizer } from './auth';
import { MessageType } from './gate';
import { checkUpdate, isRefusal, type UpdateSummary } from './policy';
import { Refusal, type SocketContext } from './relay-context';

/**
 * The policy check of every incoming message of an authenticated connection (`policy.ts` judges
 * the Yjs update it carries), and recognising the relay's acknowledgements among outgoing ones.
 */

const SYNC_STEP_2 = 1;
const SYNC_UPDATE = 2;

/**
 * Checks one incoming message of an authenticated connection: a refusal, the Yjs update it
 * brings (to store) with the policy's summary of it (`UpdateSummary`), or null when there is
 * nothing to store.
 */
export function inspectMessage(
  authorizer: Authorizer,
  connection: Connection,
  document: Document,
  data: Uint8Array,
): Refusal | (UpdateSummary & { update: Uint8Array }) | null {
  const grant = (connection.context as SocketContext).grant;
  if (!grant) return new Refusal(4401, 'not-authenticated');
  let update: Uint8Array;
  try {
    const d = decoding.createDecoder(data);
    decoding.readVarString(d);
    const type = decoding.readVarUint(d);
    if (type !== MessageType.Sync && type !== MessageType.SyncReply) return null;
    const step = decoding.readVarUint(d);
    if (step !== SYNC_STEP_2 && step !== SYNC_UPDATE) return null;
    update = decoding.readVarUint8Array(d);
  } catch {
    return new Refusal(4400, 'malformed-message');
  }
  // Hocuspocus applies nothing from read-only connections.
  if (connection.readOnly) return null;
  const verdict = checkUpdate(update, {
    docId: grant.docId,
    deviceKey: grant.deviceKey,
    role: grant.role,
    doc: document,
    isWriter: (author) => authorizer.isWriter(grant.recordId, grant.docId, author),
  });
  return isRefusal(verdict) ? new Refusal(4403, verdict.reason) : { ...verdict, update };
}

/** Whether an outgoing Hocuspocus message is a SyncStatus (an acknowledgement). */
export function isSyncStatus(message: Uint8Array): boolean {
  try {
    const d = decoding.createDecoder(message);
    decoding.readVarString(d);
    return decoding.readVarUint(d) === MessageType.SyncStatus;
  } catch {
    return false;
  }
}
