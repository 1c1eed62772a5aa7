import type { IncomingMessage, ServerResponse } from 'node:http';
import { toHex } from '../../../src/lib/core/sync/protocol';
import type { DeviceProofDeps } from '../device-proof';
import { createDeviceProof } from '../device-proof';
import { CORS_HEADERS, HttpError, readBody, sendJson } from '../http-io';
import type { Logger } from '../log';
import { parseRegistration, type PushService } from './service';

/**
 * Web Push over HTTP (issue 14 item 5):
 *
 * - `GET /api/push/vapid`: `{publicKey}` (base64url, 65 bytes): the `applicationServerKey`.
 * - `PUT /api/records/:recordId/push`: a device registers or replaces its subscription for the
 *   record (JSON: `endpoint`, `keys {p256dh, auth}`, `kinds`, `checkInMinute` in UTC minutes,
 *   `checkInLocal {minute, zone}` (local minutes in an IANA time zone, which schedules it when
 *   sent), `questionnairesDueAt` in Unix ms). `DELETE` removes it.
 *
 * Both need the device proof of document blobs in `x-backpack-proof` (a token for
 * `${recordId}:${docId}` of any compartment the device holds a current grant for, bound to this
 * request and relay, used once): a device registers only itself, only while it holds a grant.
 * Logs name the record and the device's short key, never the endpoint (a capability URL).
 */

/** A registration is small: an endpoint (≤ 1 KiB), two keys and a few numbers. */
export const PUSH_BODY_MAX_BYTES = 4096;

export interface PushHttpDeps extends DeviceProofDeps {
  readonly push: PushService;
  readonly log: Logger;
  readonly allowLoopback: boolean;
}

export function createPushHandler(deps: PushHttpDeps) {
  const { push, log, now, allowLoopback } = deps;
  const { prove, bind } = createDeviceProof(deps);

  async function vapid(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(405, 'method-not-allowed', 'Use GET.', { allow: 'GET, OPTIONS' });
    }
    sendJson(
      res,
      200,
      { publicKey: Buffer.from(push.publicKey).toString('base64url') },
      { ...CORS_HEADERS, 'cache-control': 'public, max-age=3600' },
    );
  }

  async function device(
    req: IncomingMessage,
    res: ServerResponse,
    recordId: string,
    path: string,
  ): Promise<void> {
    if (req.method === 'PUT') {
      const p = await prove(req, recordId);
      const body = await readBody(req, PUSH_BODY_MAX_BYTES, 'application/json');
      bind(p, 'PUT', path, body);
      const registration = parseRegistration(body, now(), allowLoopback);
      const sub = await push.register(recordId, p.token.deviceKey, registration);
      log.info('push subscription stored', {
        event: 'push-subscribed',
        record: recordId,
        device: toHex(p.token.deviceKey).slice(0, 8),
        count: sub.kinds.length,
      });
      return sendJson(
        res,
        200,
        { ok: true, kinds: sub.kinds, checkInAt: sub.checkInAt, dueAt: sub.dueAt },
        CORS_HEADERS,
      );
    }
    if (req.method === 'DELETE') {
      const p = await prove(req, recordId);
      bind(p, 'DELETE', path, new Uint8Array(0));
      const deleted = await push.unregister(recordId, p.token.deviceKey);
      log.info('push subscription deleted', {
        event: 'push-unsubscribed',
        record: recordId,
        device: toHex(p.token.deviceKey).slice(0, 8),
      });
      return sendJson(res, 200, { ok: true, deleted }, CORS_HEADERS);
    }
    throw new HttpError(405, 'method-not-allowed', 'Use PUT or DELETE.', {
      allow: 'PUT, DELETE, OPTIONS',
    });
  }

  return { vapid, device };
}
