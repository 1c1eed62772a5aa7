import type { Figure } from './cards';
import type { LogisticResult } from '../motion/models';

/**
 * Model packs (issue 15): a deployment installs a prognostic model as a file, like a wording
 * pack. A pack is outside input: {@link parseModelPack} validates every field and refuses with
 * the first problem it finds; {@link ModelRegistry.install} then runs the pack's own test
 * vectors on the device's engine (the WASM kernel) and installs it only if every one
 * reproduces to 1e-9. A refused pack changes nothing.
 *
 * Format 1 holds a logistic model: p = 1 / (1 + e^(−(intercept + Σ βᵢ·xᵢ))).
 */

export const MODEL_PACK_FORMAT = 1;
/** How close the device must come to each test vector (absolute, on lp and on p). */
export const VECTOR_TOLERANCE = 1e-9;
const MIN_VECTORS = 3;
const MAX_PREDICTORS = 64;
const MAX_VECTORS = 1000;
const MAX_TEXT = 2000;

export interface PackPredictor {
  readonly key: string;
  /** What the number means and how it is coded, e.g. "years" or "0 = no, 1 = yes". */
  readonly coding: string;
  readonly min: number;
  readonly max: number;
}

export interface PackVector {
  readonly x: readonly number[];
  readonly linearPredictor: number;
  readonly probability: number;
}

export interface ModelPack {
  readonly format: 1;
  readonly id: string;
  readonly name: string;
  readonly kind: 'logistic';
  /** A test fixture (made-up numbers): shown as such, never as a real model. */
  readonly testFixture: boolean;
  readonly source: string;
  /** Where the intercept and coefficients come from (table, page, supplement). */
  readonly numbersSource: string;
  readonly population: string;
  readonly outcome: string;
  readonly intendedUse: string;
  readonly limits: readonly string[];
  readonly validation: readonly Figure[];
  readonly predictors: readonly PackPredictor[];
  readonly intercept: number;
  readonly coefficients: readonly number[];
  readonly vectors: readonly PackVector[];
}

export class ModelPackError extends Error {
  override readonly name = 'ModelPackError';
}

type Json = Record<string, unknown>;

function fail(message: string): never {
  throw new ModelPackError(message);
}

function obj(v: unknown, where: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${where} must be an object.`);
  return v as Json;
}

function onlyKeys(o: Json, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) fail(`${where} has an unknown field "${k}".`);
  }
}

function text(o: Json, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.trim() === '') fail(`${where}.${key} must be a non-empty text.`);
  if (v.length > MAX_TEXT) fail(`${where}.${key} is longer than ${MAX_TEXT} characters.`);
  return v;
}

function num(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${where} must be a finite number.`);
  return v;
}

function list(o: Json, key: string, where: string, min: number, max: number): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(`${where}.${key} must be a list.`);
  if (v.length < min || v.length > max) {
    fail(`${where}.${key} must have ${min}–${max} entries, not ${v.length}.`);
  }
  return v;
}

const PACK_KEYS = [
  'format',
  'id',
  'name',
  'kind',
  'testFixture',
  'source',
  'numbersSource',
  'population',
  'outcome',
  'intendedUse',
  'limits',
  'validation',
  'predictors',
  'intercept',
  'coefficients',
  'vectors',
] as const;

