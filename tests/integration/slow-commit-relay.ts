// The relay (`sync-server/src/main.ts`) with every SQLite append held back for 1.5 s before it
// runs, so that a test can kill it between forwarding an update and committing it. Run as a
// process entry only (it patches the store for the whole process).
import { SqliteStore } from '../../sync-server/src/sqlite-store';

const COMMIT_DELAY_MS = 1500;

const append = SqliteStore.prototype.appendUpdate;
SqliteStore.prototype.appendUpdate = function (
  this: SqliteStore,
  doc: string,
  update: Uint8Array,
): Promise<number> {
  return new Promise<void>((r) => setTimeout(r, COMMIT_DELAY_MS)).then(() =>
    append.call(this, doc, update),
  );
};

await import('../../sync-server/src/main');
