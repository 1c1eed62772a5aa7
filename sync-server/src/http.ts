import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import sirv from 'sirv';
import { WebSocketServer } from 'ws';
import { isValidId, requestBinding, toBase64Url, toHex } from '../../src/lib/core/sync/protocol';
import { AuthError, verifyOwnerProof, type ManifestRegistry, type NonceCache } from './auth';
import type { RelayConfig } from './config';
import type { Logger } from './log';
import { renderMetrics, type Metrics } from './metrics';
import { ClientQuota, clientAddress, clientGroup } from './quota';
import type { Relay } from './relay';
import type { RelayStore } from './store';
import { createBlobHandler } from './documents';
import { createShlHandler } from './shl';
import { createPushHandler } from './push/http';
import type { PushService } from './push/service';
import { COMMON_HEADERS, CORS_HEADERS, HttpError, readBody, sendBytes, sendJson } from './http-io';

export { CORS_HEADERS, HttpError, readBody, sendBytes, sendJson } from './http-io';

/**
 * The relay's HTTP side, on the same port as the WebSocket:
 *
 * - `GET /healthz`: `{ok, uptime, docs, connections}`; `GET /metrics`: Prometheus text.
 * - `PUT|GET /api/records/:recordId/manifest`: the signed grant manifest (version must grow).
 * - `PUT /api/records/:recordId/recovery/:locator`: the record's recovery blob (ciphertext), kept
 *   under the kit's locator (a hash of the kit secret); needs an owner device's proof in
 *   `x-backpack-proof`, bound to this relay, the method, path and body. It replaces the record's previous blob; a locator held by another record
 *   is refused (409). `GET /api/recovery/:locator` returns it.
 * - `PUT|GET /api/records/:recordId/recovery`: the same for format-1 kits, kept by record id.
 * - `GET /api/records/:recordId/seen`: `{devices: [{deviceKey (hex), at (Unix ms)}]}`, when each
 *   device last connected to the record; needs an owner device's proof too.
 * - `PUT /api/mailbox/:id` (once) and `POST /api/mailbox/:id` (take): sealed boxes for linking a
 *   device, invite answers and contact notices, kept ten minutes. Each client address (IPv6: its
 *   /64) creates at most `maxMailboxesPerAddress` per ten minutes; `maxMailboxes` caps them all.
 * - `PUT|GET|DELETE /api/records/:recordId/blobs/:blobId`: encrypted document attachments,
 *   authorised per compartment, with a per-file limit and a per-record quota (`documents.ts`).
 * - `GET /api/push/vapid`, `PUT|DELETE /api/records/:recordId/push`: Web Push reminders
 *   (`push/http.ts`).
 * - `PUT|GET|DELETE /api/records/:recordId/shl/:id`, `POST|GET /api/shl/:id`,
 *   `GET /api/shl/:id/file`: SMART Health Links as blind blobs (`shl.ts`).
 * - WebSocket upgrade on `/sync`, handed to Hocuspocus.
 * - Anything else: the built PWA (`STATIC_DIR`, with `200.html` as the fallback), if any.
 *
 * Bodies are `application/octet-stream`, size-limited. Every refusal is JSON `{error, message}`
 * with a 4xx status; nothing about a body reaches the logs beyond its size.
 */

export const MAILBOX_TTL_MS = 10 * 60 * 1000;
export const MAILBOX_MAX_BYTES = 64 * 1024;
export const RECOVERY_MAX_BYTES = 64 * 1024;
/** A recovery locator: lowercase base32 of 32 bytes (see `core/crypto/recovery.ts`). */
const LOCATOR_PATTERN = /^[a-z2-7]{52}$/;

function requireLocator(locator: string): string {
  if (!LOCATOR_PATTERN.test(locator)) {
    throw new HttpError(400, 'bad-id', 'The recovery locator is not well formed.');
  }
  return locator;
}

