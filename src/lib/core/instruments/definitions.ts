import { NDI_CODES, NDI_MCID_RAW, scoreNdi } from '../scores/ndi';
import { NRS_LOINC } from '../scores/nrs';
import { ODI_CODES, ODI_MCID, scoreOdi } from '../scores/oswestry';
import { ORE_CODES, ORE_ITEMS, ORE_VERSION, orebroFromV1, scoreOrebro } from '../scores/orebro';
import { SBT_BOTHER, SBT_CODES, scoreStartBack, type SbtAnswers } from '../scores/startback';

/**
 * The questionnaires a patient fills in, as data: structure, codes, scoring, schedule. Wording is
 * not here: it loads from an instrument pack (./pack.ts), because most of it is licensed.
 */

export const INSTRUMENTS = ['startback', 'orebro', 'odi', 'ndi'] as const;
export type InstrumentId = (typeof INSTRUMENTS)[number];

export const LOINC = 'http://loinc.org';

export interface Coding {
  readonly system: string;
  readonly code: string;
}

export interface ItemDef {
  /** Stable name of the item; a wording pack names it too, so a pack in another order is refused. */
  readonly key: string;
  /** Allowed answers, in the order the form lists them. */
  readonly options: readonly number[];
  readonly code?: Coding;
}

export interface InstrumentResult {
  readonly instrument: InstrumentId;
  /** The headline score, exact. */
  readonly score: number;
  /** The largest possible headline score (for charts). */
  readonly max: number;
  /** `%` for ODI; `points` otherwise. */
  readonly unit: '%' | 'points';
  /** Band or risk group: a key under `band.<instrument>.*` in the catalogues. */
  readonly band: string;
  /** Whether the band is one a professional should look at (medium/high risk, severe…). */
  readonly concern: boolean;
  readonly missing: number;
  /** STarT Back only: the psychosocial subscale. */
  readonly subscale?: number;
  readonly code: Coding;
  readonly scored: true;
}

/** A response with more blank items than the instrument's rules allow: there is no score. */
export interface NotScored {
  readonly instrument: InstrumentId;
  readonly scored: false;
  readonly missing: number;
  /** The most blank items that still allow a score. */
  readonly maxMissing: number;
}

export interface InstrumentDef {
  readonly id: InstrumentId;
  /** Proper name, the same in every language. */
  readonly name: string;
  readonly short: string;
  readonly region: 'back' | 'neck' | 'any';
  readonly panel: Coding;
  readonly items: readonly ItemDef[];
  /**
   * Version of the item order and structure. A stored response and a wording pack say which
   * version they follow (absent = 1); readers put older versions into this one before scoring.
   */
  readonly version: number;
  /** Older versions this definition still reads: each puts stored answers into today's order. */
  readonly upgrades: Readonly<Record<number, <T>(answers: readonly T[]) => T[]>>;
  /** The most blank items that still allow a score (0: every item is required). */
  readonly maxMissing: number;
  /** Days after which it is due again. */
  readonly intervalDays: number;
  /** Smallest change that matters, in headline points, with its source; null if none stated. */
  readonly mcid: { readonly points: number; readonly source: string } | null;
  /** Citation of the scoring rules. */
  readonly source: string;
  /** Whether the open repository may ship the wording (else a pack must be installed). */
  readonly wordingShipped: boolean;
  score(answers: ReadonlyArray<number | null>): InstrumentResult;
}

/** [SBT-1] Keele's items 1–9, by topic (the wording is in the pack). */
const SBT_ITEM_KEYS = [
  'leg-pain',
  'shoulder-neck-pain',
  'walked-short-distances',
  'dressed-slowly',
  'not-safe-to-be-active',
  'worrying-thoughts',
  'never-get-better',
  'no-enjoyment',
  'bothersome',
] as const;

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const loinc = (code: string): Coding => ({ system: LOINC, code });

const startback: InstrumentDef = {
  id: 'startback',
  name: 'Keele STarT Back Screening Tool',
  short: 'STarT Back',
  region: 'back',
  panel: loinc(SBT_CODES.panel),
  items: SBT_CODES.items.map((code, i) => ({
    key: SBT_ITEM_KEYS[i]!,
    options: i < 8 ? [0, 1] : range(0, SBT_BOTHER.length - 1),
    code: loinc(code),
  })),
  version: 1,
  upgrades: {},
  maxMissing: 0,
  intervalDays: 28,
  mcid: null,
  source: 'Hill et al., Arthritis Rheum 2008;59:632–41 (SPEC SBT-1..6)',
  wordingShipped: true,
  score(answers) {
    const a = required(this, answers);
    const r = scoreStartBack({
      agree: a.slice(0, 8).map((x) => x === 1) as unknown as SbtAnswers['agree'],
      bother: SBT_BOTHER[a[8]!]!,
    });
    return {
      instrument: 'startback',
      score: r.total,
      max: 9,
      unit: 'points',
      band: r.risk,
      concern: r.risk !== 'low',
      missing: 0,
      subscale: r.psychosocial,
      code: loinc(SBT_CODES.total),
      scored: true,
    };
  },
};

