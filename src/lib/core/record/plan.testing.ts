import type { EntryStoredMap } from './registry';
import type { PLAN_TYPES } from './registry-plan';

/**
 * Samples of the plan's entry types for the registry's tables (`registry.test.ts`): one valid
 * value per type as another device stores it, and malformed ones the guards must refuse.
 */
type PlanType = keyof typeof PLAN_TYPES;

const ID = '0'.repeat(19) + 'a'.repeat(24);
const long = (n: number) => 'x'.repeat(n);

export const PLAN_VALID: { [K in PlanType]: EntryStoredMap[K] } = {
  goal: {
    text: 'Lift my daughter again',
    targetDate: '2026-06-01',
    psfsActivity: 'Lifting my daughter',
  },
  'goal-status': { goal: ID, status: 'achieved', note: 'Managed it on Sunday' },
  'plan-item': {
    kind: 'exercise',
    title: 'Bird dog',
    dose: { sets: 3, reps: 10 },
    times: 1,
    per: 'day',
    from: '2026-03-01',
    until: '2026-04-30',
    details: 'Slowly, keep the back flat.\nStop if the leg pain increases.',
  },
  'exercise-done': { item: ID, day: '2026-03-02', done: true },
  appointment: {
    when: '2026-03-10T08:30:00.000Z',
    with: 'Ana Jensen, physiotherapist',
    where: 'Fysio Nord',
  },
  'visit-question': { text: 'Can I start running again?', appointment: ID },
  'work-status': { status: 'reduced-hours', percent: 50, from: '2026-03-01' },
};

const ex = PLAN_VALID['plan-item'];

export const PLAN_MALFORMED: { [K in PlanType]: readonly unknown[] } = {
  goal: [
    null,
    {},
    { text: ' ' },
    { text: long(301) },
    { text: 'Walk', targetDate: 'June' },
    { text: 'Walk', targetDate: '2026-02-30' },
    { text: 'Walk', psfsActivity: long(121) },
    { text: 'Walk\u0000' },
    { text: 'Walk', owner: 'physio' },
    { text: 'Walk', source: 'Hospital' },
    { text: 'Walk', source: { from: 'Hospital', date: '2026-02-30', key: 'k' } },
  ],
  'goal-status': [
    null,
    { goal: ID },
    { goal: 'not an id', status: 'achieved' },
    { goal: ID, status: 'done' },
    { goal: ID, status: 'dropped', note: long(301) },
    { goal: ID, status: 'dropped', extra: 1 },
  ],
  'plan-item': [
    null,
    { kind: 'surgery', title: 'Disc' },
    { kind: 'treatment' },
    { kind: 'treatment', title: long(201) },
    { kind: 'treatment', title: 'Manual therapy', details: long(1001) },
    { kind: 'treatment', title: 'Manual therapy', dose: { sets: 1, reps: 1 } },
    { ...ex, dose: undefined },
    { ...ex, dose: { sets: 0, reps: 10 } },
    { ...ex, dose: { sets: 3, reps: 201 } },
    { ...ex, dose: { sets: 3.5, reps: 10 } },
    { ...ex, dose: { minutes: 241 } },
    { ...ex, dose: { minutes: 10, sets: 2 } },
    { ...ex, times: 0 },
    { ...ex, times: 21 },
    { ...ex, per: 'month' },
    { ...ex, until: '2026-02-01' },
    { ...ex, from: '2026-13-01' },
    { ...ex, title: 'Bird\u0007dog' },
    { kind: 'return-to-work', title: 'Half days', hoursPercent: 0 },
    { kind: 'return-to-work', title: 'Half days', hoursPercent: 101 },
    { kind: 'return-to-work', title: 'Half days', times: 2 },
  ],
  'exercise-done': [
    null,
    { item: ID, day: '2026-03-02' },
    { item: ID, day: '2026-03-02', done: 'yes' },
    { item: 'x', day: '2026-03-02', done: true },
    { item: ID, day: '2026-02-30', done: true },
    { item: ID, day: '2026-03-02T10:00:00Z', done: true },
    { item: ID, day: '2026-03-02', done: true, sets: 3 },
  ],
  appointment: [
    null,
    { with: 'Ana' },
    { when: '2026-03-10', with: 'Ana' },
    { when: '2026-03-10T08:30:00+01:00', with: 'Ana' },
    { when: '2026-13-10T08:30:00Z', with: 'Ana' },
    { when: '2026-03-10T08:30:00Z', with: ' ' },
    { when: '2026-03-10T08:30:00Z', with: long(201) },
    { when: '2026-03-10T08:30:00Z', with: 'Ana', where: 5 },
    { when: '2026-03-10T08:30:00Z', with: 'Ana', notes: 'x' },
  ],
  'visit-question': [
    null,
    { text: '' },
    { text: long(501) },
    { text: 'Run?', appointment: 'tomorrow' },
    { text: 'Run?', forVisit: true },
  ],
  'work-status': [
    null,
    { status: 'retired' },
    { status: 'reduced-hours' },
    { status: 'reduced-hours', percent: 100 },
    { status: 'reduced-hours', percent: 50.5 },
    { status: 'working', percent: 50 },
    { status: 'other' },
    { status: 'other', text: long(201) },
    { status: 'working', text: 'fine' },
    { status: 'sick-leave', from: '2026-03-10', to: '2026-03-01' },
    { status: 'sick-leave', from: 'Monday' },
    { status: 'working', employer: 'ACME' },
    { status: 'working', source: { from: 'Hospital', date: '2026-10-01' } },
    { status: 'working', source: { from: 'Hospital', date: '2026-10-01', key: '', x: 1 } },
  ],
};
