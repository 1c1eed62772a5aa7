import { daysAgo, type DemoContext } from './context';

/**
 * Demo material for the profile, problems, allergies and medicines (issue 12 items 2, 3): who
 * the patient is, two coded conditions (one recorded by the physiotherapist), an allergy, and
 * medicines started, changed and stopped.
 */
export function demoProfile(ctx: DemoContext): void {
  const { now, patient, physio } = ctx;
  patient.write(
    'profile',
    {
      name: 'Mette Demo Jensen',
      birthDate: '1984-05-17',
      language: 'da',
      gp: 'Lægehuset Nord',
    },
    daysAgo(now, 180, 8, 30),
  );
  patient.write(
    'condition',
    { code: 'low-back-pain', side: 'none', onset: day(daysAgo(now, 200)), status: 'active' },
    daysAgo(now, 180, 8, 40),
  );
  physio.write(
    'condition',
    { code: 'sciatica', side: 'left', onset: day(daysAgo(now, 170)), status: 'active' },
    daysAgo(now, 165, 10, 15),
  );
  patient.write(
    'allergy',
    { kind: 'allergy', substance: 'Penicillin', reaction: 'Rash', criticality: 'low' },
    daysAgo(now, 180, 8, 45),
  );
  const ibuprofen = patient.write(
    'medication',
    { name: 'Ibuprofen', dose: '400 mg up to 3 times a day', action: 'start' },
    daysAgo(now, 178, 19),
  );
  patient.write(
    'medication',
    { name: 'Ibuprofen', action: 'change', ref: ibuprofen.id, dose: '200 mg twice a day' },
    daysAgo(now, 120, 19),
  );
  patient.write(
    'medication',
    {
      name: 'Ibuprofen',
      action: 'stop',
      ref: ibuprofen.id,
      stopped: day(daysAgo(now, 60)),
      reason: 'Pain is lower',
    },
    daysAgo(now, 60, 19),
  );
  patient.write(
    'medication',
    { name: 'Paracetamol', dose: '1 g when needed', action: 'start' },
    daysAgo(now, 90, 12),
  );
}

/** The local calendar day of `d`, `YYYY-MM-DD`. */
function day(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
