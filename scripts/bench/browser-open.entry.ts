// Bundled by browser-open.ts and run in headless Chromium with its real IndexedDB.
import { RecordSession } from '../../src/lib/app/record-session';
import { newEntryId, putEntry } from '../../src/lib/core/record/index';

const fast = { alg: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;
const opts = { kdf: fast, namespace: '-bench', batchMs: 1 };
const OFFLINE_RELAY = 'http://127.0.0.1:9';
const DAY = 86_400_000;
const start = Date.UTC(2021, 0, 1);

async function run() {
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
    put(clinical, i, 'pain-checkin', { scores: { back: i % 11, leg: (i * 7) % 11 } });
    if (i % 50 === 0) session.flush();
  }
  for (let i = 0; i < 300; i++) put(clinical, i * 6, 'motion-summary', { romDeg: 40 + (i % 15) });
  for (let i = 0; i < 500; i++) put(messages, i * 3, 'message', { text: `Question ${i}` });
  session.flush();
  await session.close();
  const times: number[] = [];
  let entries = 0;
  for (let k = 0; k < 3; k++) {
    const t = performance.now();
    const s = await RecordSession.unlock('bench passphrase', opts);
    entries = s!.entries('clinical').length + s!.entries('messages').length;
    times.push(performance.now() - t);
    await s!.close();
  }
  return {
    entries,
    openWithCheckpointMs: +Math.min(...times).toFixed(1),
    runs: times.map((x) => +x.toFixed(1)),
  };
}

(globalThis as unknown as { runBench: typeof run }).runBench = run;
