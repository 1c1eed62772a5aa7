import type * as Y from 'yjs';
import { QUESTIONNAIRE, readQuestionnaireResponse, storedForm } from './clinical';
import { entriesMap, META, putEntry, readEntry, SCHEMA_VERSION, schemaVersion } from './entries';

/**
 * Schema migrations, run by an owner device when it opens a compartment whose `meta.schema` is
 * older than this app's {@link SCHEMA_VERSION}. Each step is idempotent, so two owner devices
 * migrating at once converge. A newer schema than the app knows is left untouched (the app then
 * reads what it understands and says it needs an update).
 *
 * A step rewrites an entry under the same key and keeps every field but `data`, including its
 * author. The record's write rules let a device write only entries that name it as author, so a
 * step rewrites only this device's own entries; entries from other devices stay as they are and
 * every reader normalises them ({@link readQuestionnaireResponse}).
 */
export interface MigrationContext {
  /** Hex of this device's signing key: the author of the entries it may rewrite. */
  readonly deviceId: string;
}

export const MIGRATIONS: ReadonlyArray<{
  to: number;
  run: (doc: Y.Doc, ctx: MigrationContext) => void;
}> = [
  { to: 1, run: () => {} }, // v1: the first schema; nothing to change
  { to: 2, run: reorderOrebro },
];

/**
 * v2 [ORE-7]: ÖMPSQ-10 responses stored without a version follow the old item order; store them
 * keyed by item (the published order) with the version. Responses that already carry a version, tombstones,
 * and responses this app cannot read are left alone.
 */
export function reorderOrebro(doc: Y.Doc, ctx: MigrationContext): number {
  const map = entriesMap(doc);
  let changed = 0;
  for (const [key, value] of [...map.entries()]) {
    const entry = readEntry(value);
    if (!entry || entry.id !== key || entry.deleted || entry.type !== QUESTIONNAIRE) continue;
    if (entry.author.deviceId !== ctx.deviceId) continue;
    const data = entry.data as { instrument?: unknown; version?: unknown } | null;
    if (data === null || typeof data !== 'object') continue;
    if (data.instrument !== 'orebro' || data.version !== undefined) continue;
    // Blank items stay blank (the response still shows, as "not scored").
    const current = readQuestionnaireResponse(data);
    if (current === null) continue;
    putEntry(doc, { ...entry, data: storedForm(current) });
    changed++;
  }
  return changed;
}

export function migrate(doc: Y.Doc, ctx: MigrationContext): { from: number; to: number } {
  const from = schemaVersion(doc);
  if (from >= SCHEMA_VERSION) return { from, to: from };
  doc.transact(() => {
    for (const step of MIGRATIONS) if (step.to > from) step.run(doc, ctx);
    doc.getMap<unknown>(META).set('schema', SCHEMA_VERSION);
  });
  return { from, to: SCHEMA_VERSION };
}
