import { isEntryOf } from './record/registry';
import {
  assess,
  INSTRUMENT,
  type InstrumentResult,
  type NotScored,
} from './instruments/definitions';
import { schedule, type DueItem } from './instruments/schedule';
import { QUESTIONNAIRE, readQuestionnaireResponse, type CurrentResponse } from './record/clinical';
import type { Entry } from './record/entries';
import { importSourceOf, type ImportProvenance } from './record/provenance';
import { PAIN_CHECKIN, type PainRegion } from './record/types';
import { nrsChange } from './scores/nrs';

/**
 * Trajectories and plain-language insight from the record's entries (pure: the views format).
 * Entries from other devices are outside input: anything failing its guard is skipped.
 */

export interface Point {
  /** ISO instant. */
  readonly at: string;
  readonly value: number;
  readonly entry: Entry;
}

/**
 * The patient's own NRS ratings for one region, oldest first. Ratings imported from another
 * system (issue 13) are not check-ins: they are in {@link importedPainSeries}, never in the
 * line, the trend or the fitted curve.
 */
export function painSeries(entries: readonly Entry[], region: PainRegion): Point[] {
  const out: Point[] = [];
  for (const e of entries) {
    if (!isEntryOf(e, PAIN_CHECKIN) || importSourceOf(e.data)) continue;
    const value = e.data.scores[region];
    if (value !== undefined) out.push({ at: e.at, value, entry: e });
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

export interface ImportedPoint extends Point {
  readonly source: ImportProvenance;
}

/** Ratings for one region imported from elsewhere, oldest first, each with its source. */
export function importedPainSeries(entries: readonly Entry[], region: PainRegion): ImportedPoint[] {
  const out: ImportedPoint[] = [];
  for (const e of entries) {
    if (!isEntryOf(e, PAIN_CHECKIN)) continue;
    const source = importSourceOf(e.data);
    const value = e.data.scores[region];
    if (source && value !== undefined) out.push({ at: e.at, value, entry: e, source });
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

/** The regions the patient has ever rated (for which questionnaires apply, SCH-2). */
export function painRegions(entries: readonly Entry[]): Set<PainRegion> {
  const set = new Set<PainRegion>();
  for (const e of entries) {
    if (!isEntryOf(e, PAIN_CHECKIN)) continue;
    for (const [r, v] of Object.entries(e.data.scores))
      if (v !== undefined) set.add(r as PainRegion);
  }
  return set;
}

/** [SCH-1][SCH-2] The questionnaire schedule from the record: last answers, rated regions. */
export function questionnaireSchedule(entries: readonly Entry[], now: Date): DueItem[] {
  const last = new Map(scoredResponses(entries).map((s) => [s.result.instrument, s.entry.at]));
  return schedule(last, painRegions(entries), now);
}

export interface ResponseResult {
  /** The stored entry: read its answers through `response`, never from `entry.data`. */
  readonly entry: Entry;
  /** The answers in today's item order, whichever order the entry stored (ORE-7). */
  readonly response: CurrentResponse;
  readonly result: InstrumentResult | NotScored;
}

export interface ScoredResponse extends ResponseResult {
  readonly result: InstrumentResult;
}

/**
 * Every readable questionnaire, oldest first; one instrument or all. Responses with more blanks
 * than their rules allow come back as {@link NotScored}: the views say so instead of a number.
 */
export function questionnaireResults(
  entries: readonly Entry[],
  instrument?: string,
): ResponseResult[] {
  const out: ResponseResult[] = [];
  for (const e of entries) {
    if (e.type !== QUESTIONNAIRE) continue;
    const response = readQuestionnaireResponse(e.data);
    if (response === null) continue;
    if (instrument !== undefined && response.instrument !== instrument) continue;
    out.push({
      entry: e,
      response,
      result: assess(INSTRUMENT[response.instrument], response.answers),
    });
  }
  return out.sort((a, b) => a.entry.at.localeCompare(b.entry.at));
}

/** Scored questionnaires only (charts, insight, schedule, models), oldest first. */
export function scoredResponses(entries: readonly Entry[], instrument?: string): ScoredResponse[] {
  return questionnaireResults(entries, instrument).filter(
    (r): r is ScoredResponse => r.result.scored,
  );
}

/** The latest readable response of each instrument (scored or not). */
export function latestResults(entries: readonly Entry[]): ResponseResult[] {
  return [
    ...new Map(questionnaireResults(entries).map((r) => [r.response.instrument, r])).values(),
  ];
}

export type Direction = 'better' | 'worse' | 'same';

export interface Insight {
  readonly from: number;
  readonly to: number;
  /** When the baseline was recorded (ISO). */
  readonly since: string;
  /** Positive when things got better (lower pain or disability). */
  readonly improvement: number;
  readonly direction: Direction;
  /** [NRS-3] / [ODI-5] / [NDI-4]: the change reaches the smallest change that matters. */
  readonly meaningful: boolean;
}

/**
 * [INS-1] Pain: the first rating in the series is the baseline, the latest is now; a change is
 * meaningful per NRS-3 (2 points or 30 %). Needs two ratings on different days.
 */
export function painInsight(series: readonly Point[]): Insight | null {
  if (series.length < 2) return null;
  const first = series[0]!;
  const last = series[series.length - 1]!;
  if (first.at.slice(0, 10) === last.at.slice(0, 10)) return null;
  const c = nrsChange(first.value, last.value);
  return {
    from: first.value,
    to: last.value,
    since: first.at,
    improvement: c.improvement,
    direction: c.improvement > 0 ? 'better' : c.improvement < 0 ? 'worse' : 'same',
    meaningful: c.meaningfulImprovement || c.meaningfulWorsening,
  };
}

/**
 * [INS-2] Disability (ODI, NDI): first answer vs latest; meaningful when the change reaches the
 * instrument's MCID. Instruments without an MCID give no insight.
 */
export function scoreInsight(responses: readonly ScoredResponse[]): Insight | null {
  if (responses.length < 2) return null;
  const first = responses[0]!;
  const last = responses[responses.length - 1]!;
  const mcid = INSTRUMENT[first.result.instrument].mcid;
  if (!mcid) return null;
  const improvement = first.result.score - last.result.score;
  return {
    from: first.result.score,
    to: last.result.score,
    since: first.entry.at,
    improvement,
    direction: improvement > 0 ? 'better' : improvement < 0 ? 'worse' : 'same',
    meaningful: Math.abs(improvement) >= mcid.points,
  };
}

/**
 * [INS-3] The band around a baseline inside which a change is too small to matter: for pain
 * (NRS-3) an improvement needs min(2, 30 % of baseline) points and a worsening 2; for ODI and
 * NDI the MCID either way. Clamped to the scale.
 */
export function mcidBand(
  scale: 'nrs' | 'odi' | 'ndi',
  baseline: number,
): { low: number; high: number } {
  if (scale === 'nrs') {
    return {
      low: Math.max(0, baseline - Math.min(2, 0.3 * baseline)),
      high: Math.min(10, baseline + 2),
    };
  }
  const def = INSTRUMENT[scale];
  const m = def.mcid!.points;
  const max = scale === 'odi' ? 100 : 50;
  return { low: Math.max(0, baseline - m), high: Math.min(max, baseline + m) };
}
