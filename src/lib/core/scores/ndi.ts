/** [NDI-1..5] Neck Disability Index. */
export const NDI_CODES = {
  panel: '82226-2',
  items: [
    '82227-0',
    '82228-8',
    '82229-6',
    '82230-4',
    '82231-2',
    '82232-0',
    '82233-8',
    '82234-6',
    '82235-3',
    '82236-1',
  ],
  total: '82237-9',
} as const;
/** [NDI-4] Young et al. 2009, raw points. */
export const NDI_MCID_RAW = 7.5;

export type NdiBand = 'none' | 'mild' | 'moderate' | 'severe' | 'complete';

export interface NdiResult {
  readonly raw: number;
  readonly percent: number;
  readonly answered: number;
  readonly missing: number;
  readonly band: NdiBand;
}

export function scoreNdi(items: ReadonlyArray<number | null>): NdiResult {
  if (items.length !== 10) throw new RangeError('The NDI has ten items.');
  const answered = items.filter((s): s is number => s !== null);
  if (answered.some((s) => !(Number.isInteger(s) && s >= 0 && s <= 5))) {
    throw new RangeError('NDI items score 0–5.');
  }
  if (answered.length === 0) throw new RangeError('No NDI item was answered.');
  const raw = (answered.reduce((s, x) => s + x, 0) * 10) / answered.length;
  return {
    raw,
    percent: raw * 2,
    answered: answered.length,
    missing: 10 - answered.length,
    band: ndiBand(raw),
  };
}

export function ndiBand(raw: number): NdiBand {
  if (raw < 5) return 'none';
  if (raw < 15) return 'mild';
  if (raw < 25) return 'moderate';
  if (raw < 35) return 'severe';
  return 'complete';
}
