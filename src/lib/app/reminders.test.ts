import { describe, expect, it } from 'vitest';
import type { Entry } from '$lib/core/record/entries';
import { PAIN_CHECKIN } from '$lib/core/record/types';
import { isKnownZone, nextLocalAt } from '../../../sync-server/src/push/local-time';
import { checkInDueOnOpen, localCheckIn, readReminderSettings, utcMinuteOf } from './reminders';

const checkIn = (at: Date) => ({ type: PAIN_CHECKIN, at: at.toISOString() }) as unknown as Entry;

describe('reminders on this device', () => {
  it('reads stored settings, keeping only known kinds and a valid time', () => {
    expect(readReminderSettings(undefined)).toEqual({ kinds: [], checkInTime: '19:00' });
    expect(
      readReminderSettings({ kinds: ['message', 'weather', 'check-in'], checkInTime: '07:30' }),
    ).toEqual({ kinds: ['check-in', 'message'], checkInTime: '07:30' });
    expect(readReminderSettings({ kinds: 'all', checkInTime: '25:00' })).toEqual({
      kinds: [],
      checkInTime: '19:00',
    });
  });

  it('sends the local check-in time to the relay as UTC minutes', () => {
    const now = new Date(2026, 5, 1, 12, 0);
    const local = new Date(2026, 5, 1, 8, 15);
    expect(utcMinuteOf('08:15', now)).toBe(local.getUTCHours() * 60 + local.getUTCMinutes());
  });

  it('also sends the time as the clock reads it, with a time zone the relay knows', () => {
    expect(localCheckIn('19:00', 'Europe/Copenhagen')).toEqual({
      minute: 19 * 60,
      zone: 'Europe/Copenhagen',
    });
    expect(localCheckIn('07:05', 'America/New_York')).toEqual({
      minute: 425,
      zone: 'America/New_York',
    });
    expect(localCheckIn('19:00', '')).toBeNull(); // a browser that names no zone: UTC minute only
    // This runtime's own zone, as a browser reports it, is one the relay computes in.
    const own = localCheckIn('08:15');
    expect(own).not.toBeNull();
    expect(isKnownZone(own!.zone)).toBe(true);
    const next = nextLocalAt(own!.minute, own!.zone, Date.now());
    expect(new Date(next!).getHours() * 60 + new Date(next!).getMinutes()).toBe(8 * 60 + 15);
  });

  it('reminds on open once the time has passed today and there is no check-in today', () => {
    const settings = { kinds: ['check-in' as const], checkInTime: '09:00' };
    const morning = new Date(2026, 5, 1, 8, 59);
    const later = new Date(2026, 5, 1, 9, 1);
    expect(checkInDueOnOpen(settings, [], morning)).toBe(false);
    expect(checkInDueOnOpen(settings, [], later)).toBe(true);
    expect(checkInDueOnOpen(settings, [checkIn(new Date(2026, 4, 31, 20, 0))], later)).toBe(true);
    expect(checkInDueOnOpen(settings, [checkIn(new Date(2026, 5, 1, 7, 0))], later)).toBe(false);
    expect(checkInDueOnOpen({ ...settings, kinds: [] }, [], later)).toBe(false);
    // A rating imported this morning from elsewhere is not the patient's check-in.
    const imported = {
      ...checkIn(new Date(2026, 5, 1, 7, 0)),
      data: { scores: { back: 4 }, source: { from: 'Fysio Nord', date: '2026-06-01', key: 'k' } },
    } as Entry;
    expect(checkInDueOnOpen(settings, [imported], later)).toBe(true);
  });
});
