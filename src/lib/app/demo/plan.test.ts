import { describe, expect, it } from 'vitest';
import { adherence } from '$lib/core/record/adherence';
import type { Entry } from '$lib/core/record';
import type { ExercisePlanItem } from '$lib/core/record/plan';
import {
  foldAppointments,
  foldGoals,
  localDay,
  planItems,
  workHistory,
} from '$lib/core/record/plan-fold';
import { collectDemo } from './index';

describe('demo plan', () => {
  it('writes a physiotherapist’s plan with imperfect adherence, goals, work and a next visit', () => {
    const now = new Date('2026-06-01T12:00:00');
    const clinical = collectDemo(now).get('clinical')!;
    const today = localDay(now);
    const items = planItems(clinical, today);
    const exercises = items.filter((i) => i.entry.data.kind === 'exercise');
    expect(exercises).toHaveLength(3);
    expect(exercises.every((i) => i.entry.author.role === 'professional')).toBe(true);
    expect(items.some((i) => i.entry.data.kind === 'return-to-work')).toBe(true);
    for (const ex of exercises) {
      const a = adherence(ex.entry as Entry<ExercisePlanItem>, clinical, today, 26);
      expect(a.done, ex.entry.data.title).toBeGreaterThan(0);
      expect(a.done, ex.entry.data.title).toBeLessThan(a.target);
    }
    const goals = foldGoals(clinical);
    expect(goals.map((g) => g.status).sort()).toEqual(['achieved', 'active']);
    expect(workHistory(clinical).map((w) => w.data.status)).toEqual([
      'working',
      'reduced-hours',
      'sick-leave',
    ]);
    const { upcoming, past } = foldAppointments(clinical, now);
    expect(upcoming).toHaveLength(1);
    expect(upcoming[0]!.questions).toHaveLength(2);
    expect(past.length).toBeGreaterThan(3);
  });
});
