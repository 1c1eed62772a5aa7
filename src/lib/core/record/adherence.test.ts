import { describe, expect, it } from 'vitest';
import type { Role } from '../sync/protocol';
import type { Entry } from './entries';
import { adherence, doneDays } from './adherence';
import type { ExerciseDone, ExercisePlanItem } from './plan';
import { addDays } from './plan-fold';

/** Adherence (issue 12 item 4): days, frequency per week, until dates and corrections. */

const ITEM_ID = '0'.repeat(19) + 'b'.repeat(24);
let seq = 0;

function item(data: Partial<ExercisePlanItem> = {}): Entry<ExercisePlanItem> {
  return {
    id: ITEM_ID as Entry['id'],
    type: 'plan-item',
    at: '2026-03-01T09:00:00.000Z',
    author: { deviceId: 'b'.repeat(64), role: 'professional' },
    data: {
      kind: 'exercise',
      title: 'Bird dog',
      dose: { sets: 3, reps: 10 },
      times: 1,
      per: 'day',
      ...data,
    },
    v: 1,
  };
}

function log(day: string, done = true, role: Role = 'owner', at?: string): Entry<ExerciseDone> {
  seq++;
  return {
    id: `${String(seq).padStart(19, '0')}${'a'.repeat(24)}` as Entry['id'],
    type: 'exercise-done',
    at: at ?? `${day}T18:00:${String(seq % 60).padStart(2, '0')}.000Z`,
    author: { deviceId: 'a'.repeat(64), role },
    data: { item: ITEM_ID, day, done },
    v: 1,
  };
}

describe('adherence', () => {
  it('counts days done of the days planned, once per day, in weeks ending today', () => {
    const days = ['2026-03-02', '2026-03-03', '2026-03-03', '2026-03-05', '2026-03-14'];
    const a = adherence(
      item(),
      days.map((d) => log(d)),
      '2026-03-14',
      2,
    );
    expect(a.planned).toBe(14);
    expect(a.done).toBe(4);
    expect(a.target).toBe(14);
    expect(a.days).toEqual(['2026-03-02', '2026-03-03', '2026-03-05', '2026-03-14']);
    expect(a.weeks).toEqual([
      { start: '2026-03-01', end: '2026-03-07', planned: 7, done: 3, target: 7 },
      { start: '2026-03-08', end: '2026-03-14', planned: 7, done: 1, target: 7 },
    ]);
  });

  it('starts at the plan item’s first day (from, or its own day) and stops at until', () => {
    const logs = ['2026-02-27', '2026-03-04', '2026-03-10', '2026-03-11'].map((d) => log(d));
    // Written on 1 March, starting 3 March, until 10 March: 8 days; the 27 Feb and 11 Mar logs
    // lie outside the plan and do not count.
    const a = adherence(item({ from: '2026-03-03', until: '2026-03-10' }), logs, '2026-03-20', 4);
    expect(a.planned).toBe(8);
    expect(a.done).toBe(2);
    expect(a.weeks.map((w) => [w.start, w.end])).toEqual([
      ['2026-03-03', '2026-03-06'],
      ['2026-03-07', '2026-03-10'],
    ]);
    // Without `from`, the item's own day.
    expect(adherence(item(), [], '2026-03-03', 4).planned).toBe(3);
    // Before its first day, nothing is planned yet.
    expect(adherence(item({ from: '2026-04-01' }), [], '2026-03-20', 4)).toMatchObject({
      planned: 0,
      done: 0,
      target: 0,
      weeks: [],
      days: [],
    });
  });

  it('a weekly frequency sets the target: times per full week, prorated up for a partial one', () => {
    const weekly = item({ times: 3, per: 'week' });
    const logs = ['2026-03-02', '2026-03-04', '2026-03-06', '2026-03-09'].map((d) => log(d));
    // Weeks end on today (17 March): 11–17 and 4–10 March are full weeks (3 days asked each),
    // 1–3 March a partial one of 3 days (3 × 3 / 7 = 1.3, rounded up to 2).
    const a = adherence(weekly, logs, '2026-03-17', 3);
    expect(a.weeks.map((w) => [w.start, w.planned, w.done, w.target])).toEqual([
      ['2026-03-01', 3, 1, 2],
      ['2026-03-04', 7, 3, 3],
      ['2026-03-11', 7, 0, 3],
    ]);
    expect(adherence(weekly, logs, '2026-03-14', 2).target).toBe(6);
    // A target never exceeds the days planned.
    expect(adherence(item({ times: 5, per: 'week' }), [], '2026-03-01', 1).target).toBe(1);
  });

  it('corrections: the newest log per day decides; tombstones and other roles do not count', () => {
    const logs = [
      log('2026-03-02', true, 'owner', '2026-03-02T18:00:00.000Z'),
      log('2026-03-02', false, 'owner', '2026-03-02T18:05:00.000Z'),
      log('2026-03-03', false, 'owner', '2026-03-03T07:00:00.000Z'),
      log('2026-03-03', true, 'delegate', '2026-03-03T19:00:00.000Z'),
      { ...log('2026-03-04'), deleted: true as const },
      log('2026-03-05', true, 'professional'),
      log('2026-03-06', true, 'viewer'),
      { ...log('2026-03-07'), data: { item: 'another', day: '2026-03-07', done: true } },
      { ...log('2026-03-07'), data: { item: ITEM_ID, day: '2026-02-31', done: true } },
    ];
    expect([...doneDays(logs, ITEM_ID)]).toEqual(['2026-03-03']);
    // The same whatever order the entries arrived in.
    expect([...doneDays([...logs].reverse(), ITEM_ID)]).toEqual(['2026-03-03']);
    expect(adherence(item(), logs, '2026-03-07', 1).done).toBe(1);
  });

  it('adds days across month and year ends', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});
