import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { MessageType, SocketGate, type GateLimits } from './gate';

const limits: GateLimits = {
  perSecond: 10,
  burst: 20,
  maxDocuments: 3,
  maxPending: 2,
  maxNameLength: 40,
};

function frame(name: string, type: number, ...rest: number[]): Buffer {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, name);
  encoding.writeVarUint(e, type);
  for (const n of rest) encoding.writeVarUint(e, n);
  return Buffer.from(encoding.toUint8Array(e));
}

describe('SocketGate', () => {
  it('passes sync, auth and close messages and drops presence', () => {
    const g = new SocketGate(limits, 0);
    expect(g.inspect(frame('r:d', MessageType.Auth, 0), true, 0)).toMatchObject({ action: 'pass' });
    g.authenticated('r:d');
    for (const t of [MessageType.Sync, MessageType.SyncReply, MessageType.Close]) {
      expect(g.inspect(frame('r:d', t, 0), true, 0)).toEqual({
        action: 'pass',
        documentName: 'r:d',
        type: t,
      });
    }
    for (const t of [
      MessageType.Awareness,
      MessageType.QueryAwareness,
      MessageType.Stateless,
      MessageType.BroadcastStateless,
    ]) {
      expect(g.inspect(frame('r:d', t), true, 0)).toEqual({
        action: 'drop',
        reason: 'presence-not-relayed',
      });
    }
    expect(g.inspect(frame('r:d', 99), true, 0)).toMatchObject({ action: 'drop' });
    expect(g.inspect(frame('r:d', MessageType.SyncStatus), true, 0)).toMatchObject({
      action: 'drop',
    });
  });

  it('closes on text frames, unreadable frames and bad names', () => {
    const g = new SocketGate(limits, 0);
    expect(g.inspect(Buffer.from('hello'), false, 0)).toMatchObject({
      action: 'close',
      code: 4400,
    });
    expect(g.inspect(Buffer.from([0xff, 0xff, 0xff]), true, 0)).toMatchObject({
      action: 'close',
      reason: 'malformed-message',
    });
    expect(g.inspect(frame('', MessageType.Auth), true, 0)).toMatchObject({ action: 'close' });
    expect(g.inspect(frame('x'.repeat(41), MessageType.Auth), true, 0)).toMatchObject({
      action: 'close',
      reason: 'bad-document-name',
    });
    expect(g.inspect('not bytes', true, 0)).toMatchObject({ action: 'close' });
  });

  it('limits the message rate with a token bucket', () => {
    const g = new SocketGate(limits, 0);
    g.inspect(frame('r:d', MessageType.Auth, 0), true, 0);
    g.authenticated('r:d');
    let passed = 1;
    while (g.inspect(frame('r:d', MessageType.Sync, 0), true, 0).action === 'pass') passed++;
    expect(passed).toBe(limits.burst);
    expect(g.inspect(frame('r:d', MessageType.Sync, 0), true, 0)).toEqual({
      action: 'close',
      code: 4429,
      reason: 'rate-limited',
    });
    // One second later, ten more.
    let later = 0;
    while (g.inspect(frame('r:d', MessageType.Sync, 0), true, 1000).action === 'pass') later++;
    expect(later).toBe(limits.perSecond);
  });

  it('bounds documents per socket and messages queued before authentication', () => {
    const g = new SocketGate(limits, 0);
    for (const n of ['a:1', 'a:2', 'a:3']) {
      expect(g.inspect(frame(n, MessageType.Auth, 0), true, 0)).toMatchObject({ action: 'pass' });
    }
    expect(g.inspect(frame('a:4', MessageType.Auth, 0), true, 0)).toEqual({
      action: 'close',
      code: 4429,
      reason: 'too-many-documents',
    });
    expect(g.inspect(frame('a:1', MessageType.Sync, 0), true, 0)).toMatchObject({ action: 'pass' });
    expect(g.inspect(frame('a:1', MessageType.Sync, 0), true, 0)).toMatchObject({ action: 'pass' });
    expect(g.inspect(frame('a:1', MessageType.Sync, 0), true, 0)).toMatchObject({
      action: 'close',
      reason: 'too-many-pending-messages',
    });
  });

  it('drops messages of a denied document, and needs a new authentication after a close', () => {
    const g = new SocketGate(limits, 0);
    g.inspect(frame('a:1', MessageType.Auth, 0), true, 0);
    g.denied('a:1');
    expect(g.inspect(frame('a:1', MessageType.Sync, 0), true, 0)).toEqual({
      action: 'drop',
      reason: 'document-denied',
    });
    expect(g.inspect(frame('a:1', MessageType.Auth, 0), true, 0)).toMatchObject({ action: 'drop' });

    g.inspect(frame('a:2', MessageType.Auth, 0), true, 0);
    g.authenticated('a:2');
    g.closed('a:2');
    expect(g.inspect(frame('a:2', MessageType.Sync, 0), true, 0)).toEqual({
      action: 'drop',
      reason: 'document-closed',
    });
    expect(g.inspect(frame('a:2', MessageType.Auth, 0), true, 0)).toMatchObject({ action: 'pass' });
    g.authenticated('a:2');
    expect(g.inspect(frame('a:2', MessageType.Sync, 0), true, 0)).toMatchObject({ action: 'pass' });
  });
});
