import { expect, test } from '@playwright/test';
import { startRecord } from './helpers';

/**
 * What the patient types never rests in the browser's storage in plaintext: not in IndexedDB
 * (outer documents, vault, checkpoints), Cache Storage, localStorage or sessionStorage.
 */
const CANARY = 'CANARY-sciatica-4d1e7b';

test('a check-in note is nowhere in browser storage in plaintext', async ({ page }) => {
  await startRecord(page);
  await page.getByRole('link', { name: 'Check-in' }).first().click();
  await page.getByRole('radio', { name: '7 — Leg pain' }).click();
  await page.getByLabel('Anything to add? (optional)').fill(CANARY);
  await page.getByRole('button', { name: 'Save check-in' }).click();
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'synced', {
    timeout: 15_000,
  });
  // Locking writes the encrypted checkpoints too.
  await page.getByRole('link', { name: 'Record' }).first().click();
  await expect(page.getByText(CANARY)).toBeVisible();
  await page.getByRole('button', { name: 'Lock' }).click();
  await expect(page.getByRole('heading', { name: 'Unlock your record' })).toBeVisible();

  const found = await page.evaluate(async (needle) => {
    const hits: string[] = [];
    const bytes = new TextEncoder().encode(needle);
    const containsBytes = (hay: Uint8Array) => {
      outer: for (let i = 0; i + bytes.length <= hay.length; i++) {
        for (let j = 0; j < bytes.length; j++) if (hay[i + j] !== bytes[j]) continue outer;
        return true;
      }
      return false;
    };
    const visit = (where: string, v: unknown): void => {
      if (typeof v === 'string') {
        if (v.includes(needle)) hits.push(where);
      } else if (v instanceof Uint8Array) {
        if (containsBytes(v)) hits.push(where);
      } else if (v instanceof ArrayBuffer) {
        if (containsBytes(new Uint8Array(v))) hits.push(where);
      } else if (Array.isArray(v)) v.forEach((x) => visit(where, x));
      else if (v && typeof v === 'object') Object.values(v).forEach((x) => visit(where, x));
    };
    let stores = 0;
    for (const info of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open(info.name!);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      for (const name of Array.from(db.objectStoreNames)) {
        stores++;
        const all = await new Promise<unknown[]>((resolve, reject) => {
          const req = db.transaction(name).objectStore(name).getAll();
          req.onsuccess = () => resolve(req.result as unknown[]);
          req.onerror = () => reject(req.error);
        });
        visit(`indexedDB ${info.name}/${name}`, all);
      }
      db.close();
    }
    for (const key of await caches.keys()) {
      const cache = await caches.open(key);
      for (const req of await cache.keys()) {
        const res = await cache.match(req);
        if (res) visit(`cache ${req.url}`, new Uint8Array(await res.arrayBuffer()));
      }
    }
    for (const s of [localStorage, sessionStorage]) {
      for (let i = 0; i < s.length; i++) visit('web storage', s.getItem(s.key(i)!));
    }
    return { hits, stores };
  }, CANARY);
  expect(found.stores).toBeGreaterThanOrEqual(5);
  expect(found.hits).toEqual([]);
});
