import { httpBase, makeProof, RelayError, type Signer } from './relay-http';

/**
 * The owner's side of SMART Health Links on the relay (`sync-server/src/shl.ts`): store a link's
 * JWE, read its access log, revoke it. Each request carries an owner proof bound to it. The body
 * holds ciphertext, the expiry and the passcode (the relay checks it); never the link's key.
 */

export interface ShlTarget {
  readonly relayUrl: string;
  readonly recordId: string;
  readonly id: string;
  readonly signer: Signer;
}

export interface ShlAccessRow {
  readonly recipient: string;
  /** Unix ms. */
  readonly at: number;
}

export interface ShlStatus {
  readonly expires: number | null;
  readonly attemptsLeft: number | null;
  readonly accesses: readonly ShlAccessRow[];
}

const path = (t: ShlTarget) => `/api/records/${t.recordId}/shl/${t.id}`;

/** The manifest URL a link names (what a viewer POSTs to). */
export function shlManifestUrl(relayUrl: string, id: string): string {
  return `${httpBase(relayUrl)}/api/shl/${id}`;
}

async function call(t: ShlTarget, method: string, body?: Uint8Array): Promise<Response> {
  const headers: Record<string, string> = {
    'x-backpack-proof': makeProof(t.signer, t.relayUrl, t.recordId, method, path(t), body),
  };
  if (body) headers['content-type'] = 'application/octet-stream';
  try {
    return await fetch(`${httpBase(t.relayUrl)}${path(t)}`, {
      method,
      headers,
      ...(body ? { body: body as BodyInit } : {}),
    });
  } catch {
    throw new RelayError('offline', 'The relay cannot be reached. Check the connection.', 0);
  }
}

async function refusal(res: Response): Promise<RelayError> {
  let code = 'error';
  let message = `The relay answered ${res.status}.`;
  try {
    const json = (await res.json()) as { error?: unknown; message?: unknown };
    if (typeof json.error === 'string') code = json.error;
    if (typeof json.message === 'string') message = json.message;
  } catch {
    // not JSON: keep the generic message
  }
  return new RelayError(code, message, res.status);
}

/** Stores a link's JWE. Throws {@link RelayError} when refused. */
export async function putShl(
  t: ShlTarget,
  input: { jwe: string; expires: number; passcode: string | null },
): Promise<void> {
  const body = new TextEncoder().encode(
    JSON.stringify({
      jwe: input.jwe,
      expires: input.expires,
      ...(input.passcode ? { passcode: input.passcode } : {}),
    }),
  );
  const res = await call(t, 'PUT', body);
  if (res.status !== 200) throw await refusal(res);
}

function isStatus(v: unknown): v is ShlStatus {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    Array.isArray(o['accesses']) &&
    o['accesses'].every(
      (a: unknown) =>
        typeof a === 'object' &&
        a !== null &&
        typeof (a as ShlAccessRow).recipient === 'string' &&
        typeof (a as ShlAccessRow).at === 'number',
    )
  );
}

/** The link's access log, or `null` once it is inactive (expired, revoked, out of attempts). */
export async function getShlStatus(t: ShlTarget): Promise<ShlStatus | null> {
  const res = await call(t, 'GET');
  if (res.status === 404) return null;
  if (res.status !== 200) throw await refusal(res);
  const json: unknown = await res.json().catch(() => null);
  if (!isStatus(json)) throw new RelayError('bad-answer', 'The relay’s answer is malformed.', 200);
  return {
    expires: typeof json.expires === 'number' ? json.expires : null,
    attemptsLeft: typeof json.attemptsLeft === 'number' ? json.attemptsLeft : null,
    accesses: json.accesses.map((a) => ({ recipient: a.recipient, at: a.at })),
  };
}

/** Revokes a link; `false` when it was already inactive. */
export async function revokeShl(t: ShlTarget): Promise<boolean> {
  const res = await call(t, 'DELETE');
  if (res.status === 404) return false;
  if (res.status !== 200) throw await refusal(res);
  return true;
}
