import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { instantiateKernels } from './wasm';
import { dimensionlessJerk, ldlj, sparc } from './smoothness';
import { prng } from '../prng';

const bytes = readFileSync(fileURLToPath(new URL('./generated/kernels.wasm', import.meta.url)));

describe('WASM kernels equal the TypeScript reference to 1e-9', () => {
  it('on the research test vectors and on random speed profiles', async () => {
    const k = await instantiateKernels(bytes);
    const gaussian = Array.from({ length: 200 }, (_, i) => Math.exp(-5 * (-1 + i * 0.01) ** 2));
    const profiles: Array<{ v: number[]; fs: number }> = [{ v: gaussian, fs: 100 }];
    const rand = prng(7);
    for (let p = 0; p < 50; p++) {
      const n = 3 + Math.floor(rand() * 600);
      const fs = [30, 50, 60, 100][p % 4]!;
      let x = rand();
      profiles.push({ v: Array.from({ length: n }, () => (x = Math.abs(x + rand() - 0.5))), fs });
    }
    for (const { v, fs } of profiles) {
      expect(Math.abs(k.sparc(v, fs) - sparc(v, fs))).toBeLessThan(1e-9);
      expect(Math.abs(k.ldlj(v, fs) - ldlj(v, fs))).toBeLessThan(1e-9);
      const dj = dimensionlessJerk(v, fs);
      expect(Math.abs(k.dimensionlessJerk(v, fs) - dj) / Math.abs(dj)).toBeLessThan(1e-9);
    }
  });
});
