import type { RelayConfig } from './config';
import type { Logger } from './log';
import { SqliteStore } from './sqlite-store';
import type { RelayStore } from './store';

/** The store the configuration names: PostgreSQL with `storeUrl`, else SQLite in `dataDir`. */
export async function openStore(config: RelayConfig, log: Logger): Promise<RelayStore> {
  if (config.storeUrl === null) return new SqliteStore(config.dataDir);
  const { PgStore } = await import('./pg-store');
  return PgStore.open(config.storeUrl, { log });
}
