import type { Document } from '@hocuspocus/server';
import * as Y from 'yjs';
import type { Logger } from './log';
import type { Metrics } from './metrics';
import type { RelayStore } from './store';

/** What applying other instances' rows needs of the relay. */
export interface RemoteHost {
  readonly store: RelayStore;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Documents loaded or loading here, by name. */
  readonly live: ReadonlyMap<string, Document>;
  /** The relay is shutting down: nothing more is applied. */
  closing(): boolean;
}

/**
 * Other instances' commits (see "Several instances" in `relay.ts`): the rows a notification names
 * are applied to the loaded document without an origin, and every loaded document is reloaded
 * when the notification channel was lost. Returns the function that stops watching.
 */
export function watchOtherInstances(host: RemoteHost): () => void {
  return host.store.watch({
    updates: (doc, ids, sentAt, data) => applyRemote(host, doc, ids, sentAt, data),
    manifest: () => undefined, // the manifest registry listens for these (auth.ts)
    resync: () => {
      for (const doc of host.live.keys()) reloadRemote(host, doc);
    },
  });
}

/** Applies rows another instance stored to the loaded document (and so to its clients). */
function applyRemote(
  host: RemoteHost,
  doc: string,
  ids: readonly number[],
  sentAt: number,
  inline?: ReadonlyMap<number, Uint8Array>,
): void {
  const document = host.live.get(doc);
  if (!document || host.closing()) return;
  const { store, metrics, log } = host;
  // Small rows came with the notification: applied at once, without a query.
  const missing = ids.filter((id) => !inline?.has(id));
  if (inline && inline.size > 0) {
    let applied = 0;
    for (const id of ids) {
      const data = inline.get(id);
      if (!data) continue;
      Y.applyUpdate(document, data);
      applied++;
    }
    metrics.remoteApplied(applied, Date.now() - sentAt);
  }
  if (missing.length === 0) return;
  store.updatesById(doc, missing).then(
    (rows) => {
      for (const r of rows) Y.applyUpdate(document, r.data);
      metrics.remoteApplied(rows.length, Date.now() - sentAt);
    },
    () => {
      log.warn('loading another instance’s update failed; reloading', {
        event: 'remote-failed',
        doc,
      });
      reloadRemote(host, doc);
    },
  );
}

function reloadRemote(host: RemoteHost, doc: string): void {
  const document = host.live.get(doc);
  if (!document || host.closing() || host.store.isClosed) return;
  host.store.loadDocument(doc).then(
    (state) => {
      if (state) Y.applyUpdate(document, state);
    },
    () => host.log.warn('reloading a document failed', { event: 'reload-failed', doc }),
  );
}
