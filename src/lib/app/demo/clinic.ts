import { INSTRUMENT } from '$lib/core/instruments/definitions';
import { daysAgo, type DemoContext } from './context';
import { DEMO_DAYS } from './basics';

/**
 * The demo physiotherapist's clinical entries (issue 12 item 6): lumbar range of motion by
 * goniometer at three visits (beside the patient's own sensor tests in the summary), two
 * treatment sessions, a neurological screen at the first visit and an ODI entered from the
 * paper form with the patient. Made-up values on a recovering course, not anyone's.
 */
export function demoClinic(ctx: DemoContext): void {
  const { now, physio } = ctx;
  const first = DEMO_DAYS - 2;
  const visit = (ago: number, hour = 10) => daysAgo(now, ago, hour, 30);

  const rom = (flexion: number, extension: number, left: number, right: number) => ({
    region: 'lumbar' as const,
    degrees: {
      flexion,
      extension,
      'lateral-flexion-left': left,
      'lateral-flexion-right': right,
    },
  });
  physio.write(
    'goniometry',
    { ...rom(40, 10, 15, 18), note: 'Guarded flexion, pain at end of range.' },
    visit(first),
  );
  physio.write('goniometry', rom(55, 16, 20, 22), visit(90));
  physio.write('goniometry', rom(66, 21, 24, 25), visit(14));

  physio.write(
    'neuro-screen',
    {
      items: {
        reflexes: { result: 'normal' },
        power: { result: 'normal' },
        sensation: { result: 'normal' },
        'slr-left': { result: 'abnormal', angle: 50 },
        'slr-right': { result: 'normal' },
      },
      text: 'Left straight-leg raise reproduces buttock and thigh pain; no deficit.',
    },
    visit(first, 11),
  );

  physio.write(
    'treatment-session',
    {
      components: ['education', 'advice-activity', 'exercise-therapy'],
      minutes: 45,
      text: 'Explained the course of back pain; graded walking; first home exercises.',
    },
    visit(first, 11),
  );
  physio.write(
    'treatment-session',
    { components: ['exercise-therapy', 'home-exercise', 'manual-therapy'], minutes: 30 },
    visit(90, 11),
  );

  // ODI (version of today's item order) from the paper form, with the patient at the first visit.
  physio.write(
    'questionnaire',
    {
      instrument: 'odi',
      version: INSTRUMENT.odi.version,
      answers: [2, 2, 1, 2, 2, 1, 1, 1, 2, 1],
      enteredWithPatient: true,
    },
    visit(first, 11),
  );
}
