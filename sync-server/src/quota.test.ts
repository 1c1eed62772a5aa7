import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ClientQuota, clientAddress, clientGroup } from './quota';

const req = (remoteAddress: string, xff?: string) =>
  ({
    socket: { remoteAddress },
    headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  }) as unknown as IncomingMessage;

describe('client addresses', () => {
  it('ignores X-Forwarded-For unless the relay trusts its proxy, then takes the last entry', () => {
    expect(clientAddress(req('10.0.0.1', '1.2.3.4'), false)).toBe('10.0.0.1');
    expect(clientAddress(req('10.0.0.1', '6.6.6.6, 1.2.3.4'), true)).toBe('1.2.3.4');
    expect(clientAddress(req('10.0.0.1', 'not an address'), true)).toBe('10.0.0.1');
    expect(clientAddress(req('10.0.0.1'), true)).toBe('10.0.0.1');
  });

  it('groups IPv6 by /64 and unwraps IPv4-mapped addresses', () => {
    expect(clientGroup('127.0.0.2')).toBe('127.0.0.2');
    expect(clientGroup('::ffff:127.0.0.2')).toBe('127.0.0.2');
    expect(clientGroup('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientGroup('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientGroup('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(clientGroup('::1')).toBe('0:0:0:0::/64');
    expect(clientGroup('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientGroup('unknown')).toBe('unknown');
  });
});

describe('ClientQuota', () => {
  it('allows max creations per client in a sliding window, each client on its own', () => {
    const q = new ClientQuota(3, 1000);
    for (let i = 0; i < 3; i++) expect(q.take('a', i)).toBe(true);
    expect(q.take('a', 10)).toBe(false);
    expect(q.take('b', 10)).toBe(true);
    expect(q.take('a', 1000)).toBe(true); // the first one left the window
    expect(q.take('a', 1000)).toBe(false);
    q.refund('a');
    expect(q.take('a', 1000)).toBe(true);
  });

  it('forgets idle clients once it tracks too many', () => {
    const q = new ClientQuota(1, 100, 2);
    expect(q.take('a', 0)).toBe(true);
    expect(q.take('b', 0)).toBe(true);
    expect(q.take('c', 200)).toBe(true);
    expect(q.take('a', 200)).toBe(true);
  });
});
