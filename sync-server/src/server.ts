import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';
import { WebSocketServer } from 'ws';
import {
  decodeAuthToken,
  decodeManifest,
  documentName,
  granteeFor,
  isProtocolError,
  isValidId,
  recordIdForRootKey,
  verifyAuthToken,
  verifyManifest,
} from '../../src/lib/core/sync/protocol';
import type { RelayConfig } from './config';
import { createLogger, type Logger } from './log';
import { createRelay } from './relay';
import { Store } from './store';

/**
 * One Node process, one port: the relay's WebSocket (`/sync`), its HTTP API (`/api/…`),
 * `/healthz`, `/metrics`, and, when configured, the built PWA.
 */
export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAILBOX_TTL_MS = 10 * 60 * 1000;
const MAILBOX_MAX_BYTES = 64 * 1024;
const RECOVERY_MAX_BYTES = 64 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendBytes(res: ServerResponse, bytes: Uint8Array): void {
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'cache-control': 'no-store',
    'content-length': bytes.byteLength,
  });
  res.end(Buffer.from(bytes));
}

async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit)
    throw new HttpError(413, 'too-large', `The body is larger than ${limit} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit)
      throw new HttpError(413, 'too-large', `The body is larger than ${limit} bytes.`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) throw new HttpError(400, 'empty', 'The body is empty.');
  return new Uint8Array(Buffer.concat(chunks));
}

export async function startServer(config: RelayConfig, log?: Logger): Promise<RunningServer> {
  const logger = log ?? createLogger((line) => process.stdout.write(line + '\n'), config.quiet);
  const store = new Store(config.dataDir);
  const { hocuspocus, manifests, enforceGrants } = createRelay({
    store,
    log: logger,
    maxMessagesPerSecond: config.maxMessagesPerSecond,
  });
  const started = Date.now();
  const connectionsByIp = new Map<string, number>();
  let totalConnections = 0;

  const staticHandler =
    config.staticDir && existsSync(config.staticDir)
      ? sirv(config.staticDir, {
          single: '200.html',
          etag: true,
          gzip: false,
          setHeaders(res, pathname) {
            // The service worker and its manifest must revalidate, or updates never arrive.
            if (
              pathname === '/sw.js' ||
              pathname.endsWith('.webmanifest') ||
              pathname.endsWith('.html')
            ) {
              res.setHeader('cache-control', 'no-cache');
            } else if (pathname.startsWith('/_app/immutable/')) {
              res.setHeader('cache-control', 'public, max-age=31536000, immutable');
            }
          },
        })
      : null;

  function requireOwner(recordId: string, proof: string | undefined): void {
    const m = manifests.get(recordId);
    if (!m) throw new HttpError(404, 'no-manifest', 'This record has no manifest yet.');
    const t = proof ? decodeAuthToken(proof) : null;
    if (!t || isProtocolError(t))
      throw new HttpError(401, 'bad-proof', 'A signed proof is needed.');
    const problem = verifyAuthToken(t, documentName(recordId, 'recovery'), Date.now());
    if (problem) throw new HttpError(401, problem.error, problem.message);
    const grant = granteeFor(m, t.deviceKey, m.compartments[0]?.docId ?? '', Date.now());
    if (grant?.role !== 'owner')
      throw new HttpError(403, 'not-owner', 'Only an owner device may do this.');
  }

  async function api(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const parts = path.split('/').filter(Boolean); // ['api', 'records', id, 'manifest']
    if (parts[1] === 'records' && parts.length === 4 && isValidId(parts[2]!)) {
      const recordId = parts[2]!;
      if (parts[3] === 'manifest') {
        if (req.method === 'GET') {
          const row = store.getManifest(recordId);
          if (!row) throw new HttpError(404, 'not-found', 'No manifest for this record.');
          return sendBytes(res, row.data);
        }
        if (req.method === 'PUT') {
          const bytes = await readBody(req, config.maxBodyBytes);
          const m = decodeManifest(bytes);
          if (isProtocolError(m)) throw new HttpError(400, m.error, m.message);
          const bad = verifyManifest(m);
          if (bad) throw new HttpError(400, bad.error, bad.message);
          if (m.recordId !== recordId || recordIdForRootKey(m.rootKey) !== recordId) {
            throw new HttpError(400, 'wrong-record', 'The manifest is for another record.');
          }
          const current = manifests.get(recordId);
          if (current && m.version <= current.version) {
            throw new HttpError(
              409,
              'stale-version',
              `Version ${m.version} is not newer than ${current.version}.`,
            );
          }
          manifests.set(m, bytes);
          const closed = enforceGrants(recordId);
          logger.info('manifest stored', {
            event: 'manifest',
            record: recordId,
            version: m.version,
            count: closed,
          });
          return sendJson(res, 200, { ok: true, version: m.version });
        }
      }
      if (parts[3] === 'recovery') {
        if (req.method === 'GET') {
          const blob = store.getRecovery(recordId);
          if (!blob) throw new HttpError(404, 'not-found', 'No recovery blob for this record.');
          return sendBytes(res, blob);
        }
        if (req.method === 'PUT') {
          const proof = req.headers['x-backpack-proof'];
          requireOwner(recordId, typeof proof === 'string' ? proof : undefined);
          const blob = await readBody(req, RECOVERY_MAX_BYTES);
          store.putRecovery(recordId, blob);
          logger.info('recovery blob stored', {
            event: 'recovery',
            record: recordId,
            bytes: blob.length,
          });
          return sendJson(res, 200, { ok: true });
        }
      }
    }
    if (parts[1] === 'mailbox' && parts.length === 3 && isValidId(parts[2]!)) {
      const id = parts[2]!;
      if (req.method === 'PUT') {
        const box = await readBody(req, MAILBOX_MAX_BYTES);
        if (!store.putMailbox(id, box, Date.now() + MAILBOX_TTL_MS)) {
          throw new HttpError(409, 'mailbox-taken', 'This mailbox already holds a message.');
        }
        return sendJson(res, 200, { ok: true });
      }
      if (req.method === 'POST') {
        const box = store.takeMailbox(id, Date.now());
        if (!box) throw new HttpError(404, 'empty', 'Nothing in this mailbox (yet).');
        return sendBytes(res, box);
      }
    }
    throw new HttpError(404, 'not-found', 'No such endpoint.');
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://relay');
    const path = url.pathname;
    const t0 = performance.now();
    void (async () => {
      try {
        if (path === '/healthz') {
          return sendJson(res, 200, {
            ok: true,
            uptime: Math.round((Date.now() - started) / 1000),
            docs: hocuspocus.getDocumentsCount(),
            connections: hocuspocus.getConnectionsCount(),
          });
        }
        if (path === '/metrics') {
          const totals = store.totals();
          const mem = process.memoryUsage();
          const text = [
            `backpack_connections ${hocuspocus.getConnectionsCount()}`,
            `backpack_connections_total ${totalConnections}`,
            `backpack_documents_loaded ${hocuspocus.getDocumentsCount()}`,
            `backpack_stored_updates ${totals.updates}`,
            `backpack_stored_bytes ${totals.bytes}`,
            `process_resident_memory_bytes ${mem.rss}`,
            `process_heap_used_bytes ${mem.heapUsed}`,
            '',
          ].join('\n');
          res.writeHead(200, {
            'content-type': 'text/plain; version=0.0.4',
            'cache-control': 'no-store',
          });
          return res.end(text);
        }
        if (path.startsWith('/api/')) {
          await api(req, res, path);
          logger.info('http', {
            event: 'http',
            method: req.method,
            route: path.split('/').slice(0, 3).join('/'),
            status: res.statusCode,
            ms: Math.round(performance.now() - t0),
          });
          return;
        }
        if (staticHandler) {
          return staticHandler(req, res, () =>
            sendJson(res, 404, { error: 'not-found', message: 'Not found.' }),
          );
        }
        return sendJson(res, 404, { error: 'not-found', message: 'Not found.' });
      } catch (e) {
        const err =
          e instanceof HttpError
            ? e
            : new HttpError(500, 'internal', 'The relay could not handle this request.');
        if (err.status >= 500)
          logger.error('request failed', { event: 'http-error', route: path.slice(0, 40) });
        else
          logger.info('request refused', {
            event: 'http-refused',
            code: err.code,
            status: err.status,
          });
        if (!res.headersSent) sendJson(res, err.status, { error: err.code, message: err.message });
        else res.destroy();
        // Drain what the client still sends, so it reads our answer instead of a reset.
        req.resume();
      }
    })();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxMessageBytes });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://relay');
    if (url.pathname !== '/sync') {
      socket.write('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    const ip = req.socket.remoteAddress ?? 'unknown';
    const count = connectionsByIp.get(ip) ?? 0;
    if (count >= config.maxConnectionsPerIp) {
      socket.write('HTTP/1.1 429 Too Many Requests\r\nconnection: close\r\n\r\n');
      socket.destroy();
      logger.warn('connection refused: too many from one address', { event: 'limit' });
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      connectionsByIp.set(ip, count + 1);
      totalConnections++;
      ws.on('close', () => {
        const n = (connectionsByIp.get(ip) ?? 1) - 1;
        if (n <= 0) connectionsByIp.delete(ip);
        else connectionsByIp.set(ip, n);
      });
      ws.on('error', () => ws.terminate());
      hocuspocus.handleConnection(ws, req);
    });
  });
  server.on('clientError', (_err, socket) => {
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });

  const grantTimer = setInterval(() => enforceGrants(), 5000);
  grantTimer.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  logger.info('relay listening', { event: 'listening', url, port });

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    close() {
      closing ??= (async () => {
        clearInterval(grantTimer);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const ws of wss.clients) ws.close(1001, 'relay shutting down');
          server.closeIdleConnections();
        });
        hocuspocus.closeConnections();
        // Fold every loaded document's log before the store closes.
        for (const name of hocuspocus.documents.keys()) {
          try {
            store.compactDocument(name);
          } catch {
            // the per-update log is already durable
          }
        }
        store.close();
        logger.info('relay stopped', { event: 'stopped' });
      })();
      return closing;
    },
  };
}
