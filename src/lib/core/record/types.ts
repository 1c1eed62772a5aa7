/** Entry types and their data. */

export const PAIN_REGIONS = ['back', 'leg', 'neck'] as const;
export type PainRegion = (typeof PAIN_REGIONS)[number];

/** A quick check-in: pain now on the 0–10 numeric rating scale, per region. */
export interface PainCheckIn {
  readonly scores: Partial<Record<PainRegion, number>>;
  readonly note?: string;
}

export const PAIN_CHECKIN = 'pain-checkin';

export function isPainCheckIn(data: unknown): data is PainCheckIn {
  if (typeof data !== 'object' || data === null) return false;
  const scores = (data as { scores?: unknown }).scores;
  if (typeof scores !== 'object' || scores === null) return false;
  const entries = Object.entries(scores);
  if (entries.length === 0) return false;
  for (const [region, value] of entries) {
    if (!(PAIN_REGIONS as readonly string[]).includes(region)) return false;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 10)
      return false;
  }
  const note = (data as { note?: unknown }).note;
  return note === undefined || (typeof note === 'string' && note.length <= 2000);
}
