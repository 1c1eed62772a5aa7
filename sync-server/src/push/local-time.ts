/**
 * The daily check-in at a local time of day in the device's time zone (IANA name, e.g.
 * `Europe/Copenhagen`), so that a daylight-saving change moves the UTC instant with the clock on
 * the wall instead of an hour away from it. Computed with the runtime's time-zone data (`Intl`);
 * no library.
 */

/** The longest zone name accepted (the IANA database's longest is 30 characters). */
export const MAX_ZONE_LENGTH = 64;
const ZONE = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

const formats = new Map<string, Intl.DateTimeFormat>();

/** A formatter for `zone`, or `null` when the runtime does not know the zone. */
function formatFor(zone: string): Intl.DateTimeFormat | null {
  let f = formats.get(zone);
  if (f) return f;
  if (zone.length > MAX_ZONE_LENGTH || !ZONE.test(zone)) return null;
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return null;
  }
  if (formats.size > 1000) formats.clear();
  formats.set(zone, f);
  return f;
}

/** Whether `zone` is a time zone this relay can compute local times in. */
export function isKnownZone(zone: string): boolean {
  return formatFor(zone) !== null;
}

/** The wall-clock time in `zone` at `instant`, as if it were UTC (ms). */
function wallClock(f: Intl.DateTimeFormat, instant: number): number {
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(instant)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return Date.UTC(
    parts['year']!,
    parts['month']! - 1,
    parts['day']!,
    parts['hour']!,
    parts['minute']!,
    parts['second']!,
  );
}

/**
 * The instant whose wall-clock time in the zone is `wall` (ms, as if UTC). A time that does not
 * exist (skipped when the clocks go forward) comes out an hour later, as the clock then reads;
 * a time that happens twice (when they go back) is the first of the two.
 */
function instantOf(f: Intl.DateTimeFormat, wall: number): number {
  const offsetAt = (t: number) => wallClock(f, t) - t;
  // The offset an hour before and after: the earlier one names the first of two equal times.
  const before = offsetAt(wall - offsetAt(wall) - 3_600_000);
  const after = offsetAt(wall - offsetAt(wall) + 3_600_000);
  const first = wall - before;
  if (wallClock(f, first) === wall) return first;
  const second = wall - after;
  if (wallClock(f, second) === wall) return second;
  return wall - Math.min(before, after); // skipped: the same reading on the clock after the jump
}

const DAY_MS = 86_400_000;

/**
 * The first instant after `after` at which the clock in `zone` reads `minute` minutes after
 * midnight; `null` if the zone is unknown.
 */
export function nextLocalAt(minute: number, zone: string, after: number): number | null {
  const f = formatFor(zone);
  if (!f) return null;
  const today = Math.floor(wallClock(f, after) / DAY_MS) * DAY_MS;
  for (let day = -1; day <= 2; day++) {
    const at = instantOf(f, today + day * DAY_MS + minute * 60_000);
    if (at > after) return at;
  }
  return null; // not reached: one of four days always lies ahead
}
