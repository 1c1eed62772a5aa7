import type { IncomingMessage } from 'node:http';
import {
  bytesEqual,
  compartmentFor,
  decodeAuthToken,
  granteeFor,
  isProtocolError,
  REQUEST_BINDING_BYTES,
  requestBinding,
  tokenAcceptedUntil,
  verifyAuthToken,
  type AuthToken,
  type ManifestGrantee,
  type SignedManifest,
} from '../../src/lib/core/sync/protocol';
import type { ManifestRegistry, NonceCache } from './auth';
import { HttpError } from './http-io';

/**
 * A device's HTTP proof for a record (document blobs, push subscriptions): `x-backpack-proof`
 * holds a device token for `${recordId}:${docId}`, `docId` a compartment of the record, naming
 * this relay and exactly this request (method, path, body), used once. The device must hold a
 * current grant for that compartment in the stored manifest.
 */
export interface Proven {
  readonly token: AuthToken;
  readonly manifest: SignedManifest;
  readonly grant: ManifestGrantee;
}

export interface DeviceProofDeps {
  readonly manifests: ManifestRegistry;
  readonly nonces: NonceCache;
  readonly origins: () => readonly string[];
  readonly now: () => number;
}

const NONCE_MESSAGES = {
  replayed: 'This proof was used before.',
  'device-busy': 'This device made too many proofs; wait a few minutes.',
} as const;

export function createDeviceProof(deps: DeviceProofDeps) {
  const { manifests, nonces, origins, now } = deps;

  /**
   * Checks the proof's signature, relay, lifetime and the device's grant for the token's
   * compartment; its binding to the request is checked by {@link bind} once the body is known.
   */
  async function prove(req: IncomingMessage, recordId: string): Promise<Proven> {
    const header = req.headers['x-backpack-proof'];
    if (typeof header !== 'string' || header === '') {
      throw new HttpError(401, 'no-proof', 'The x-backpack-proof header is missing.');
    }
    const t = decodeAuthToken(header);
    if (isProtocolError(t)) throw new HttpError(401, 'bad-proof', t.message);
    if (t.request.length !== REQUEST_BINDING_BYTES) {
      throw new HttpError(401, 'wrong-request', 'This request needs an HTTP proof.');
    }
    const problem = verifyAuthToken(t, `${recordId}:${t.docId}`, now(), {
      origins: origins(),
      request: t.request,
    });
    if (problem) throw new HttpError(401, problem.error, problem.message);
    const manifest = await manifests.get(recordId);
    if (!manifest) throw new HttpError(409, 'no-manifest', 'The relay does not know this record.');
    if (!compartmentFor(manifest, t.docId)) {
      throw new HttpError(403, 'no-compartment', 'The record has no such compartment.');
    }
    const grant = granteeFor(manifest, t.deviceKey, t.docId, now());
    if (!grant) {
      throw new HttpError(403, 'no-grant', 'This device has no grant for this compartment.');
    }
    return { token: t, manifest, grant };
  }

  /** The proof names exactly this request; its nonce is then used up. */
  function bind(p: Proven, method: string, path: string, body: Uint8Array): void {
    if (!bytesEqual(p.token.request, requestBinding(method, path, body))) {
      throw new HttpError(401, 'wrong-request', 'The proof was made for another request.');
    }
    const t = p.token;
    const refused = nonces.use(t.recordId, t.deviceKey, t.nonce, tokenAcceptedUntil(t), now());
    if (refused) {
      throw new HttpError(refused === 'replayed' ? 401 : 429, refused, NONCE_MESSAGES[refused]);
    }
  }

  return { prove, bind };
}
