// Bundled by browser-open.ts and run in headless Chromium with its real IndexedDB.
import { RecordSession } from '../../src/lib/app/record-session';
import { COMPARTMENTS, newEntryId, putEntry } from '../../src/lib/core/record/index';
import { DeviceStore } from '../../src/lib/platform/vault-db';

const fast = { alg: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;
// A window longer than the build loop: only `flush()` seals, so the envelope count is exact.
const opts = { kdf: fast, namespace: '-bench', batchMs: 60_000 };
const OFFLINE_RELAY = 'http://127.0.0.1:9';
const DAY = 86_400_000;
const start = Date.UTC(2021, 0, 1);
/** Opens of each kind; the machine is shared, so the best and the median are reported. */
const RUNS = 7;

/** 2,800 entries in 300 envelopes (250 clinical, 50 messages), below the compaction threshold. */
async function build() {
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
  session.flush();
  const base = (c: typeof clinical) => c.outer.getArray('envelopes').length;
  const before = base(clinical) + base(messages);
  for (let i = 0; i < 2300; i++) {
    if (i < 2000) put(clinical, i, 'pain-checkin', { scores: { back: i % 11, leg: (i * 7) % 11 } });
    // A registered type: an unregistered one would be dropped on open and not counted.
    else
      put(clinical, (i - 2000) * 6, 'motion-test', {
        test: 'neck',
        source: 'sensor',
        planes: { 'flexion-extension': { a: 40 + (i % 15), b: 50 } },
      });
    if (Math.floor(((i + 1) * 250) / 2300) > Math.floor((i * 250) / 2300)) session.flush(); // 250
  }
  for (let i = 0; i < 500; i++) {
    put(messages, i * 3, 'message', { text: `Question ${i}` });
    if (i % 10 === 9) session.flush(); // 50 envelopes
  }
  session.flush();
  const envelopes = base(clinical) + base(messages);
  const docIds = COMPARTMENTS.map((n) => session.compartment(n)?.docId).filter(
    (id): id is string => id !== undefined,
  );
  await session.close();
  return { envelopes: envelopes - before, docIds };
}

async function open(dropCheckpoints: string[] | null) {
  const times: number[] = [];
  let entries = 0;
  for (let k = 0; k < RUNS; k++) {
    if (dropCheckpoints) {
      const store = new DeviceStore('-bench');
      for (const id of dropCheckpoints) await store.deleteCheckpoint(id);
    }
    const t = performance.now();
    const s = await RecordSession.unlock('bench passphrase', opts);
    entries = s!.entries('clinical').length + s!.entries('messages').length;
    times.push(performance.now() - t);
    await s!.close();
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    entries,
    ms: +sorted[0]!.toFixed(1),
    medianMs: +sorted[Math.floor(sorted.length / 2)]!.toFixed(1),
    runs: times.map((x) => +x.toFixed(1)),
  };
}

async function run() {
  const { envelopes, docIds } = await build();
  const withCheckpoint = await open(null);
  const without = await open(docIds);
  return {
    entries: withCheckpoint.entries,
    envelopes,
    openWithCheckpointMs: withCheckpoint.ms,
    openWithCheckpointMedianMs: withCheckpoint.medianMs,
    runs: withCheckpoint.runs,
    openWithoutCheckpoint: {
      ms: without.ms,
      medianMs: without.medianMs,
      overCheckpointedMedian: +(without.medianMs / withCheckpoint.medianMs).toFixed(2),
      runs: without.runs,
      entries: without.entries,
      budgetMs: 150,
      note: 'every envelope verified (WebCrypto, concurrently) and applied in order',
    },
  };
}

(globalThis as unknown as { runBench: typeof run }).runBench = run;
