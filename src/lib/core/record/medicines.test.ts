import { describe, expect, it } from 'vitest';
import { newEntryId, type Entry } from './entries';
import { foldMedicines, isMedication, type Medication } from './medicines';

/** Medicines started, changed and stopped (issue 12 item 3), folded to current and history. */

const PATIENT = 'b'.repeat(64);
const SISTER = 'c'.repeat(64);

let clock = Date.UTC(2026, 0, 1);
function med(data: Medication, day: string, by = PATIENT, v = 2): Entry<Medication> {
  clock += 1000;
  return {
    id: newEntryId(by, clock),
    type: 'medication',
    at: `${day}T09:00:00.000Z`,
    author: { deviceId: by, role: by === PATIENT ? 'owner' : 'delegate' },
    data,
    v,
  };
}

/** Every order of `xs` (small lists only). */
function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) =>
    permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]),
  );
}

describe('medicines: current and history', () => {
  it('a start, a dose change and a stop: stopped, with its whole history in order', () => {
    const start = med({ name: 'Ibuprofen', dose: '400 mg three times a day' }, '2026-01-05');
    const change = med(
      { name: 'Ibuprofen', action: 'change', ref: start.id, dose: '200 mg twice a day' },
      '2026-01-20',
    );
    const para = med({ name: 'Paracetamol', dose: '1 g', action: 'start' }, '2026-01-10');
    const stop = med(
      { name: 'Ibuprofen', action: 'stop', ref: start.id, reason: 'Stomach ache' },
      '2026-02-01',
      SISTER,
    );
    const { current, past } = foldMedicines([stop, para, change, start]);
    expect(current.map((c) => [c.name, c.dose, c.stopped])).toEqual([
      ['Paracetamol', '1 g', undefined],
    ]);
    expect(past).toHaveLength(1);
    expect(past[0]).toMatchObject({
      id: start.id,
      dose: '200 mg twice a day',
      stopped: '2026-02-01',
    });
    expect(past[0]!.history.map((e) => e.id)).toEqual([start.id, change.id, stop.id]);
  });

  it('the fold is the same whatever order the entries arrived in', () => {
    const start = med({ name: 'Naproxen', dose: '250 mg' }, '2026-03-01');
    const c1 = med(
      { name: 'Naproxen', action: 'change', ref: start.id, dose: '500 mg' },
      '2026-03-05',
    );
    const c2 = med(
      { name: 'Naproxen', action: 'change', ref: start.id, dose: '375 mg' },
      '2026-03-09',
    );
    const stop = med(
      { name: 'Naproxen', action: 'stop', ref: start.id, stopped: '2026-03-20' },
      '2026-03-21',
    );
    const folds = permutations([start, c1, c2, stop]).map((p) => JSON.stringify(foldMedicines(p)));
    expect(new Set(folds).size).toBe(1);
    const { past } = foldMedicines([c2, stop, c1, start]);
    expect(past[0]).toMatchObject({ dose: '375 mg', stopped: '2026-03-20' });
  });

  it('a change without its start, or naming a change, is left out; a change after the stop does not restart', () => {
    const start = med({ name: 'Codeine', dose: '30 mg' }, '2026-04-01');
    const change = med(
      { name: 'Codeine', action: 'change', ref: start.id, dose: '15 mg' },
      '2026-04-03',
    );
    const orphan = med(
      { name: 'Morphine', action: 'change', ref: newEntryId(PATIENT, 1), dose: '10 mg' },
      '2026-04-02',
    );
    const chained = med({ name: 'Codeine', action: 'stop', ref: change.id }, '2026-04-04');
    const stop = med({ name: 'Codeine', action: 'stop', ref: start.id }, '2026-04-05');
    const late = med(
      { name: 'Codeine', action: 'change', ref: start.id, dose: '60 mg' },
      '2026-04-06',
    );
    const { current, past } = foldMedicines([start, change, orphan, chained, stop, late]);
    expect(current).toEqual([]);
    expect(past).toHaveLength(1);
    expect(past[0]).toMatchObject({ name: 'Codeine', dose: '15 mg', stopped: '2026-04-05' });
    expect(past[0]!.history.map((e) => e.id)).toEqual([start.id, change.id, stop.id, late.id]);
  });

  it('reads version 1 entries: a plain start, stopped by its own stop day', () => {
    const old = med(
      { name: 'Diclofenac', dose: '50 mg', stopped: '2025-12-01' },
      '2025-11-01',
      PATIENT,
      1,
    );
    const oldCurrent = med({ name: 'Paracetamol' }, '2025-11-02', PATIENT, 1);
    expect(isMedication(old.data) && isMedication(oldCurrent.data)).toBe(true);
    const { current, past } = foldMedicines([old, oldCurrent]);
    expect(current.map((c) => c.name)).toEqual(['Paracetamol']);
    expect(past.map((c) => [c.name, c.stopped])).toEqual([['Diclofenac', '2025-12-01']]);
  });
});
