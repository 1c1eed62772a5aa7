/**
 * Where an imported entry came from (issue 13 item 4): "imported from <organisation or author>,
 * <date>", and the key that keeps a second import of the same document from adding it twice.
 * Carried as the optional `source` of a condition, an allergy, a medicine, a pain rating, a
 * questionnaire, a PSFS, a goal and a work status (and the required one of a result); checked by
 * their guards on every device.
 */
export interface ImportProvenance {
  /** The organisation, or failing that the person, that recorded it. */
  readonly from: string;
  /** Calendar day it was recorded. */
  readonly date: string;
  /** Stable across imports of the same resource. */
  readonly key: string;
}

/** A real calendar day `YYYY-MM-DD` (as `medicines.ts` checks it; no import cycle). */
function isCalendarDay(v: unknown): boolean {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

const hasControl = (v: string) =>
  [...v].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127);
const short = (v: unknown, max: number): v is string =>
  typeof v === 'string' && v.trim() !== '' && v.length <= max && !hasControl(v);

export function isImportProvenance(v: unknown): v is ImportProvenance {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return (
    Object.keys(o).every((k) => k === 'from' || k === 'date' || k === 'key') &&
    short(o['from'], 200) &&
    isCalendarDay(o['date']) &&
    short(o['key'], 300)
  );
}

/** An optional `source` field: absent, or a valid provenance. */
export function isOptionalProvenance(v: unknown): boolean {
  return v === undefined || isImportProvenance(v);
}

/** Where an entry's data came from when it was imported; `undefined` for the record's own. */
export function importSourceOf(data: unknown): ImportProvenance | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const source = (data as { source?: unknown }).source;
  return isImportProvenance(source) ? source : undefined;
}
