/** [ODI-1..6] Oswestry Disability Index. */
export const ODI_CODES = { panel: '97908-8', score: '97909-6' } as const;
export const ODI_MCID = 10;

export type OdiBand = 'minimal' | 'moderate' | 'severe' | 'crippled' | 'bed-bound';

export interface OdiResult {
  /** Exact percentage 0–100. */
  readonly percent: number;
  readonly answered: number;
  readonly missing: number;
  readonly band: OdiBand;
}

function isSection(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 5;
}

/** Sections in order; `null` for a section left blank. */
export function scoreOdi(sections: ReadonlyArray<number | null>): OdiResult {
  if (sections.length !== 10) throw new RangeError('The ODI has ten sections.');
  const answered = sections.filter((s): s is number => s !== null);
  if (answered.some((s) => !isSection(s))) throw new RangeError('ODI sections score 0–5.');
  if (answered.length === 0) throw new RangeError('No ODI section was answered.');
  const sum = answered.reduce((s, x) => s + x, 0);
  const percent = (sum / (5 * answered.length)) * 100;
  return {
    percent,
    answered: answered.length,
    missing: 10 - answered.length,
    band: odiBand(percent),
  };
}

export function odiBand(percent: number): OdiBand {
  if (percent <= 20) return 'minimal';
  if (percent <= 40) return 'moderate';
  if (percent <= 60) return 'severe';
  if (percent <= 80) return 'crippled';
  return 'bed-bound';
}

/** [ODI-3] One decimal, half away from zero. */
export function roundOneDecimal(x: number): number {
  return (Math.sign(x) * Math.round(Math.abs(x) * 10 + 1e-9)) / 10;
}
