import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { relayOrigin } from '../../src/lib/core/sync/protocol';
import { ManifestAuthorizer, ManifestRegistry, NonceCache, type Authorizer } from './auth';
import type { RelayConfig } from './config';
import { attachWebSocket, createRequestHandler } from './http';
import { createLogger, type Logger } from './log';
import { Metrics } from './metrics';
import { installNativeEd25519 } from './native-ed25519';
import { Relay } from './relay';
import { openStore } from './open-store';
import { PushService, type PushSender } from './push/service';
import type { RelayStore } from './store';

/**
 * One Node process, one port: the relay's WebSocket (`/sync`), its HTTP API (`/api/…`),
 * `/healthz`, `/metrics`, and, when configured, the built PWA.
 */
export interface RunningServer {
  readonly url: string;
  readonly port: number;
  /** The origins tokens must name: `config.origins`, or derived from host and port. */
  readonly origins: readonly string[];
  /** The relay, for tests and benchmarks (grant enforcement, counts). */
  readonly relay: Relay;
  readonly manifests: ManifestRegistry;
  readonly store: RelayStore;
  /** Web Push reminders (tests tick it by hand). */
  readonly push: PushService;
  /** Stops accepting, closes the sockets, folds the logs and closes the store. Idempotent. */
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Replaces the manifest-based authorizer (tests). */
  readonly authorizer?: (manifests: ManifestRegistry) => Authorizer;
  readonly now?: () => number;
  /** Replaces the Web Push request (tests). */
  readonly pushSender?: PushSender;
  /** Milliseconds between reminder ticks (default 30 s; 0: only by hand, tests). */
  readonly pushTickMs?: number;
}

export async function startServer(
  config: RelayConfig,
  logger: Logger = createLogger((line) => process.stdout.write(line + '\n'), config.quiet),
  options: ServerOptions = {},
): Promise<RunningServer> {
  installNativeEd25519();
  const now = options.now ?? Date.now;
  const store = await openStore(config, logger);
  const manifests = new ManifestRegistry(store);
  const nonces = new NonceCache();
  // Known once listening (port 0 picks one); nothing is authenticated before that.
  let origins: readonly string[] = config.origins ?? [];
  const getOrigins = () => origins;
  const authorizer = options.authorizer
    ? options.authorizer(manifests)
    : new ManifestAuthorizer(manifests, { origins: getOrigins, nonces, now });
  const metrics = new Metrics();
  const push = await PushService.open({
    store,
    manifests,
    log: logger,
    now,
    allowLoopback: config.pushAllowLoopback,
    subject: () =>
      config.pushSubject ?? origins.find((o) => o.startsWith('https:')) ?? 'mailto:relay@localhost',
    ...(options.pushSender ? { send: options.pushSender } : {}),
  });
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
    onEnvelopesStored: (recordId, docId, author) =>
      void push.messageArrived(recordId, docId, author),
  });
  const stopWatching = manifests.onChange((m) => relay.enforceGrants(m.recordId, m.version));

  const server = createServer(
    createRequestHandler({
      config,
      store,
      manifests,
      nonces,
      relay,
      metrics,
      log: logger,
      origins: getOrigins,
      push,
      now,
    }),
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
    manifests.close();
    await push.close();
    await store.close();
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
  origins = config.origins ?? defaultOrigins(config.host, port);
  logger.info('relay listening', { event: 'listening', url, port });
  for (const origin of origins)
    logger.info('tokens accepted for', { event: 'origin', url: origin });
  if (!config.origins && !isLoopback(config.host)) {
    logger.warn('no --origin set: tokens are accepted for the listening addresses only', {
      event: 'origin-derived',
      count: origins.length,
    });
  }

  if (options.pushTickMs !== 0) push.start(options.pushTickMs);

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    origins,
    relay,
    manifests,
    store,
    push,
    close() {
      closing ??= (async () => {
        stopWatching();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await relay.close();
        wss.close();
        server.closeAllConnections();
        await stopped;
        await push.close();
        manifests.close();
        await store.close();
        logger.info('relay stopped', { event: 'stopped' });
      })();
      return closing;
    },
  };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function isLoopback(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase());
}

function originOf(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host.toLowerCase();
  const text = `http://${h}:${port}`;
  return relayOrigin(text) ?? text;
}

/**
 * The origins of a relay without `--origin`: `http://host:port`; on loopback also the other
 * loopback names; on a wildcard host (`0.0.0.0`, `::`) every address of this machine. A relay
 * behind a TLS proxy must be told its public origin: the Host header is never trusted for this,
 * since a client picks it.
 */
export function defaultOrigins(host: string, port: number): string[] {
  const hosts = new Set<string>();
  if (isLoopback(host)) for (const h of LOOPBACK) hosts.add(h);
  else if (host === '0.0.0.0' || host === '::') {
    for (const h of LOOPBACK) hosts.add(h);
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) {
        if (host === '0.0.0.0' && a.family !== 'IPv4') continue;
        hosts.add(a.address.split('%')[0]!);
      }
    }
  } else hosts.add(host);
  return [...hosts].map((h) => originOf(h, port));
}