export interface HttpDeps {
  readonly config: RelayConfig;
  readonly store: RelayStore;
  readonly manifests: ManifestRegistry;
  readonly nonces: NonceCache;
  readonly relay: Relay;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** The origins tokens and proofs must name (known once the server listens). */
  readonly origins: () => readonly string[];
  readonly push: PushService;
  readonly now?: () => number;
}

function methodNotAllowed(allowed: string): HttpError {
  return new HttpError(405, 'method-not-allowed', `Use ${allowed}.`, {
    allow: `${allowed}, OPTIONS`,
  });
}

function requireId(id: string, what: string): string {
  if (!isValidId(id)) {
    throw new HttpError(400, 'bad-id', `The ${what} is not valid (a-z, 0-9 and -, 1-64 chars).`);
  }
  return id;
}

/** A short, content-free label of a path for logs: `/api/records/:id/manifest`. */
function routeLabel(path: string): string {
  const parts = path.split('/');
  if (parts[1] === 'api' && parts[2] === 'records' && parts.length === 5) {
    return `/api/records/:id/${isValidId(parts[4]!) ? parts[4] : '?'}`;
  }
  if (parts[1] === 'api' && parts[2] === 'records' && parts[4] === 'recovery') {
    return '/api/records/:id/recovery/:locator';
  }
  if (parts[1] === 'api' && parts[2] === 'records' && parts[4] === 'blobs') {
    return '/api/records/:id/blobs/:blobId';
  }
  if (parts[1] === 'api' && parts[2] === 'records' && parts[4] === 'shl') {
    return '/api/records/:id/shl/:shlId';
  }
  if (parts[1] === 'api' && parts[2] === 'shl') return '/api/shl/:shlId';
  if (path === '/api/push/vapid') return path;
  if (parts[1] === 'api' && parts[2] === 'recovery') return '/api/recovery/:locator';
  if (parts[1] === 'api' && parts[2] === 'mailbox') return '/api/mailbox/:id';
  if (parts[1] === 'api') return '/api/?';
  return ['/healthz', '/metrics', '/sync'].includes(path) ? path : '/static';
}

