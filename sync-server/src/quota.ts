import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * Per-client quotas: who a request comes from (its address, grouped so that one IPv6 network
 * counts once), and a sliding-window count of what each client created. Used for mailbox
 * creation, which anyone may do without an account: a flood from one client spends only that
 * client's share.
 */

/**
 * The address a request comes from. With `trustProxy` (the relay sits behind a reverse proxy
 * that appends the peer to `X-Forwarded-For`), the last entry of that header, which the proxy
 * wrote; earlier entries are the client's own claim and never used. Without it the header is
 * ignored, so a client cannot pick its own address.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!trustProxy) return peer;
  const header = req.headers['x-forwarded-for'];
  const text = Array.isArray(header) ? header.join(',') : header;
  const last = text?.split(',').pop()?.trim();
  return last && isIP(last) ? last : peer;
}

/** Expands an IPv6 address into its eight 16-bit groups; `null` if it is not one. */
function ipv6Groups(address: string): number[] | null {
  if (isIP(address) !== 6) return null;
  let text = address.split('%')[0]!;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text =
      text.slice(0, -v4[1]!.length) +
      `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const parse = (s: string | undefined) => (s ? s.split(':').map((h) => parseInt(h, 16)) : []);
  const left = parse(head);
  const right = tail === null ? [] : parse(tail);
  const fill = tail === null ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...new Array<number>(fill).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : null;
}

/**
 * The quota key of an address: an IPv4 address as is (also when written as `::ffff:a.b.c.d`),
 * an IPv6 address by its /64 network (one subscriber usually holds a whole /64).
 */
export function clientGroup(address: string): string {
  if (isIP(address) === 4) return address;
  const g = ipv6Groups(address);
  if (!g) return address;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  }
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}

/**
 * At most `max` creations per client within `windowMs` (a sliding window). Memory is bounded:
 * each client holds at most `max` timestamps, and clients whose window is empty are dropped once
 * more than `maxClients` are tracked.
 */
export class ClientQuota {
  private readonly clients = new Map<string, number[]>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly maxClients = 100_000,
  ) {}

  /** Counts one creation for `client` at `now`; `false` (nothing counted) when over quota. */
  take(client: string, now: number): boolean {
    const since = now - this.windowMs;
    const times = (this.clients.get(client) ?? []).filter((t) => t > since);
    if (times.length >= this.max) {
      this.clients.set(client, times);
      return false;
    }
    if (!this.clients.has(client) && this.clients.size >= this.maxClients) this.prune(since);
    times.push(now);
    this.clients.set(client, times);
    return true;
  }

  /** Gives back one creation (the creation failed after {@link take}). */
  refund(client: string): void {
    this.clients.get(client)?.pop();
  }

  private prune(since: number): void {
    for (const [client, times] of this.clients) {
      if (times.every((t) => t <= since)) this.clients.delete(client);
    }
  }
}
