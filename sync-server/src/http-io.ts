import type { IncomingMessage, ServerResponse } from 'node:http';

/** Responses and bodies shared by the relay's HTTP routes (`http.ts`, `documents.ts`). */

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** The API is authenticated by signatures, never by cookies: any origin may call it. */
export const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, PUT, POST, DELETE, OPTIONS',
  'access-control-allow-headers': 'content-type, x-backpack-proof',
  'access-control-max-age': '600',
  // Lets a web app on another origin read the relay's clock, to tell a user whose device clock
  // is off (tokens carry times) why the relay refuses it.
  'access-control-expose-headers': 'date',
};

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendBytes(res: ServerResponse, bytes: Uint8Array): void {
  res.writeHead(200, {
    ...COMMON_HEADERS,
    ...CORS_HEADERS,
    'content-type': 'application/octet-stream',
    'cache-control': 'no-store',
    'content-length': bytes.byteLength,
  });
  res.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** Reads an `application/octet-stream` (or `mediaType`) body of 1..limit bytes. */
export async function readBody(
  req: IncomingMessage,
  limit: number,
  mediaType = 'application/octet-stream',
): Promise<Uint8Array> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== mediaType) {
    throw new HttpError(415, 'unsupported-media-type', `Send the body as ${mediaType}.`);
  }
  const tooLarge = () =>
    new HttpError(413, 'too-large', `The body is larger than ${limit} bytes.`, {
      connection: 'close',
    });
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  if (size === 0) throw new HttpError(400, 'empty-body', 'The body is empty.');
  const body = Buffer.concat(chunks, size);
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}