export function createRequestHandler(
  deps: HttpDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { config, store, manifests, nonces, relay, metrics, log, origins } = deps;
  const now = deps.now ?? Date.now;
  const mailboxQuota = new ClientQuota(config.maxMailboxesPerAddress, MAILBOX_TTL_MS);
  const blobs = createBlobHandler({ config, store, manifests, nonces, log, origins, now });
  const shl = createShlHandler({ store, log, origins, now, requireOwner });
  const push = createPushHandler({
    push: deps.push,
    manifests,
    nonces,
    origins,
    now,
    log,
    allowLoopback: config.pushAllowLoopback,
  });

  const statics = config.staticDir
    ? sirv(config.staticDir, {
        single: '200.html',
        etag: true,
        dotfiles: false,
        setHeaders(res, pathname) {
          for (const [k, v] of Object.entries(COMMON_HEADERS)) res.setHeader(k, v);
          if (pathname.startsWith('/_app/immutable/')) {
            res.setHeader('cache-control', 'public, max-age=31536000, immutable');
          } else {
            // HTML, the service worker and the web manifest must be revalidated to update.
            res.setHeader('cache-control', 'no-cache');
          }
        },
      })
    : null;

  /**
   * Checks the owner proof in `x-backpack-proof` (a token for `${recordId}:recovery` naming this
   * relay and exactly this request: method, path, body; used once) and returns the device's
   * short key for the logs.
   */
  async function requireOwner(
    req: IncomingMessage,
    recordId: string,
    path: string,
    body: Uint8Array = new Uint8Array(0),
  ): Promise<string> {
    const header = req.headers['x-backpack-proof'];
    try {
      const proof = await verifyOwnerProof(
        manifests,
        nonces,
        recordId,
        typeof header === 'string' ? header : undefined,
        now(),
        { origins: origins(), request: requestBinding(req.method ?? '', path, body) },
      );
      return toHex(proof.deviceKey).slice(0, 8);
    } catch (e) {
      if (!(e instanceof AuthError)) throw e;
      const status =
        e.code === 'no-manifest'
          ? 409
          : e.code === 'not-owner'
            ? 403
            : e.code === 'device-busy'
              ? 429
              : 401;
      log.warn('proof refused', { event: 'proof-refused', code: e.code, record: recordId });
      throw new HttpError(status, e.code, e.message);
    }
  }

  async function records(req: IncomingMessage, res: ServerResponse, parts: string[], path: string) {
    const recordId = requireId(parts[3]!, 'record id');
    const what = parts[4];
    if (what === 'manifest') {
      if (req.method === 'GET' || req.method === 'HEAD') {
        const bytes = await manifests.getBytes(recordId);
        if (!bytes)
          throw new HttpError(404, 'not-found', 'The relay has no manifest for this record.');
        return sendBytes(res, bytes);
      }
      if (req.method === 'PUT') {
        const bytes = await readBody(req, config.maxBodyBytes);
        const result = await manifests.put(recordId, bytes, now());
        if (!result.ok) throw new HttpError(result.status, result.error, result.message);
        log.info('manifest stored', {
          event: 'manifest',
          record: recordId,
          version: result.manifest.version,
          bytes: bytes.length,
        });
        return sendJson(res, 200, { ok: true, version: result.manifest.version }, CORS_HEADERS);
      }
      throw methodNotAllowed('GET, PUT');
    }
    if (what === 'recovery') {
      if (req.method === 'GET' || req.method === 'HEAD') {
        const blob = await store.getRecovery(recordId);
        if (!blob) throw new HttpError(404, 'not-found', 'No recovery blob for this record.');
        return sendBytes(res, blob);
      }
      if (req.method === 'PUT') {
        // The proof binds the body's hash, so the (size-limited) body is read first.
        const blob = await readBody(req, RECOVERY_MAX_BYTES);
        const device = await requireOwner(req, recordId, path, blob);
        await store.putRecovery(recordId, blob, now());
        log.info('recovery blob stored', {
          event: 'recovery',
          record: recordId,
          device,
          bytes: blob.length,
        });
        return sendJson(res, 200, { ok: true }, CORS_HEADERS);
      }
      throw methodNotAllowed('GET, PUT');
    }
    if (what === 'manifests') {
      // The kept versions newer than `?after=`, for a device that missed some: it checks each
      // step itself (a delegate's change is judged against the manifest right before it).
      if (req.method !== 'GET') throw methodNotAllowed('GET');
      const after = Number(new URL(req.url ?? '/', 'http://relay').searchParams.get('after'));
      if (!Number.isSafeInteger(after) || after < 0) {
        throw new HttpError(400, 'bad-request', '`after` must be a manifest version.');
      }
      const list = (await store.manifestsAfter(recordId, after)).map((m) => toBase64Url(m));
      return sendJson(res, 200, { manifests: list }, CORS_HEADERS);
    }
    if (what === 'seen') {
      if (req.method !== 'GET') throw methodNotAllowed('GET');
      await requireOwner(req, recordId, path);
      const devices = (await store.lastSeen(recordId)).map((s) => ({
        deviceKey: toHex(s.deviceKey),
        at: s.at,
      }));
      return sendJson(res, 200, { devices }, CORS_HEADERS);
    }
    throw new HttpError(404, 'not-found', 'No such endpoint.');
  }

  /** A kit's blob: `PUT /api/records/:id/recovery/:locator` and `GET /api/recovery/:locator`. */
  async function recoveryKit(
    req: IncomingMessage,
    res: ServerResponse,
    parts: string[],
    path: string,
  ) {
    if (parts[2] === 'recovery') {
      const locator = requireLocator(parts[3]!);
      if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed('GET');
      const blob = await store.getRecoveryByLocator(locator);
      if (!blob) throw new HttpError(404, 'not-found', 'No recovery blob for this kit.');
      return sendBytes(res, blob);
    }
    const recordId = requireId(parts[3]!, 'record id');
    const locator = requireLocator(parts[5]!);
    if (req.method !== 'PUT') throw methodNotAllowed('PUT');
    // The proof binds the body's hash, so the (size-limited) body is read first.
    const blob = await readBody(req, RECOVERY_MAX_BYTES);
    const device = await requireOwner(req, recordId, path, blob);
    if (!(await store.putRecoveryByLocator(recordId, locator, blob, now()))) {
      throw new HttpError(409, 'locator-taken', 'Another record holds this recovery locator.');
    }
    // The locator names the blob: it is not logged.
    log.info('recovery blob stored', {
      event: 'recovery',
      record: recordId,
      device,
      bytes: blob.length,
    });
    return sendJson(res, 200, { ok: true }, CORS_HEADERS);
  }

  async function mailbox(req: IncomingMessage, res: ServerResponse, id: string) {
    requireId(id, 'mailbox id');
    if (req.method === 'PUT') {
      const client = clientGroup(clientAddress(req, config.trustProxy));
      const refuse = (status: number, code: string, message: string): HttpError => {
        metrics.mailboxesRefused++;
        // The address is the client's, not health data, but stays out of the logs all the same.
        log.warn('mailbox refused', { event: 'mailbox-refused', code, status });
        return new HttpError(status, code, message, { 'retry-after': '60' });
      };
      if (!mailboxQuota.take(client, now())) {
        throw refuse(
          429,
          'mailbox-quota',
          'This address opened too many mailboxes in ten minutes; try again later.',
        );
      }
      let stored = false;
      try {
        if ((await store.mailboxCount()) >= config.maxMailboxes) {
          throw refuse(503, 'mailboxes-full', 'Too many open mailboxes; try again later.');
        }
        const box = await readBody(req, MAILBOX_MAX_BYTES);
        if (!(await store.putMailbox(id, box, now() + MAILBOX_TTL_MS, now()))) {
          throw new HttpError(409, 'mailbox-taken', 'This mailbox already holds a message.');
        }
        stored = true;
      } finally {
        // Only a created mailbox counts against the address.
        if (!stored) mailboxQuota.refund(client);
      }
      return sendJson(res, 200, { ok: true }, CORS_HEADERS);
    }
    if (req.method === 'POST') {
      const box = await store.takeMailbox(id, now());
      if (!box) throw new HttpError(404, 'empty', 'Nothing in this mailbox (yet).');
      return sendBytes(res, box);
    }
    throw methodNotAllowed('PUT, POST');
  }

  async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed('GET');
      return sendJson(res, 200, {
        ok: true,
        uptime: Math.round((Date.now() - metrics.started) / 1000),
        docs: relay.hocuspocus.getDocumentsCount(),
        connections: relay.socketCount,
      });
    }
    if (path === '/metrics') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed('GET');
      const totals = await store.totals();
      const text = renderMetrics(metrics, {
        sockets: relay.socketCount,
        documentsLoaded: relay.hocuspocus.getDocumentsCount(),
        documentConnections: relay.hocuspocus.getConnectionsCount(),
        storedUpdates: totals.updates,
        storedDocuments: totals.docs,
        storedBytes: totals.bytes,
      });
      res.writeHead(200, {
        ...COMMON_HEADERS,
        'content-type': 'text/plain; version=0.0.4; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(text);
      return;
    }
    if (path === '/sync') {
      throw new HttpError(426, 'upgrade-required', 'Connect to /sync with a WebSocket.', {
        upgrade: 'websocket',
      });
    }
    if (path === '/api' || path.startsWith('/api/')) {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { ...COMMON_HEADERS, ...CORS_HEADERS });
        res.end();
        return;
      }
      const parts = path.split('/'); // ['', 'api', 'records', id, 'manifest']
      if (path === '/api/push/vapid') return push.vapid(req, res);
      if (parts[2] === 'records' && parts.length === 5 && parts[4] === 'push') {
        return push.device(req, res, requireId(parts[3]!, 'record id'), path);
      }
      if (parts[2] === 'records' && parts.length === 5) return records(req, res, parts, path);
      if (parts[2] === 'records' && parts.length === 6 && parts[4] === 'recovery') {
        return recoveryKit(req, res, parts, path);
      }
      if (parts[2] === 'recovery' && parts.length === 4) return recoveryKit(req, res, parts, path);
      if (parts[2] === 'records' && parts.length === 6 && parts[4] === 'blobs') {
        return blobs(req, res, requireId(parts[3]!, 'record id'), parts[5]!, path);
      }
      if (parts[2] === 'mailbox' && parts.length === 4) return mailbox(req, res, parts[3]!);
      if (parts[2] === 'records' && parts.length === 6 && parts[4] === 'shl') {
        return shl.owner(req, res, requireId(parts[3]!, 'record id'), parts[5]!, path);
      }
      if (
        parts[2] === 'shl' &&
        (parts.length === 4 || (parts.length === 5 && parts[4] === 'file'))
      ) {
        return shl.holder(req, res, parts[3]!, parts.length === 5);
      }
      throw new HttpError(404, 'not-found', 'No such endpoint.');
    }
    if (statics) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed('GET');
      return statics(req, res, () =>
        sendJson(res, 404, { error: 'not-found', message: 'Not found.' }),
      );
    }
    throw new HttpError(404, 'not-found', 'Not found. This relay serves no app (no STATIC_DIR).');
  }

  return (req, res) => {
    metrics.httpRequests++;
    const t0 = performance.now();
    let path = '/';
    try {
      path = new URL(req.url ?? '/', 'http://relay').pathname;
    } catch {
      // unreadable URL: answered below as not found
      path = '/?';
    }
    route(req, res, path)
      .then(() => {
        if (path.startsWith('/api/')) {
          log.info('http', {
            event: 'http',
            method: req.method,
            route: routeLabel(path),
            status: res.statusCode,
            ms: Math.round(performance.now() - t0),
          });
        }
      })
      .catch((e: unknown) => {
        const err =
          e instanceof HttpError
            ? e
            : new HttpError(500, 'internal', 'The relay could not handle this request.');
        metrics.httpErrors++;
        const fields = {
          event: 'http-refused',
          method: req.method,
          route: routeLabel(path),
          status: err.status,
          code: err.code,
        };
        if (err.status >= 500) log.error('request failed', fields);
        else log.info('request refused', fields);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const cors = path.startsWith('/api/') ? CORS_HEADERS : {};
        sendJson(
          res,
          err.status,
          { error: err.code, message: err.message },
          { ...cors, ...err.headers },
        );
        // Let a client that is still sending read the answer instead of a reset.
        if (!req.complete) req.resume();
      });
  };
}

