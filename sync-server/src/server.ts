import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManifestAuthorizer, ManifestRegistry, NonceCache, type Authorizer } from './auth';
import type { RelayConfig } from './config';
import { attachWebSocket, createRequestHandler } from './http';
import { createLogger, type Logger } from './log';
import { Metrics } from './metrics';
import { Relay } from './relay';
import { Store } from './store';

/**
 * One Node process, one port: the relay's WebSocket (`/sync`), its HTTP API (`/api/…`),
 * `/healthz`, `/metrics`, and, when configured, the built PWA.
 */
export interface RunningServer {
  readonly url: string;
  readonly port: number;
  /** The relay, for tests and benchmarks (grant enforcement, counts). */
  readonly relay: Relay;
  readonly manifests: ManifestRegistry;
  readonly store: Store;
  /** Stops accepting, closes the sockets, folds the logs and closes the store. Idempotent. */
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Replaces the manifest-based authorizer (tests). */
  readonly authorizer?: (manifests: ManifestRegistry) => Authorizer;
  readonly now?: () => number;
}

export async function startServer(
  config: RelayConfig,
  logger: Logger = createLogger((line) => process.stdout.write(line + '\n'), config.quiet),
  options: ServerOptions = {},
): Promise<RunningServer> {
  const now = options.now ?? Date.now;
  const store = new Store(config.dataDir);
  const manifests = new ManifestRegistry(store);
  const nonces = new NonceCache();
  const authorizer = options.authorizer
    ? options.authorizer(manifests)
    : new ManifestAuthorizer(manifests, nonces, now);
  const metrics = new Metrics();
  const relay = new Relay({
    store,
    authorizer,
    log: logger,
    metrics,
    now,
    limits: {
      perSecond: config.maxMessagesPerSecond,
      burst: config.maxMessagesPerSecond * 10,
      maxDocuments: config.maxDocumentsPerSocket,
      maxPending: 64,
      maxNameLength: 160,
    },
  });
  const stopWatching = manifests.onChange((m) => relay.enforceGrants(m.recordId));

  const server = createServer(
    createRequestHandler({ config, store, manifests, nonces, relay, metrics, log: logger, now }),
  );
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  const wss = attachWebSocket(server, { config, relay, metrics, log: logger });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    store.close();
    const code = (e as { code?: unknown }).code;
    if (code === 'EADDRINUSE') {
      throw new Error(
        `Port ${config.port} on ${config.host} is in use. Choose another with --port.`,
        { cause: e },
      );
    }
    if (code === 'EACCES') {
      throw new Error(`Not allowed to listen on ${config.host}:${config.port}.`, { cause: e });
    }
    throw e;
  }
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  logger.info('relay listening', { event: 'listening', url, port });

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    relay,
    manifests,
    store,
    close() {
      closing ??= (async () => {
        stopWatching();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await relay.close();
        wss.close();
        server.closeAllConnections();
        await stopped;
        store.close();
        logger.info('relay stopped', { event: 'stopped' });
      })();
      return closing;
    },
  };
}
