import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { instantiateKernels, type MotionKernels } from '../motion/wasm';
import { logisticModel } from '../motion/models';
import { ModelRegistry, parseModelPack, type LogisticEngine } from './pack';

// The fixture's coefficients are made up (it says so in its name, source and `testFixture`); it
// lives under tests/ and is never shipped (static/ holds what ships).
const fixture = (): Record<string, unknown> =>
  JSON.parse(
    readFileSync(
      new URL('../../../../tests/fixtures/model-packs/test-fixture-pack.json', import.meta.url),
      'utf8',
    ),
  ) as Record<string, unknown>;

let k: MotionKernels;
let wasm: LogisticEngine;
beforeAll(async () => {
  k = await instantiateKernels(
    readFileSync(new URL('../motion/generated/kernels.wasm', import.meta.url)),
  );
  wasm = { engine: 'wasm', logisticModel: k.logisticModel };
});

describe('model packs', () => {
  it('installs the test pack after its vectors reproduce in the WASM kernel, and runs it there', () => {
    const registry = new ModelRegistry(wasm);
    const result = registry.install(fixture());
    expect(result).toMatchObject({ ok: true });
    const pack = registry.get('pickup')!;
    expect(pack.testFixture).toBe(true);
    expect(pack.name).toContain('TEST FIXTURE');
    const r = registry.evaluate('pickup', [45, 6, 1]);
    expect(r.probability).toBeCloseTo(pack.vectors[1]!.probability, 12);
    expect(
      Math.abs(
        r.linearPredictor - logisticModel(-2.1, [0.013, 0.21, 0.55], [45, 6, 1]).linearPredictor,
      ),
    ).toBeLessThan(1e-12);
    expect(() => registry.evaluate('pickup', [45, 11, 1])).toThrow('pain must be within 0–10.');
  });

  it('refuses a pack whose vectors do not reproduce, with the reason, and changes nothing', () => {
    const registry = new ModelRegistry(wasm);
    const bad = fixture();
    const vectors = bad.vectors as Array<{ probability: number }>;
    vectors[2]!.probability += 1e-6;
    const result = registry.install(bad);
    expect(result).toEqual({
      ok: false,
      reason: expect.stringMatching(/^Test vector 3 does not reproduce on this device/) as string,
    });
    expect(registry.list()).toEqual([]);
    // Changed coefficients with the old vectors: refused too.
    const shifted = { ...fixture(), coefficients: [0.013, 0.22, 0.55] };
    expect(registry.install(shifted)).toMatchObject({ ok: false, reason: /Test vector 1/ });
    expect(registry.list()).toEqual([]);
  });

  it('keeps an installed pack when a bad replacement is refused', () => {
    const registry = new ModelRegistry(wasm);
    expect(registry.install(fixture()).ok).toBe(true);
    expect(registry.install({ ...fixture(), intercept: 0 }).ok).toBe(false);
    expect(registry.get('pickup')!.intercept).toBe(-2.1);
  });

  it('refuses a pack outside the WASM kernel (the engine must be what verified it)', () => {
    const registry = new ModelRegistry({ engine: 'js', logisticModel });
    expect(registry.install(fixture())).toMatchObject({ ok: false, reason: /WebAssembly/ });
  });

  it.each([
    ['not an object', () => [], 'The pack must be an object.'],
    ['unknown field', () => ({ ...fixture(), extra: 1 }), 'The pack has an unknown field "extra".'],
    ['format', () => ({ ...fixture(), format: 2 }), "The pack's format must be 1."],
    ['kind', () => ({ ...fixture(), kind: 'points' }), 'The pack\'s kind must be "logistic".'],
    ['id', () => ({ ...fixture(), id: '../x' }), 'pack.id must be 1–40 characters'],
    [
      'missing card field',
      () => ({ ...fixture(), numbersSource: '' }),
      'pack.numbersSource must be a non-empty text.',
    ],
    [
      'coefficient count',
      () => ({ ...fixture(), coefficients: [1, 2] }),
      'pack.coefficients has 2 values for 3 predictors.',
    ],
    [
      'non-finite',
      () => ({ ...fixture(), intercept: 'NaN' }),
      'pack.intercept must be a finite number.',
    ],
    [
      'too few vectors',
      () => ({ ...fixture(), vectors: (fixture().vectors as unknown[]).slice(0, 2) }),
      'pack.vectors must have 3–1000 entries, not 2.',
    ],
    [
      'vector out of range',
      () => {
        const f = fixture();
        (f.vectors as Array<{ x: number[] }>)[0]!.x[0] = 200;
        return f;
      },
      "pack.vectors[0].x[0] (200) is outside age's range 16–100.",
    ],
    [
      'no limits',
      () => ({ ...fixture(), limits: [] }),
      'pack.limits must have 1–20 entries, not 0.',
    ],
  ])('refuses a bad pack (%s) with a clear reason', (_, make, reason) => {
    const registry = new ModelRegistry(wasm);
    const result = registry.install(make());
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
    expect(registry.list()).toEqual([]);
    expect(() => parseModelPack(make())).toThrow(reason);
  });
});
