import { daysAgo, type DemoContext } from './context';

/** The demo spans about six months, oldest first. */
export const DEMO_DAYS = 182;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * Pain on a typical recovering course: high at the start, a flare around week ten, settling to
 * mild by the end. Made up for the demo, not a model of anyone.
 */
function painOn(day: number, rng: () => number): { back: number; leg: number } {
  const t = day / DEMO_DAYS;
  const flare = Math.exp(-(((day - 70) / 6) ** 2)) * 2.5;
  const base = 7.2 - 4.6 * t + flare;
  const noise = () => (rng() - 0.5) * 1.6;
  return {
    back: clamp(Math.round(base + noise()), 0, 10),
    leg: clamp(Math.round(base - 2.5 + noise()), 0, 10),
  };
}

/**
 * The patient's own material: check-ins three or four times a week (some days twice), the
 * STarT Back and PSFS at the start and again later, trunk motion tests, visits and a
 * short dialogue with the physiotherapist and a sister.
 */
export function demoBasics(ctx: DemoContext): void {
  const { now, rng, patient, physio, relative } = ctx;
  for (let ago = DEMO_DAYS; ago >= 0; ago--) {
    if (rng() > 0.5) continue;
    const day = DEMO_DAYS - ago;
    const pain = painOn(day, rng);
    patient.write(
      'pain-checkin',
      ago % 17 === 0
        ? { scores: pain, note: 'Stiff in the morning, better after a walk.' }
        : { scores: pain },
      daysAgo(now, ago, 8 + Math.floor(rng() * 3), Math.floor(rng() * 60)),
    );
    if (rng() < 0.15) {
      const evening = painOn(day, rng);
      patient.write('pain-checkin', { scores: evening }, daysAgo(now, ago, 20, 15));
    }
  }

  // STarT Back at the start (medium risk) and after three months (low risk).
  patient.write(
    'questionnaire',
    { instrument: 'startback', answers: [1, 1, 0, 1, 0, 1, 1, 0, 2] },
    daysAgo(now, DEMO_DAYS - 1, 10),
  );
  patient.write(
    'questionnaire',
    { instrument: 'startback', answers: [1, 0, 0, 0, 0, 0, 1, 0, 1] },
    daysAgo(now, 90, 10),
  );

  const psfs = (lift: number, walk: number, sit: number) => ({
    activities: [
      { activity: 'Lifting my daughter', rating: lift },
      { activity: 'Walking 30 minutes', rating: walk },
      { activity: 'Sitting through a work meeting', rating: sit },
    ],
  });
  patient.write('psfs', psfs(2, 4, 3), daysAgo(now, DEMO_DAYS - 1, 10, 20));
  patient.write('psfs', psfs(5, 7, 6), daysAgo(now, 90, 10, 20));
  patient.write('psfs', psfs(7, 9, 8), daysAgo(now, 7, 10, 20));

  // Trunk motion with the phone at the chest, at the start and later (degrees).
  const back = (flex: number, ext: number, lat: number, rot: number) => ({
    test: 'back' as const,
    source: 'sensor' as const,
    planes: {
      'flexion-extension': { a: flex, b: ext, sparc: -1.9 },
      lateral: { a: lat, b: lat + 2, sparc: -2.1 },
      rotation: { a: rot, b: rot - 3, sparc: -2.0 },
    },
  });
  patient.write('motion-test', back(48, 14, 18, 25), daysAgo(now, DEMO_DAYS - 3, 18));
  patient.write('motion-test', back(66, 20, 24, 31), daysAgo(now, 60, 18));
  patient.write('motion-test', back(79, 24, 27, 34), daysAgo(now, 5, 18));

  patient.write(
    'care-event',
    { kind: 'visit', label: 'GP, first visit' },
    daysAgo(now, DEMO_DAYS - 2, 11),
  );
  patient.write(
    'care-event',
    { kind: 'treatment', label: 'Physiotherapy, first session' },
    daysAgo(now, DEMO_DAYS - 9, 14),
  );

  physio.write(
    'note',
    {
      text: 'First session. Mechanical low back pain with referred pain to the left thigh, no neurological deficit. Graded activity and a home programme agreed.',
    },
    daysAgo(now, DEMO_DAYS - 9, 15),
  );
  physio.write(
    'note',
    {
      text: 'Flare after a long drive; reassured, programme kept with fewer repetitions for a week.',
    },
    daysAgo(now, 110, 15),
  );
  patient.write(
    'message',
    { text: 'Is it normal that it hurts more in the evening after the exercises?', forVisit: true },
    daysAgo(now, 100, 21),
  );
  physio.write(
    'message',
    {
      text: 'Some soreness for a day is expected. If it lasts more than two days, take the lighter version and tell me.',
    },
    daysAgo(now, 99, 9),
  );
  relative.write(
    'message',
    { text: 'I can drive you to the appointment on Thursday.' },
    daysAgo(now, 30, 19),
  );
}