/** Validates a model pack file's JSON; throws {@link ModelPackError} with the first problem. */
export function parseModelPack(json: unknown): ModelPack {
  const o = obj(json, 'The pack');
  onlyKeys(o, PACK_KEYS, 'The pack');
  if (o.format !== MODEL_PACK_FORMAT) fail(`The pack's format must be ${MODEL_PACK_FORMAT}.`);
  if (o.kind !== 'logistic') fail('The pack\'s kind must be "logistic".');
  const id = text(o, 'id', 'pack');
  if (!/^[a-z0-9-]{1,40}$/.test(id)) fail('pack.id must be 1–40 characters of a–z, 0–9 and "-".');
  if (o.testFixture !== undefined && typeof o.testFixture !== 'boolean') {
    fail('pack.testFixture must be true or false.');
  }
  const limits = list(o, 'limits', 'pack', 1, 20).map((l, i) => {
    if (typeof l !== 'string' || l.trim() === '') fail(`pack.limits[${i}] must be a text.`);
    return l;
  });
  const validation = list(o, 'validation', 'pack', 1, 20).map((f, i): Figure => {
    const fo = obj(f, `pack.validation[${i}]`);
    onlyKeys(fo, ['what', 'value', 'source'], `pack.validation[${i}]`);
    return {
      what: text(fo, 'what', `pack.validation[${i}]`),
      value: text(fo, 'value', `pack.validation[${i}]`),
      source: text(fo, 'source', `pack.validation[${i}]`),
    };
  });
  const predictors = list(o, 'predictors', 'pack', 1, MAX_PREDICTORS).map((p, i) => {
    const w = `pack.predictors[${i}]`;
    const po = obj(p, w);
    onlyKeys(po, ['key', 'coding', 'min', 'max'], w);
    const min = num(po.min, `${w}.min`);
    const max = num(po.max, `${w}.max`);
    if (!(min < max)) fail(`${w}.min must be below its max.`);
    return { key: text(po, 'key', w), coding: text(po, 'coding', w), min, max };
  });
  const keys = new Set(predictors.map((p) => p.key));
  if (keys.size !== predictors.length) fail('pack.predictors has a key twice.');
  const intercept = num(o.intercept, 'pack.intercept');
  const coefficients = list(o, 'coefficients', 'pack', 1, MAX_PREDICTORS).map((c, i) =>
    num(c, `pack.coefficients[${i}]`),
  );
  if (coefficients.length !== predictors.length) {
    fail(
      `pack.coefficients has ${coefficients.length} values for ${predictors.length} predictors.`,
    );
  }
  const vectors = list(o, 'vectors', 'pack', MIN_VECTORS, MAX_VECTORS).map((v, i) => {
    const w = `pack.vectors[${i}]`;
    const vo = obj(v, w);
    onlyKeys(vo, ['x', 'linearPredictor', 'probability'], w);
    const x = list(vo, 'x', w, predictors.length, predictors.length).map((xi, j) => {
      const value = num(xi, `${w}.x[${j}]`);
      const p = predictors[j]!;
      if (value < p.min || value > p.max) {
        fail(`${w}.x[${j}] (${value}) is outside ${p.key}'s range ${p.min}–${p.max}.`);
      }
      return value;
    });
    const probability = num(vo.probability, `${w}.probability`);
    if (probability < 0 || probability > 1) fail(`${w}.probability must be within 0–1.`);
    return { x, linearPredictor: num(vo.linearPredictor, `${w}.linearPredictor`), probability };
  });
  return {
    format: 1,
    id,
    name: text(o, 'name', 'pack'),
    kind: 'logistic',
    testFixture: o.testFixture === true,
    source: text(o, 'source', 'pack'),
    numbersSource: text(o, 'numbersSource', 'pack'),
    population: text(o, 'population', 'pack'),
    outcome: text(o, 'outcome', 'pack'),
    intendedUse: text(o, 'intendedUse', 'pack'),
    limits,
    validation,
    predictors,
    intercept,
    coefficients,
    vectors,
  };
}

/** What evaluates a pack on the device: the WASM kernel's `logisticModel` in the app. */
export interface LogisticEngine {
  readonly engine: 'wasm' | 'js';
  logisticModel(
    intercept: number,
    coefficients: ArrayLike<number>,
    x: ArrayLike<number>,
  ): LogisticResult;
}

/** `null` when every test vector reproduces on `engine`; otherwise the first that does not. */
export function checkVectors(pack: ModelPack, engine: LogisticEngine): string | null {
  for (const [i, v] of pack.vectors.entries()) {
    const r = engine.logisticModel(pack.intercept, pack.coefficients, v.x);
    const dLp = Math.abs(r.linearPredictor - v.linearPredictor);
    const dP = Math.abs(r.probability - v.probability);
    if (!(dLp <= VECTOR_TOLERANCE) || !(dP <= VECTOR_TOLERANCE)) {
      return `Test vector ${i + 1} does not reproduce on this device: it gives linear predictor ${r.linearPredictor} and probability ${r.probability}, the pack says ${v.linearPredictor} and ${v.probability}.`;
    }
  }
  return null;
}

export type InstallResult =
  { readonly ok: true; readonly pack: ModelPack } | { readonly ok: false; readonly reason: string };

/** The packs installed on this device, each verified on its engine before it may run. */
export class ModelRegistry {
  private readonly packs = new Map<string, ModelPack>();

  constructor(private readonly engine: LogisticEngine) {}

  /** Validates and verifies `json`; installs it only if both pass. A refusal changes nothing. */
  install(json: unknown): InstallResult {
    let pack: ModelPack;
    try {
      pack = parseModelPack(json);
    } catch (e) {
      if (e instanceof ModelPackError) return { ok: false, reason: e.message };
      throw e;
    }
    if (this.engine.engine !== 'wasm') {
      return {
        ok: false,
        reason: 'Model packs run only in the WebAssembly kernel, which did not load here.',
      };
    }
    const problem = checkVectors(pack, this.engine);
    if (problem) return { ok: false, reason: problem };
    this.packs.set(pack.id, pack);
    return { ok: true, pack };
  }

  get(id: string): ModelPack | undefined {
    return this.packs.get(id);
  }

  list(): ModelPack[] {
    return [...this.packs.values()];
  }

  /** The model's result for `x` (validated against the pack's ranges), on the verified engine. */
  evaluate(id: string, x: readonly number[]): LogisticResult {
    const pack = this.packs.get(id);
    if (!pack) throw new ModelPackError(`No model pack "${id}" is installed.`);
    if (x.length !== pack.predictors.length) {
      throw new ModelPackError(`${pack.predictors.length} predictor values are needed.`);
    }
    x.forEach((v, i) => {
      const p = pack.predictors[i]!;
      if (!Number.isFinite(v) || v < p.min || v > p.max) {
        throw new ModelPackError(`${p.key} must be within ${p.min}–${p.max}.`);
      }
    });
    return this.engine.logisticModel(pack.intercept, pack.coefficients, x);
  }
}
