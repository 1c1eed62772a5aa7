import { describe, expect, it } from 'vitest';
import { unreviewedUrgent } from '$lib/core/record/review';
import { collectDemo } from './index';

describe('demo: corrections, withdrawals, a reviewed warning sign, a diary entry', () => {
  it('shows current versions only, the review lifts the warning, the diary is in the journal', () => {
    const demo = collectDemo(new Date('2026-11-30T12:00:00Z'));
    const clinical = demo.get('clinical')!;
    const corrected = clinical.filter((e) => e.supersedes !== undefined);
    expect(corrected).toHaveLength(1);
    expect(corrected[0]!.data).toMatchObject({ scores: { back: 5 } });
    expect(clinical.some((e) => e.withdrawn !== undefined)).toBe(false);
    expect(clinical.some((e) => e.id === corrected[0]!.supersedes)).toBe(false);
    // The warning signs and their review live apart, in the safety compartment.
    const safety = demo.get('safety')!;
    expect(clinical.some((e) => e.type === 'red-flags' || e.type === 'redflag-review')).toBe(false);
    expect(safety.filter((e) => e.type === 'redflag-review')).toHaveLength(1);
    expect(safety.some((e) => e.type === 'red-flags')).toBe(true);
    expect(unreviewedUrgent(safety)).toEqual([]);
    expect(demo.get('journal')!.map((e) => e.type)).toEqual(['diary']);
  });
});
