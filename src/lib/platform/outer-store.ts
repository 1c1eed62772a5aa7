import { IndexeddbPersistence } from 'y-indexeddb';
import type * as Y from 'yjs';

/**
 * Persists an outer document (a `Y.Array` of encrypted envelopes) with y-indexeddb under `name`
 * and resolves once the stored state is loaded into `doc`.
 */
export async function persistOuter(name: string, doc: Y.Doc): Promise<IndexeddbPersistence> {
  const persistence = new IndexeddbPersistence(name, doc);
  await persistence.whenSynced;
  return persistence;
}
