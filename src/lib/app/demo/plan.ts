import type { Entry } from '$lib/core/record';
import { localDay } from '$lib/core/record/plan-fold';
import type { ExercisePlanItem } from '$lib/core/record/plan';
import { DEMO_DAYS } from './basics';
import { daysAgo, type DemoContext } from './context';

/**
 * The demo's plan (issue 12 items 4, 5): a physiotherapist's home programme of three exercises
 * over six months with realistic, imperfect adherence (good at first, a dip during the flare
 * around week ten, steadier later), a treatment and a graded return to work; the patient's two
 * goals (one achieved); sick leave, then reduced hours, then working; past visits and one
 * upcoming appointment with two questions. Made up for the demo.
 */
export function demoPlan(ctx: DemoContext): void {
  const { now, rng, patient, physio } = ctx;
  const day = (ago: number) => localDay(daysAgo(now, ago));
  const start = DEMO_DAYS - 9;

  // Work: sick leave from the start, reduced hours from week nine, working from month three.
  patient.write(
    'work-status',
    { status: 'sick-leave', from: day(DEMO_DAYS - 1), to: day(122) },
    daysAgo(now, DEMO_DAYS - 1, 12),
  );
  patient.write(
    'work-status',
    { status: 'reduced-hours', percent: 50, from: day(121) },
    daysAgo(now, 121, 19),
  );
  patient.write('work-status', { status: 'working', from: day(91) }, daysAgo(now, 91, 19));

  // Goals in the patient's own words, one about a PSFS activity.
  const walk = patient.write(
    'goal',
    {
      text: 'Walk to work again (30 minutes)',
      targetDate: day(100),
      psfsActivity: 'Walking 30 minutes',
    },
    daysAgo(now, start, 20),
  );
  patient.write(
    'goal',
    {
      text: 'Lift my daughter without pain',
      targetDate: day(-30),
      psfsActivity: 'Lifting my daughter',
    },
    daysAgo(now, start, 20, 5),
  );
  patient.write(
    'goal-status',
    { goal: walk.id, status: 'achieved', note: 'Walked the whole way on Monday.' },
    daysAgo(now, 95, 19),
  );

  // The physiotherapist's plan.
  const exercises: Array<{ entry: Entry<ExercisePlanItem>; ago: number; until: number }> = [];
  const exercise = (data: Omit<ExercisePlanItem, 'kind'>, ago: number, until: number) => {
    const entry = physio.write(
      'plan-item',
      { kind: 'exercise', ...data },
      daysAgo(now, ago, 15, 10 + exercises.length),
    );
    exercises.push({ entry: entry as Entry<ExercisePlanItem>, ago, until });
  };
  exercise(
    {
      title: 'Bird dog',
      dose: { sets: 3, reps: 10 },
      times: 1,
      per: 'day',
      from: day(start),
      until: day(84),
      details: 'On hands and knees; keep the back flat. Lighter version: arms only.',
    },
    start,
    84,
  );
  exercise(
    { title: 'Brisk walk', dose: { minutes: 20 }, times: 1, per: 'day', from: day(start) },
    start,
    0,
  );
  exercise(
    {
      title: 'Glute bridge',
      dose: { sets: 3, reps: 12 },
      times: 3,
      per: 'week',
      from: day(83),
      details: 'Replaces the bird dog. Hold two seconds at the top.',
    },
    83,
    0,
  );
  physio.write(
    'plan-item',
    {
      kind: 'treatment',
      title: 'Physiotherapy: graded activity and advice',
      from: day(start),
      until: day(60),
      details: 'Sessions every two weeks, then monthly.',
    },
    daysAgo(now, start, 15, 5),
  );
  physio.write(
    'plan-item',
    {
      kind: 'return-to-work',
      title: 'Half days, no lifting over 10 kg',
      hoursPercent: 50,
      from: day(121),
      until: day(92),
    },
    daysAgo(now, 125, 15),
  );

  // "Done today": often at first, less during the flare (around 70 days into the demo), then
  // steadier; the weekly exercise on about three days a week.
  for (const [n, { entry, ago: first, until }] of exercises.entries()) {
    const weekly = entry.data.per === 'week';
    for (let ago = first; ago >= until; ago--) {
      const t = DEMO_DAYS - ago;
      const flare = t > 60 && t < 80;
      const p = weekly ? 0.4 : flare ? 0.35 : t < 60 ? 0.8 : 0.65;
      if (rng() < p) {
        patient.write(
          'exercise-done',
          { item: entry.id, day: day(ago), done: true },
          daysAgo(now, ago, 17 + n, 1 + Math.floor(rng() * 59)),
        );
      }
    }
  }

  // Visits: past ones and the next, with the patient's two questions for it.
  const visit = (ago: number, hour: number) =>
    physio.write(
      'appointment',
      {
        when: daysAgo(now, ago, hour).toISOString(),
        with: 'Ana Jensen, physiotherapist (demo)',
        where: 'Fysio Nord (demo)',
      },
      daysAgo(now, ago >= 0 ? ago + 2 : 14, 16),
    );
  for (const ago of [start, start - 14, 140, 112, 84, 56, 28]) visit(ago, 14);
  const next = visit(-6, 14);
  patient.write(
    'visit-question',
    { text: 'Can I start running again, and how much?', appointment: next.id },
    daysAgo(now, 3, 21),
  );
  patient.write(
    'visit-question',
    { text: 'Should I keep the bridges going after we stop?', appointment: next.id },
    daysAgo(now, 1, 20),
  );
}