/**
 * WebSocket upgrades on `/sync`, limited per client address, handed to the relay. Other paths
 * get 404; a full address gets 429.
 */
export function attachWebSocket(
  server: Server,
  deps: Pick<HttpDeps, 'config' | 'relay' | 'metrics' | 'log'>,
): WebSocketServer {
  const { config, relay, metrics, log } = deps;
  const perIp = new Map<string, number>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxMessageBytes,
    perMessageDeflate: false,
  });
  const refuse = (socket: Duplex, status: string, code: string) => {
    metrics.socketsRefused++;
    log.warn('upgrade refused', { event: 'upgrade-refused', code });
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    socket.destroy();
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    let path = '';
    try {
      path = new URL(req.url ?? '/', 'http://relay').pathname;
    } catch {
      // refused below
    }
    if (path !== '/sync') return refuse(socket, '404 Not Found', 'wrong-path');
    const ip = clientGroup(clientAddress(req, config.trustProxy));
    const count = perIp.get(ip) ?? 0;
    if (count >= config.maxConnectionsPerIp) {
      return refuse(socket, '429 Too Many Requests', 'too-many-connections');
    }
    perIp.set(ip, count + 1);
    let counted = true;
    const release = () => {
      if (!counted) return;
      counted = false;
      const n = (perIp.get(ip) ?? 1) - 1;
      if (n <= 0) perIp.delete(ip);
      else perIp.set(ip, n);
    };
    socket.once('close', release);
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.once('close', release);
      relay.handleSocket(ws, req);
    });
  });
  return wss;
}
