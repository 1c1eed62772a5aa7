import { CARE_TEAM, NONE, PATIENT, spec, type WriteRules } from './registry-spec';
import {
  APPOINTMENT,
  EXERCISE_DONE,
  GOAL,
  GOAL_STATUS,
  isAppointment,
  isExerciseDone,
  isGoal,
  isGoalStatus,
  isPlanItem,
  isVisitQuestion,
  isWorkStatus,
  PLAN_ITEM,
  VISIT_QUESTION,
  WORK_STATUS,
  type Appointment,
  type ExerciseDone,
  type Goal,
  type GoalStatus,
  type PlanItem,
  type VisitQuestion,
  type WorkStatus,
} from './plan';

/**
 * The plan's entry types (issue 12 items 4 and 5), spread into `ENTRY_TYPES` in `registry.ts`.
 * Shapes and rules come from `registry-spec.ts`, never from the registry (an import cycle would
 * leave these specs uninitialised when the registry is built).
 */

/**
 * Plan items: professionals of any sector write them; the patient and a delegate may not (the
 * patient may still withdraw one, as any entry). Grantees are refused where accepted
 * (`validate.ts`); readers count only a professional's plan items (`plan-fold.ts`).
 */
const PROFESSIONALS: WriteRules = {
  owner: { write: false, corrects: 'any' },
  delegate: NONE,
  professional: { write: true, corrects: 'own' },
  viewer: NONE,
};

export const PLAN_TYPES = {
  [GOAL]: spec<Goal>({
    type: GOAL,
    version: 1,
    compartment: 'clinical',
    guard: isGoal,
    invalid: 'A goal needs words (at most 300 characters); a target date is a calendar day.',
    writers: PATIENT,
    section: 'plan',
    timeline: { title: 'plan.timeline.goal' },
    fhir: { section: 'plan-of-care', resources: ['Goal'] },
  }),
  [GOAL_STATUS]: spec<GoalStatus>({
    type: GOAL_STATUS,
    version: 1,
    compartment: 'clinical',
    guard: isGoalStatus,
    invalid: 'A goal status names a goal and says achieved, dropped or active.',
    writers: PATIENT,
    section: 'plan',
    timeline: { title: 'plan.timeline.goalStatus', titleOf: (d) => `plan.goalStatus.${d.status}` },
    fhir: { section: 'plan-of-care', resources: ['Goal'] },
  }),
  [PLAN_ITEM]: spec<PlanItem>({
    type: PLAN_ITEM,
    version: 1,
    compartment: 'clinical',
    guard: isPlanItem,
    invalid: 'A plan item needs a kind and a title; an exercise a dose and a frequency.',
    writers: PROFESSIONALS,
    section: 'plan',
    timeline: { title: 'plan.timeline.item', titleOf: (d) => `plan.kind.${d.kind}` },
    fhir: { section: 'plan-of-care', resources: ['CarePlan'] },
  }),
  [EXERCISE_DONE]: spec<ExerciseDone>({
    type: EXERCISE_DONE,
    version: 1,
    compartment: 'clinical',
    guard: isExerciseDone,
    invalid: 'An exercise log names an exercise and a calendar day.',
    writers: PATIENT,
    section: 'plan',
    timeline: {
      title: 'plan.timeline.done',
      titleOf: (d) => (d.done ? 'plan.timeline.done' : 'plan.timeline.undone'),
    },
    fhir: { section: 'none', resources: ['Observation'] },
  }),
  [APPOINTMENT]: spec<Appointment>({
    type: APPOINTMENT,
    version: 1,
    compartment: 'clinical',
    guard: isAppointment,
    invalid: 'An appointment needs a time and with whom (at most 200 characters).',
    writers: CARE_TEAM,
    section: 'plan',
    timeline: { title: 'plan.timeline.appointment' },
    fhir: { section: 'none', resources: ['Appointment'] },
  }),
  [VISIT_QUESTION]: spec<VisitQuestion>({
    type: VISIT_QUESTION,
    version: 1,
    compartment: 'clinical',
    guard: isVisitQuestion,
    invalid: 'A question needs text (at most 500 characters).',
    writers: PATIENT,
    section: 'plan',
    timeline: { title: 'plan.timeline.question' },
    fhir: { section: 'none', resources: ['Communication'] },
  }),
  [WORK_STATUS]: spec<WorkStatus>({
    type: WORK_STATUS,
    version: 1,
    compartment: 'clinical',
    guard: isWorkStatus,
    invalid: 'A work status needs a status; reduced hours a percentage, "other" a few words.',
    writers: PATIENT,
    section: 'plan',
    timeline: { title: 'plan.timeline.work', titleOf: (d) => `plan.work.${d.status}` },
    fhir: { section: 'functional-status', resources: ['Observation'] },
  }),
} as const;
