import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { RecordSession, completeLink, startLink } from '../../src/lib/app/record-session';
import { NodeWebSocket, useTestRelay, waitFor } from './helpers';
import { prng } from '../../src/lib/core/prng';

/**
 * Property test through the real relay: three devices of one patient make random check-ins,
 * go offline and online at random, and owner devices compact at random. Once everyone is back
 * online, every device holds the same entries, with nothing refused.
 */
const fast = { alg: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;
const PASS = 'a passphrase for the property test';

const relay = useTestRelay();

const ids = (s: RecordSession) =>
  s
    .entries('clinical')
    .map((e) => `${e.id}:${JSON.stringify(e.data)}`)
    .sort()
    .join('|');

describe('convergence through the relay (property)', () => {
  it.each([1, 2, 3, 4, 5])('seed %i', async (seed) => {
    const rand = prng(seed);
    const o = (name: string) => ({
      kdf: fast,
      WebSocketPolyfill: NodeWebSocket,
      namespace: `-conv${seed}-${name}`,
      persist: false,
      batchMs: 5,
    });
    const { session: phone } = await RecordSession.create(PASS, relay.relay.url, o('phone'));
    const devices = [phone];
    for (const name of ['laptop', 'tablet']) {
      const pending = startLink(relay.relay.url);
      await phone.approveLink(pending.request);
      const d = await completeLink(pending, PASS, o(name));
      if (!d) throw new Error('link failed');
      devices.push(d);
    }
    const online = devices.map(() => true);
    let written = 0;
    for (let step = 0; step < 40; step++) {
      const i = Math.floor(rand() * devices.length);
      const d = devices[i]!;
      const r = rand();
      if (r < 0.6) {
        d.write('pain-checkin', {
          scores: { back: Math.floor(rand() * 11) },
          note: `s${seed}-${step}`,
        });
        written++;
      } else if (r < 0.85) {
        online[i] = !online[i];
        d.setOnline(online[i]!);
      } else {
        d.compartment('clinical')?.binding.compact();
      }
      if (rand() < 0.3) await new Promise((res) => setTimeout(res, 20));
    }
    devices.forEach((d) => d.setOnline(true));
    for (const d of devices) await d.settled(15_000);
    await waitFor(() => {
      const first = ids(devices[0]!);
      return (
        devices.every((d) => ids(d) === first) && devices[0]!.entries('clinical').length === written
      );
    }, 15_000);
    for (const d of devices) {
      expect(d.syncState()).toEqual({ state: 'synced' });
      await d.close();
    }
  });
});
