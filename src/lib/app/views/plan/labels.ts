import type { Adherence } from '$lib/core/record/adherence';
import type { ExerciseDose, ExercisePlanItem, PlanItem, WorkStatus } from '$lib/core/record/plan';
import { formatDate, t } from '$lib/i18n';

/** How the plan's entries read in the views (one wording everywhere). */

/** "3 × 10 repetitions" or "10 minutes". */
export function doseText(dose: ExerciseDose): string {
  return 'minutes' in dose
    ? t('plan.dose.minutes', { n: dose.minutes })
    : t('plan.dose.sets', { sets: dose.sets, reps: dose.reps });
}

/** "3 × 10 repetitions, once a day, until 30 Apr 2026" and the like, for any plan item. */
export function planItemText(item: PlanItem): string {
  const parts: string[] = [];
  if (item.kind === 'exercise') {
    parts.push(doseText(item.dose), t(`plan.freq.${item.per}`, { n: item.times }));
  }
  if (item.kind === 'return-to-work' && item.hoursPercent !== undefined) {
    parts.push(t('plan.items.hours', { n: item.hoursPercent }));
  }
  if (item.from) parts.push(t('plan.from', { date: formatDate(item.from, 'medium') }));
  if (item.until) parts.push(t('plan.until', { date: formatDate(item.until, 'medium') }));
  return parts.join(', ');
}

/** "Working reduced hours (50%), since 1 Mar 2026" and the like. */
export function workStatusText(w: WorkStatus): string {
  const status =
    w.status === 'reduced-hours' && w.percent !== undefined
      ? t('plan.work.reducedN', { n: w.percent })
      : w.status === 'other' && w.text
        ? `${t('plan.work.other')}: ${w.text}`
        : t(`plan.work.${w.status}`);
  const from = w.from ? formatDate(w.from, 'medium') : null;
  const to = w.to ? formatDate(w.to, 'medium') : null;
  if (from && to) return `${status}, ${t('plan.work.range', { from, to })}`;
  if (from) return `${status}, ${t('plan.work.since', { date: from })}`;
  if (to) return `${status}, ${t('plan.until', { date: to })}`;
  return status;
}

/** The patient's two-week line: "done on 9 of 14 days…", or for a weekly exercise its target. */
export function recentText(item: ExercisePlanItem, a: Adherence): string {
  return item.per === 'day'
    ? t('plan.exercises.recent', { done: a.done, planned: a.planned })
    : t('plan.exercises.recentWeekly', { done: a.done, target: a.target });
}
