import { requestBinding } from '$lib/core/sync/protocol';
import { httpBase, makeToken, RelayError, type Signer } from './relay-http';

/**
 * Encrypted document blobs on the relay (`PUT|GET|DELETE /api/records/:id/blobs/:blobId`). Each
 * request carries a proof for the compartment the document belongs to, bound to the request, so
 * the relay checks this device's current grant for it. Bodies are ciphertext only. Uses
 * `XMLHttpRequest` where there is one (upload and download progress in the browser), `fetch`
 * otherwise (Node, tests; download progress only).
 */

/** Bytes done of the total, as the transfer goes. */
export type Progress = (done: number, total: number) => void;

export interface BlobTarget {
  readonly relayUrl: string;
  readonly recordId: string;
  /** The compartment's docId (whose grant authorises the request). */
  readonly docId: string;
  readonly blobId: string;
  readonly signer: Signer;
}

const path = (t: BlobTarget) => `/api/records/${t.recordId}/blobs/${t.blobId}`;

function proofFor(t: BlobTarget, method: string, body: Uint8Array = new Uint8Array(0)): string {
  return makeToken(t.signer, t.relayUrl, t.recordId, t.docId, {
    request: requestBinding(method, path(t), body),
  });
}

interface Answer {
  readonly status: number;
  readonly body: Uint8Array;
}

function refusal(a: Answer): RelayError {
  let code = 'error';
  let message = `The relay answered ${a.status}.`;
  try {
    const json = JSON.parse(new TextDecoder().decode(a.body)) as {
      error?: unknown;
      message?: unknown;
    };
    if (typeof json.error === 'string') code = json.error;
    if (typeof json.message === 'string') message = json.message;
  } catch {
    // not JSON: keep the generic message
  }
  return new RelayError(code, message, a.status);
}

function viaXhr(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: Uint8Array | null,
  onProgress?: Progress,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.responseType = 'arraybuffer';
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    if (onProgress && body) {
      xhr.upload.onprogress = (e) => onProgress(e.loaded, body.length);
      xhr.upload.onload = () => onProgress(body.length, body.length);
    }
    if (onProgress && !body) {
      xhr.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : e.loaded);
    }
    xhr.onerror = () =>
      reject(new RelayError('offline', 'The relay cannot be reached. Check the connection.', 0));
    xhr.onload = () =>
      resolve({
        status: xhr.status,
        body: new Uint8Array((xhr.response as ArrayBuffer | null) ?? new ArrayBuffer(0)),
      });
    xhr.send(body ? (body as Uint8Array<ArrayBuffer>) : null);
  });
}

async function viaFetch(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: Uint8Array | null,
  onProgress?: Progress,
): Promise<Answer> {
  let res: Response;
  try {
    res = await fetch(url, { method, headers, ...(body ? { body: body as BodyInit } : {}) });
  } catch {
    throw new RelayError('offline', 'The relay cannot be reached. Check the connection.', 0);
  }
  if (body && onProgress) onProgress(body.length, body.length);
  const total = Number(res.headers.get('content-length') ?? 0);
  if (!res.body) return { status: res.status, body: new Uint8Array(0) };
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let done = 0;
  for (;;) {
    const next = await reader.read();
    if (next.done) break;
    parts.push(next.value);
    done += next.value.length;
    if (!body && onProgress) onProgress(done, Math.max(total, done));
  }
  const out = new Uint8Array(done);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return { status: res.status, body: out };
}

function send(
  method: string,
  t: BlobTarget,
  body: Uint8Array | null,
  onProgress?: Progress,
): Promise<Answer> {
  const headers: Record<string, string> = {
    'x-backpack-proof': proofFor(t, method, body ?? undefined),
  };
  if (body) headers['content-type'] = 'application/octet-stream';
  const url = `${httpBase(t.relayUrl)}${path(t)}`;
  return typeof XMLHttpRequest === 'function'
    ? viaXhr(method, url, headers, body, onProgress)
    : viaFetch(method, url, headers, body, onProgress);
}

/** Uploads a blob (ciphertext). Throws {@link RelayError} (`too-large`, `quota-exceeded`, …). */
export async function putDocumentBlob(
  t: BlobTarget,
  blob: Uint8Array,
  onProgress?: Progress,
): Promise<void> {
  const a = await send('PUT', t, blob, onProgress);
  if (a.status !== 200) throw refusal(a);
}

/** Downloads a blob; `null` when the relay has none under this id. */
export async function getDocumentBlob(
  t: BlobTarget,
  onProgress?: Progress,
): Promise<Uint8Array | null> {
  const a = await send('GET', t, null, onProgress);
  if (a.status === 404) return null;
  if (a.status !== 200) throw refusal(a);
  return a.body;
}

/** Deletes a blob; `false` when it was not there. */
export async function deleteDocumentBlob(t: BlobTarget): Promise<boolean> {
  const a = await send('DELETE', t, null);
  if (a.status === 404) return false;
  if (a.status !== 200) throw refusal(a);
  return true;
}
