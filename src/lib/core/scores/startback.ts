/** [SBT-1..6] Keele STarT Back Screening Tool. */
export const SBT_BOTHER = [
  'not-at-all',
  'slightly',
  'moderately',
  'very-much',
  'extremely',
] as const;
export type SbtBother = (typeof SBT_BOTHER)[number];

export interface SbtAnswers {
  /** Items 1–8: true = agree. */
  readonly agree: readonly [boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean];
  /** Item 9. */
  readonly bother: SbtBother;
}

export type SbtRisk = 'low' | 'medium' | 'high';

export interface SbtResult {
  readonly total: number;
  readonly psychosocial: number;
  readonly risk: SbtRisk;
}

export const SBT_CODES = {
  panel: '91349-1',
  items: [
    '91340-0',
    '91341-8',
    '91342-6',
    '91343-4',
    '91344-2',
    '91345-9',
    '91346-7',
    '91347-5',
    '91348-3',
  ],
  psychosocial: '91350-9',
  total: '91351-7',
  risk: '91352-5',
  riskAnswers: { low: 'LA9194-7', medium: 'LA8982-6', high: 'LA9193-9' },
} as const;

export function scoreStartBack(a: SbtAnswers): SbtResult {
  if (a.agree.length !== 8 || !SBT_BOTHER.includes(a.bother)) {
    throw new RangeError('STarT Back needs all nine items.');
  }
  const items = [
    ...a.agree.map((x) => (x ? 1 : 0)),
    a.bother === 'very-much' || a.bother === 'extremely' ? 1 : 0,
  ];
  const total = items.reduce((s, x) => s + x, 0);
  const psychosocial = items.slice(4).reduce((s, x) => s + x, 0);
  const risk: SbtRisk = psychosocial >= 4 ? 'high' : total >= 4 ? 'medium' : 'low';
  return { total, psychosocial, risk };
}
