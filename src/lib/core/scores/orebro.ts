/**
 * [ORE-1..8] Örebro Musculoskeletal Pain Screening Questionnaire, short form (ÖMPSQ-10).
 * Linton, Nicholas & MacDonald, Spine 2011;36(22):1891–5.
 */

/**
 * [ORE-1][ORE-2] Items in the published form's order and numbering; `reversed` items (3, 4 and 8)
 * count as 10 − answer.
 */
export const ORE_ITEMS = [
  { key: 'duration', factor: 'pain', reversed: false, min: 1, max: 10 },
  { key: 'pain-past-week', factor: 'pain', reversed: false, min: 0, max: 10 },
  { key: 'light-work-hour', factor: 'function', reversed: true, min: 0, max: 10 },
  { key: 'sleep-at-night', factor: 'function', reversed: true, min: 0, max: 10 },
  { key: 'tense-anxious', factor: 'distress', reversed: false, min: 0, max: 10 },
  { key: 'depressed', factor: 'distress', reversed: false, min: 0, max: 10 },
  { key: 'risk-persistent', factor: 'work-expectancy', reversed: false, min: 0, max: 10 },
  { key: 'chance-working', factor: 'work-expectancy', reversed: true, min: 0, max: 10 },
  { key: 'pain-stop', factor: 'fear-avoidance', reversed: false, min: 0, max: 10 },
  { key: 'not-work-with-pain', factor: 'fear-avoidance', reversed: false, min: 0, max: 10 },
] as const;

export type OrebroItemKey = (typeof ORE_ITEMS)[number]['key'];

/**
 * [ORE-7] Version of the item order. Version 1 (responses without a version) stored the items in
 * Backpack's earlier, wrong order, {@link ORE_V1_ORDER}; version 2 is the published order.
 */
export const ORE_VERSION = 2;
export const ORE_V1_ORDER: readonly OrebroItemKey[] = [
  'duration',
  'pain-past-week',
  'tense-anxious',
  'depressed',
  'risk-persistent',
  'chance-working',
  'pain-stop',
  'not-work-with-pain',
  'light-work-hour',
  'sleep-at-night',
];

/** [ORE-7] Answers stored in the version 1 order, put into the published order. */
export function orebroFromV1<T>(answers: readonly T[]): T[] {
  if (answers.length !== ORE_ITEMS.length) throw new RangeError('The ÖMPSQ-10 has ten items.');
  return ORE_ITEMS.map((item) => answers[ORE_V1_ORDER.indexOf(item.key)]!);
}

/** [ORE-4] Linton 2011: a total of 50 or more marks a raised risk of future work disability. */
export const ORE_CUTOFF = 50;

/**
 * [ORE-6] LOINC has no code for the short form, so results use Backpack's own code system. The
 * URL is a stable identifier, not something fetched.
 */
export const ORE_CODES = {
  system: 'https://backpack.health/fhir/CodeSystem/instrument',
  panel: 'oempsq-10',
  total: 'oempsq-10-total',
} as const;

export type OrebroRisk = 'lower' | 'raised';

export interface OrebroResult {
  /** 1–100. */
  readonly total: number;
  readonly risk: OrebroRisk;
}

/** Answers as given on the form (before reversing), in the published item order. */
export function scoreOrebro(answers: ReadonlyArray<number | null>): OrebroResult {
  if (answers.length !== ORE_ITEMS.length) throw new RangeError('The ÖMPSQ-10 has ten items.');
  let total = 0;
  answers.forEach((a, i) => {
    const item = ORE_ITEMS[i]!;
    if (a === null)
      throw new RangeError('The ÖMPSQ-10 is scored only when every item is answered.');
    if (!(Number.isInteger(a) && a >= item.min && a <= item.max)) {
      throw new RangeError(`ÖMPSQ-10 item ${i + 1} takes ${item.min}–${item.max}.`);
    }
    total += item.reversed ? 10 - a : a;
  });
  return { total, risk: total >= ORE_CUTOFF ? 'raised' : 'lower' };
}
