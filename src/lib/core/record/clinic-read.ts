import type { Entry } from './entries';
import { isEntryOf } from './registry';
import { MOTION_TEST } from './clinical';
import {
  GONIO_MOVEMENTS,
  GONIOMETRY,
  NEURO_SCREEN,
  TREATMENT_SESSION,
  type GonioMovement,
  type GonioRegion,
  type Goniometry,
  type NeuroScreen,
  type TreatmentSession,
} from './clinic-entries';

/** Reading the professional clinical entries for the views (timeline, summary, charts). */

export type ClinicEntry = Entry<Goniometry> | Entry<TreatmentSession> | Entry<NeuroScreen>;

/** Whether `e` is one of the professional clinical types, with data that passes its guard. */
export function isClinicEntry(e: Entry): e is ClinicEntry {
  return isEntryOf(e, GONIOMETRY) || isEntryOf(e, TREATMENT_SESSION) || isEntryOf(e, NEURO_SCREEN);
}

/** One row of a range-of-motion table: degrees per movement, by goniometer or by sensor. */
export interface RomRow {
  readonly entry: Entry;
  readonly source: 'goniometer' | 'sensor';
  readonly degrees: Partial<Record<GonioMovement, number>>;
}

/** The patient's sensor test that measures the same region. */
const SENSOR_TEST: Readonly<Record<GonioRegion, 'neck' | 'back'>> = {
  cervical: 'neck',
  lumbar: 'back',
};

/**
 * The movements a sensor plane reads, in the plane's direction order (`PLANE_DIRECTIONS`:
 * flexion then extension; left then right).
 */
const FROM_PLANE = {
  'flexion-extension': ['flexion', 'extension'],
  lateral: ['lateral-flexion-left', 'lateral-flexion-right'],
  rotation: ['rotation-left', 'rotation-right'],
} as const satisfies Record<string, readonly [GonioMovement, GonioMovement]>;

/**
 * The range of motion of `region` over time, oldest first: every goniometer measurement, and the
 * patient's latest sensor test of the same region (rounded to whole degrees) beside them, so the
 * two can be read side by side. `entries` are the record's current entries (any order).
 */
export function romRows(entries: readonly Entry[], region: GonioRegion): RomRow[] {
  const rows: RomRow[] = [];
  for (const e of entries) {
    if (isEntryOf(e, GONIOMETRY) && e.data.region === region) {
      rows.push({ entry: e, source: 'goniometer', degrees: e.data.degrees });
    }
  }
  const sensor = [...entries]
    .filter((e) => isEntryOf(e, MOTION_TEST) && e.data.test === SENSOR_TEST[region])
    .sort((a, b) => (a.at < b.at ? 1 : -1))[0];
  if (sensor && isEntryOf(sensor, MOTION_TEST)) {
    const degrees: Partial<Record<GonioMovement, number>> = {};
    for (const [plane, r] of Object.entries(sensor.data.planes)) {
      const [a, b] = FROM_PLANE[plane as keyof typeof FROM_PLANE];
      if (!r) continue;
      degrees[a] = Math.round(r.a);
      degrees[b] = Math.round(r.b);
    }
    rows.push({ entry: sensor, source: 'sensor', degrees });
  }
  return rows.sort((x, y) => (x.entry.at < y.entry.at ? -1 : x.entry.at > y.entry.at ? 1 : 0));
}

/** The movements any of `rows` measured, in list order (the table's columns). */
export function romColumns(rows: readonly RomRow[]): GonioMovement[] {
  return GONIO_MOVEMENTS.filter((m) => rows.some((r) => r.degrees[m] !== undefined));
}
