import { describe, expect, it } from 'vitest';
import { isKnownZone, nextLocalAt } from './local-time';
import { nextDailyAt } from './reminders';

const at = (iso: string) => Date.parse(iso);
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const seven = 19 * 60;

describe('the check-in at a local time of day', () => {
  it('follows the clock on the wall across both daylight-saving changes (Copenhagen, 19:00)', () => {
    // 19:00 CET is 18:00 UTC; from 28 March 2027 19:00 CEST is 17:00 UTC; back on 31 October.
    const zone = 'Europe/Copenhagen';
    expect(iso(nextLocalAt(seven, zone, at('2027-03-26T18:00:00Z')))).toBe(
      '2027-03-27T18:00:00.000Z',
    );
    expect(iso(nextLocalAt(seven, zone, at('2027-03-27T18:00:00Z')))).toBe(
      '2027-03-28T17:00:00.000Z',
    );
    expect(iso(nextLocalAt(seven, zone, at('2027-10-30T17:00:00Z')))).toBe(
      '2027-10-31T18:00:00.000Z',
    );
    // The UTC minute sent by the app's older versions drifts by an hour on those days.
    expect(iso(nextDailyAt(18 * 60, at('2027-03-27T18:00:00Z')))).toBe('2027-03-28T18:00:00.000Z');
  });

  it('works west of Greenwich and on another date (New York, 08:30)', () => {
    const zone = 'America/New_York';
    expect(iso(nextLocalAt(8 * 60 + 30, zone, at('2027-03-13T14:00:00Z')))).toBe(
      '2027-03-14T12:30:00.000Z',
    );
    expect(iso(nextLocalAt(8 * 60 + 30, zone, at('2027-03-13T12:00:00Z')))).toBe(
      '2027-03-13T13:30:00.000Z',
    );
  });

  it('a time the clocks skip comes an hour later; a time they pass twice comes the first time', () => {
    const zone = 'Europe/Copenhagen';
    const halfPastTwo = 2 * 60 + 30;
    // 28 March 2027: 02:00 CET jumps to 03:00 CEST; 02:30 is 03:30 CEST = 01:30 UTC.
    expect(iso(nextLocalAt(halfPastTwo, zone, at('2027-03-27T12:00:00Z')))).toBe(
      '2027-03-28T01:30:00.000Z',
    );
    // 31 October 2027: 03:00 CEST goes back to 02:00 CET; the first 02:30 is 00:30 UTC.
    expect(iso(nextLocalAt(halfPastTwo, zone, at('2027-10-30T12:00:00Z')))).toBe(
      '2027-10-31T00:30:00.000Z',
    );
  });

  it('is strictly after the given time, every day, and in UTC equals the UTC minute', () => {
    const t = at('2027-06-01T07:15:00Z');
    expect(nextLocalAt(7 * 60 + 15, 'UTC', t)).toBe(t + 86_400_000);
    for (let m = 0; m < 1440; m += 97) {
      expect(nextLocalAt(m, 'UTC', t)).toBe(nextDailyAt(m, t));
    }
    // A 30-minute daylight-saving shift (Lord Howe Island) is followed as well.
    expect(iso(nextLocalAt(seven, 'Australia/Lord_Howe', at('2027-04-03T00:00:00Z')))).toBe(
      '2027-04-03T08:00:00.000Z',
    );
    expect(iso(nextLocalAt(seven, 'Australia/Lord_Howe', at('2027-04-03T08:00:00Z')))).toBe(
      '2027-04-04T08:30:00.000Z',
    );
  });

  it('knows only real zone names', () => {
    expect(isKnownZone('Europe/Oslo')).toBe(true);
    expect(isKnownZone('Atlantic/Canary')).toBe(true);
    for (const bad of [
      '',
      'Mars/Olympus',
      '../etc/passwd',
      'Europe/Copenhagen\n',
      'x'.repeat(65),
    ]) {
      expect(isKnownZone(bad)).toBe(false);
      expect(nextLocalAt(seven, bad, 0)).toBeNull();
    }
  });
});
