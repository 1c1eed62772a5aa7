import { describe, expect, it } from 'vitest';
import type { Role } from '../sync/protocol';
import type { Entry } from './entries';
import { foldAppointments, foldGoals, localDay, planItems, workHistory } from './plan-fold';

/** Folding plan entries: goals and their status, plan items, appointments and questions, work. */

let seq = 0;
function entry<T>(type: string, data: T, at: string, role: Role = 'owner'): Entry<T> {
  seq++;
  return {
    id: `${String(seq).padStart(19, '0')}${(role === 'owner' ? 'a' : 'b').repeat(24)}` as Entry['id'],
    type,
    at,
    author: { deviceId: (role === 'owner' ? 'a' : 'b').repeat(64), role },
    data,
    v: 1,
  };
}

describe('plan folds', () => {
  it('a goal’s status is its newest status entry; the same whatever the arrival order', () => {
    const walk = entry('goal', { text: 'Walk 30 minutes' }, '2026-03-01T10:00:00.000Z');
    const lift = entry('goal', { text: 'Lift my daughter' }, '2026-03-02T10:00:00.000Z');
    const entries = [
      walk,
      lift,
      entry('goal-status', { goal: walk.id, status: 'achieved' }, '2026-04-01T10:00:00.000Z'),
      entry('goal-status', { goal: walk.id, status: 'active' }, '2026-03-20T10:00:00.000Z'),
      entry(
        'goal-status',
        { goal: lift.id, status: 'dropped' },
        '2026-04-02T10:00:00.000Z',
        'delegate',
      ),
      // A professional cannot decide the patient's goal (refused where accepted; not counted).
      entry(
        'goal-status',
        { goal: lift.id, status: 'achieved' },
        '2026-05-01T10:00:00.000Z',
        'professional',
      ),
      entry(
        'goal',
        { text: 'Written by a professional' },
        '2026-03-03T10:00:00.000Z',
        'professional',
      ),
    ];
    for (const list of [entries, [...entries].reverse()]) {
      const goals = foldGoals(list);
      expect(goals.map((g) => [g.entry.data.text, g.status])).toEqual([
        ['Lift my daughter', 'dropped'],
        ['Walk 30 minutes', 'achieved'],
      ]);
    }
  });

  it('plan items are a professional’s only, active from their first day through until', () => {
    const ex = {
      kind: 'exercise',
      title: 'Bird dog',
      dose: { minutes: 10 },
      times: 2,
      per: 'day',
      until: '2026-03-31',
    };
    const entries = [
      entry('plan-item', ex, '2026-03-01T10:00:00.000Z', 'professional'),
      entry(
        'plan-item',
        { kind: 'treatment', title: 'Manual therapy', from: '2026-04-01' },
        '2026-03-01T11:00:00.000Z',
        'professional',
      ),
      // Only an owner's device could send this (grantees are refused); it is not shown.
      entry(
        'plan-item',
        { ...ex, title: 'Forged by the patient’s device' },
        '2026-03-01T12:00:00.000Z',
      ),
      entry('plan-item', { kind: 'treatment' }, '2026-03-01T13:00:00.000Z', 'professional'),
    ];
    const items = planItems(entries, '2026-03-15');
    expect(items.map((i) => [i.entry.data.title, i.start, i.active])).toEqual([
      ['Manual therapy', '2026-04-01', false],
      ['Bird dog', '2026-03-01', true],
    ]);
    expect(planItems(entries, '2026-04-01').map((i) => i.active)).toEqual([true, false]);
  });

  it('questions attach to the appointment they name, else to the next one after they were asked', () => {
    const march = entry(
      'appointment',
      { when: '2026-03-10T08:30:00.000Z', with: 'Ana' },
      '2026-03-01T10:00:00.000Z',
    );
    const april = entry(
      'appointment',
      { when: '2026-04-10T08:30:00.000Z', with: 'Ana', where: 'Fysio Nord' },
      '2026-03-10T09:00:00.000Z',
      'professional',
    );
    const q = (text: string, at: string, extra: object = {}, role: Role = 'owner') =>
      entry('visit-question', { text, ...extra }, at, role);
    const entries = [
      april,
      march,
      q('Can I run?', '2026-03-05T10:00:00.000Z'),
      q('And cycling?', '2026-03-12T10:00:00.000Z'),
      q('Named March', '2026-03-20T10:00:00.000Z', { appointment: march.id }),
      q('Names nothing known', '2026-04-20T10:00:00.000Z', { appointment: '0'.repeat(19) }),
      q('From a professional', '2026-03-06T10:00:00.000Z', {}, 'professional'),
    ];
    const { upcoming, past, unattached } = foldAppointments(
      entries,
      new Date('2026-03-15T00:00:00Z'),
    );
    expect(upcoming.map((a) => [a.entry.data.where, a.questions.map((x) => x.data.text)])).toEqual([
      ['Fysio Nord', ['And cycling?']],
    ]);
    expect(past.map((a) => a.questions.map((x) => x.data.text))).toEqual([
      ['Can I run?', 'Named March'],
    ]);
    expect(unattached.map((x) => x.data.text)).toEqual(['Names nothing known']);
  });

  it('the newest work status is the current one; malformed ones are skipped', () => {
    const list = workHistory([
      entry(
        'work-status',
        { status: 'sick-leave', from: '2026-01-05', to: '2026-02-15' },
        '2026-01-05T10:00:00.000Z',
      ),
      entry('work-status', { status: 'working' }, '2026-04-01T10:00:00.000Z'),
      entry(
        'work-status',
        { status: 'reduced-hours', percent: 50 },
        '2026-02-16T10:00:00.000Z',
        'delegate',
      ),
      entry('work-status', { status: 'reduced-hours' }, '2026-05-01T10:00:00.000Z'),
    ]);
    expect(list.map((e) => e.data.status)).toEqual(['working', 'reduced-hours', 'sick-leave']);
  });

  it('the local day is the calendar day where the patient is', () => {
    expect(localDay(new Date(2026, 0, 9, 23, 59))).toBe('2026-01-09');
  });
});
