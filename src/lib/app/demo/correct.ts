import { daysAgo, type DemoContext } from './context';

/**
 * Demo material for corrections, withdrawals, reviewed warning signs and the private journal
 * (issue 12 items 8–9, issue 14 item 1): a check-in typed as 9 and corrected to 5, a visit
 * entered twice and withdrawn, warning signs with numbness and night pain that the
 * physiotherapist reviewed the same day, and a diary entry.
 */
export function demoCorrect(ctx: DemoContext): void {
  const { now, patient, physio } = ctx;
  const typo = patient.write('pain-checkin', { scores: { back: 9 } }, daysAgo(now, 12, 8, 10));
  patient.correct?.(typo, { scores: { back: 5 }, note: 'Typed 9 by mistake; it was 5.' });

  const twice = patient.write(
    'care-event',
    { kind: 'visit', label: 'Physiotherapy, follow-up' },
    daysAgo(now, 20, 10),
  );
  patient.withdraw?.(twice, 'Entered twice: the same visit is already in the record.');

  const flags = patient.write(
    'red-flags',
    {
      answers: {
        'bladder-bowel': false,
        'saddle-numbness': true,
        'leg-weakness': false,
        fever: false,
        'weight-loss': false,
        'cancer-history': false,
        trauma: false,
        'night-pain': true,
      },
    },
    daysAgo(now, 40, 7, 30),
  );
  physio.write(
    'redflag-review',
    {
      target: flags.id,
      action: 'contacted',
      note: 'Phoned the same day: the numbness is on the outer thigh, not the saddle area; no bladder or bowel change. Explained which signs need the emergency department.',
    },
    daysAgo(now, 40, 11, 15),
  );

  patient.write(
    'diary',
    { text: 'Slept badly again. The short walk after lunch helped more than the tablets.' },
    daysAgo(now, 3, 21, 40),
  );
}
