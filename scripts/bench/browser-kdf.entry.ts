// Bundled by browser-kdf.ts and run in headless Chromium: the passphrase KDF and a whole unlock.
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { RecordSession } from '../../src/lib/app/record-session';
import {
  DEFAULT_KDF,
  LEGACY_KDF,
  randomBytes,
  unwrapWithPassphrase,
  wrapWithPassphrase,
  type KdfSettings,
} from '../../src/lib/core/crypto/index';
import { DeviceStore } from '../../src/lib/platform/vault-db';

const OFFLINE_RELAY = 'http://127.0.0.1:9';
const RUNS = 5;

function summary(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    medianMs: +sorted[Math.floor(sorted.length / 2)]!.toFixed(1),
    runs: times.map((x) => +x.toFixed(1)),
  };
}

async function kdf(settings: KdfSettings) {
  const w = await wrapWithPassphrase('bench passphrase', randomBytes(64), settings);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await unwrapWithPassphrase('bench passphrase', w);
    times.push(performance.now() - t);
  }
  return summary(times);
}

/** scrypt at OWASP's minimum, the alternative that was not chosen. */
async function scryptMinimum() {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await scryptAsync('bench passphrase', randomBytes(16), { N: 2 ** 17, r: 8, p: 1, dkLen: 32 });
    times.push(performance.now() - t);
  }
  return summary(times);
}

/**
 * `RecordSession.unlock` end to end (KDF, keychain, manifest, IndexedDB, inner docs). For a vault
 * written with weaker settings, also the time until the re-wrapped vault is stored (it runs after
 * unlock returns).
 */
async function unlock(written: KdfSettings, namespace: string) {
  const times: number[] = [];
  const upgraded: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const opts = { namespace: `${namespace}-${i}`, batchMs: 1 };
    const { session } = await RecordSession.create('bench passphrase', OFFLINE_RELAY, {
      ...opts,
      kdf: written,
    });
    session.write('pain-checkin', { scores: { back: 3 } });
    session.flush();
    await session.close();
    const t = performance.now();
    const s = await RecordSession.unlock('bench passphrase', opts);
    times.push(performance.now() - t);
    if (written.alg !== DEFAULT_KDF.alg) {
      const store = new DeviceStore(opts.namespace);
      while ((await store.readVault())!.keychain.kdf.alg !== DEFAULT_KDF.alg) {
        await new Promise((r) => setTimeout(r, 5));
      }
      upgraded.push(performance.now() - t);
      store.close();
    }
    await s!.close();
  }
  return { ...summary(times), ...(upgraded.length ? { upgradeStored: summary(upgraded) } : {}) };
}

async function run() {
  return {
    kdf: { ...DEFAULT_KDF, ...(await kdf(DEFAULT_KDF)) },
    baseline: { name: 'scrypt N=2^15, r=8, p=1 (vaults before)', ...(await kdf(LEGACY_KDF)) },
    scryptN17: { name: 'scrypt N=2^17, r=8, p=1 (not chosen)', ...(await scryptMinimum()) },
    unlock: await unlock(DEFAULT_KDF, '-bench-kdf'),
    unlockWithUpgrade: await unlock(LEGACY_KDF, '-bench-kdf-old'),
  };
}

(globalThis as unknown as { runBench: typeof run }).runBench = run;
