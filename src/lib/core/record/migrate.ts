import type * as Y from 'yjs';
import { META, SCHEMA_VERSION, schemaVersion } from './entries';

/**
 * Schema migrations, run by an owner device when it opens a compartment whose `meta.schema` is
 * older than this app's {@link SCHEMA_VERSION}. Each step is idempotent, so two owner devices
 * migrating at once converge. A newer schema than the app knows is left untouched (the app then
 * reads what it understands and says it needs an update).
 */
export const MIGRATIONS: ReadonlyArray<{ to: number; run: (doc: Y.Doc) => void }> = [
  { to: 1, run: () => {} }, // v1: the first schema; nothing to change
];

export function migrate(doc: Y.Doc): { from: number; to: number } {
  const from = schemaVersion(doc);
  if (from >= SCHEMA_VERSION) return { from, to: from };
  doc.transact(() => {
    for (const step of MIGRATIONS) if (step.to > from) step.run(doc);
    doc.getMap<unknown>(META).set('schema', SCHEMA_VERSION);
  });
  return { from, to: SCHEMA_VERSION };
}
