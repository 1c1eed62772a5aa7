// Opening a five-year record after unlock (DESIGN §7: 2,000 check-ins, 300 motion summaries,
// 500 messages), from IndexedDB (fake-indexeddb in Node), with and without the local checkpoint.
import 'fake-indexeddb/auto';
import WebSocket from 'ws';
import { RecordSession } from '../../src/lib/app/record-session';
import { putEntry, newEntryId } from '../../src/lib/core/record/index';
import { DeviceStore } from '../../src/lib/platform/vault-db';

const fast = { alg: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;
const opts = { kdf: fast, WebSocketPolyfill: WebSocket, namespace: '-bench', batchMs: 1 };
const OFFLINE_RELAY = 'http://127.0.0.1:9';
const DAY = 86_400_000;
const start = Date.UTC(2021, 0, 1);

const { session } = await RecordSession.create('bench passphrase', OFFLINE_RELAY, opts);
const clinical = session.compartment('clinical')!;
const messages = session.compartment('messages')!;
const author = { deviceId: session.device.deviceId, role: 'owner' as const };
const put = (c: typeof clinical, i: number, type: string, data: unknown) => {
  const at = new Date(start + i * DAY * 0.9);
  putEntry(c.inner, {
    id: newEntryId(author.deviceId, at.getTime()),
    type,
    at: at.toISOString(),
    author,
    data,
    v: 1,
  });
};
for (let i = 0; i < 2000; i++) {
  put(clinical, i, 'pain-checkin', {
    scores: { back: i % 11, leg: (i * 7) % 11 },
    note: i % 4 ? undefined : 'stiff in the morning, better after a walk',
  });
  if (i % 50 === 0) session.flush();
}
for (let i = 0; i < 300; i++)
  // A registered type: an unregistered one would be dropped on open and not counted.
  put(clinical, i * 6, 'motion-test', {
    test: 'neck',
    source: 'sensor',
    planes: { 'flexion-extension': { a: 40 + (i % 15), b: 50 } },
  });
for (let i = 0; i < 500; i++)
  put(messages, i * 3, 'message', {
    text: `Question ${i}: is it fine to keep running with this pain?`,
  });
session.flush();
const envelopes = [...session.compartments.values()].reduce(
  (n, c) => n + c.binding.stats().envelopes,
  0,
);
await session.close();

const time = async () => {
  const t = performance.now();
  const s = await RecordSession.unlock('bench passphrase', opts);
  const ms = performance.now() - t;
  const n = s!.entries('clinical').length + s!.entries('messages').length;
  await s!.close();
  return { ms, n };
};
const withCheckpoint = await time();
const withCheckpoint2 = await time();
const store = new DeviceStore('-bench');
// Drop the checkpoints to measure a first open that verifies every envelope.
const db = (store as unknown as { db: { checkpoints: { clear(): Promise<void> } } }).db;
await db.checkpoints.clear();
store.close();
const cold = await time();
console.log(
  JSON.stringify({
    entries: withCheckpoint.n,
    envelopesStored: envelopes,
    openWithCheckpointMs: +Math.min(withCheckpoint.ms, withCheckpoint2.ms).toFixed(1),
    openVerifyingEverythingMs: +cold.ms.toFixed(1),
    budgetMs: 300,
    note: 'Node 20 with fake-indexeddb; passphrase KDF excluded (cheap settings); relay unreachable (offline open)',
  }),
);
process.exit(0);