const orebro: InstrumentDef = {
  id: 'orebro',
  name: 'Örebro Musculoskeletal Pain Screening Questionnaire, short form',
  short: 'ÖMPSQ-10',
  region: 'any',
  panel: { system: ORE_CODES.system, code: ORE_CODES.panel },
  items: ORE_ITEMS.map((item) => ({ key: item.key, options: range(item.min, item.max) })),
  version: ORE_VERSION,
  upgrades: { 1: orebroFromV1 },
  maxMissing: 0,
  intervalDays: 91,
  mcid: null,
  source: 'Linton, Nicholas & MacDonald, Spine 2011;36:1891–5 (SPEC ORE-1..6)',
  wordingShipped: false,
  score(answers) {
    const r = scoreOrebro(required(this, answers));
    return {
      instrument: 'orebro',
      score: r.total,
      max: 100,
      unit: 'points',
      band: r.risk,
      concern: r.risk === 'raised',
      missing: 0,
      code: { system: ORE_CODES.system, code: ORE_CODES.total },
      scored: true,
    };
  },
};

const odi: InstrumentDef = {
  id: 'odi',
  name: 'Oswestry Disability Index 2.1a',
  short: 'ODI',
  region: 'back',
  panel: loinc(ODI_CODES.panel),
  items: range(1, 10).map((n) => ({ key: `section-${n}`, options: range(0, 5) })),
  version: 1,
  upgrades: {},
  maxMissing: 9,
  intervalDays: 28,
  mcid: { points: ODI_MCID, source: 'Ostelo et al., Spine 2008 (SPEC ODI-5)' },
  source: 'Fairbank & Pynsent, Spine 2000;25:2940–53 (SPEC ODI-1..6)',
  wordingShipped: false,
  score(answers) {
    const r = scoreOdi(answers);
    return {
      instrument: 'odi',
      score: r.percent,
      max: 100,
      unit: '%',
      band: r.band,
      concern: r.percent > 40,
      missing: r.missing,
      code: loinc(ODI_CODES.score),
      scored: true,
    };
  },
};

const ndi: InstrumentDef = {
  id: 'ndi',
  name: 'Neck Disability Index',
  short: 'NDI',
  region: 'neck',
  panel: loinc(NDI_CODES.panel),
  items: NDI_CODES.items.map((code, i) => ({
    key: `item-${i + 1}`,
    options: range(0, 5),
    code: loinc(code),
  })),
  version: 1,
  upgrades: {},
  maxMissing: 9,
  intervalDays: 28,
  mcid: { points: NDI_MCID_RAW, source: 'Young et al., Spine J 2009 (SPEC NDI-4)' },
  source: 'Vernon & Mior, J Manipulative Physiol Ther 1991;14:409–15 (SPEC NDI-1..5)',
  wordingShipped: false,
  score(answers) {
    const r = scoreNdi(answers);
    return {
      instrument: 'ndi',
      score: r.raw,
      max: 50,
      unit: 'points',
      band: r.band,
      concern: r.raw >= 25,
      missing: r.missing,
      code: loinc(NDI_CODES.total),
      scored: true,
    };
  },
};

export const INSTRUMENT: Readonly<Record<InstrumentId, InstrumentDef>> = {
  startback,
  orebro,
  odi,
  ndi,
};

export const PAIN_CODE = loinc(NRS_LOINC);

export function isInstrumentId(v: unknown): v is InstrumentId {
  return typeof v === 'string' && (INSTRUMENTS as readonly string[]).includes(v);
}

function required(def: InstrumentDef, answers: ReadonlyArray<number | null>): number[] {
  if (answers.length !== def.items.length || answers.some((a) => a === null)) {
    throw new RangeError(`${def.short} is scored only when every item is answered.`);
  }
  return answers as number[];
}

/** How many items are blank. */
export function missingCount(answers: ReadonlyArray<unknown>): number {
  return answers.filter((a) => a === null).length;
}

/**
 * Checks a response's answers against the structure: right count, each answer one of the item's
 * options (or null), and few enough blanks to score ([SBT-5], [ORE-3], [ODI-2], [NDI-2]). Returns
 * a problem or null.
 */
export function answersProblem(
  def: InstrumentDef,
  answers: ReadonlyArray<unknown>,
): 'count' | 'value' | 'incomplete' | null {
  const p = structureProblem(def, answers);
  if (p !== null) return p;
  return missingCount(answers) > def.maxMissing ? 'incomplete' : null;
}

/** Count and values only: a response that fails here cannot even be shown as "not scored". */
export function structureProblem(
  def: InstrumentDef,
  answers: ReadonlyArray<unknown>,
): 'count' | 'value' | null {
  if (answers.length !== def.items.length) return 'count';
  for (let i = 0; i < answers.length; i++) {
    const a = answers[i];
    if (a === null) continue;
    if (typeof a !== 'number' || !def.items[i]!.options.includes(a)) return 'value';
  }
  return null;
}

/**
 * The result of answers in today's order: the score, or "not scored" when more items are blank
 * than the instrument's rules allow. Throws only for answers that fail {@link structureProblem}.
 */
export function assess(
  def: InstrumentDef,
  answers: ReadonlyArray<number | null>,
): InstrumentResult | NotScored {
  const p = structureProblem(def, answers);
  if (p !== null) throw new RangeError(`${def.short}: these answers do not fit the form (${p}).`);
  const missing = missingCount(answers);
  if (missing > def.maxMissing) {
    return { instrument: def.id, scored: false, missing, maxMissing: def.maxMissing };
  }
  return def.score(answers);
}

/**
 * [ORE-7] Answers stored under `version` (absent = 1), in today's order; null for a version this
 * app does not know (a newer app wrote it, or it is forged).
 */
export function currentOrder<T>(
  def: InstrumentDef,
  version: number,
  answers: readonly T[],
): T[] | null {
  if (version === def.version) return answers.slice();
  const upgrade = Object.hasOwn(def.upgrades, version) ? def.upgrades[version] : undefined;
  if (upgrade === undefined || answers.length !== def.items.length) return null;
  return upgrade(answers);
}
