import {
  CONDITION_CODES,
  CONDITION_CODE_NAMES,
  isAllergy,
  isCondition,
  PROBLEM_TEXT_MAX,
  type Allergy,
  type Condition,
  type ConditionCode,
} from '../record/problems';
import { isGoal, isWorkStatus, PLAN_TEXT, type Goal, type WorkStatus } from '../record/plan';
import type { AllergyInput, ConditionInput, GoalInput, WorkStatusInput } from './input';

/**
 * The record's own condition, allergy, goal and work-status entries (`core/record/problems.ts`,
 * `core/record/plan.ts`: the registry's types) in the FHIR-side input shapes the mappers read,
 * and back: what an import writes must pass the registry's guards, which every device checks.
 *
 * Displays: SNOMED CT preferred terms and WHO ICD-10 titles of the codes in `CONDITION_CODES`
 * (sources listed there).
 */

const DISPLAYS: Record<ConditionCode, { snomed: string; icd10: string; site: 'back' | 'neck' }> = {
  'low-back-pain': { snomed: 'Low back pain', icd10: 'Low back pain', site: 'back' },
  'neck-pain': { snomed: 'Neck pain', icd10: 'Cervicalgia', site: 'neck' },
  sciatica: { snomed: 'Sciatica', icd10: 'Sciatica', site: 'back' },
  whiplash: {
    snomed: 'Whiplash injury to neck',
    icd10: 'Sprain and strain of cervical spine',
    site: 'neck',
  },
  'lumbar-stenosis': {
    snomed: 'Spinal stenosis of lumbar region',
    icd10: 'Spinal stenosis',
    site: 'back',
  },
};

/** A record condition as FHIR input; `null` when it is not one. */
export function conditionFromRecord(data: unknown): ConditionInput | null {
  if (!isCondition(data)) return null;
  const c: Condition = data;
  if (c.code) {
    const codes = CONDITION_CODES[c.code];
    const d = DISPLAYS[c.code];
    return {
      text: c.text ?? d.snomed,
      snomed: { code: codes.snomed, display: d.snomed },
      icd10: { code: codes.icd10, display: d.icd10 },
      clinicalStatus: c.status,
      bodySite: d.site,
      ...(c.onset ? { onset: c.onset } : {}),
    };
  }
  return {
    text: c.text ?? '',
    clinicalStatus: c.status,
    ...(c.onset ? { onset: c.onset } : {}),
  };
}

/** A record allergy as FHIR input; `null` for "no known allergies" or what is not one. */
export function allergyFromRecord(data: unknown): AllergyInput | null {
  if (!isAllergy(data)) return null;
  const a: Allergy = data;
  if (a.kind === 'none') return null;
  return {
    substance: a.substance,
    clinicalStatus: 'active',
    ...(a.criticality ? { criticality: a.criticality } : {}),
    ...(a.reaction ? { reaction: a.reaction } : {}),
  };
}

const RESOLVED = ['inactive', 'remission', 'resolved'];

/**
 * An imported condition as a record entry: one of the record's coded conditions when its SNOMED
 * CT or ICD-10 code is one of them, else its text. `null` when it cannot be kept (no text).
 */
export function conditionToRecord(c: ConditionInput): Condition | null {
  const code = CONDITION_CODE_NAMES.find(
    (k) =>
      (c.snomed && CONDITION_CODES[k].snomed === c.snomed.code) ||
      (!c.snomed && c.icd10 && CONDITION_CODES[k].icd10 === c.icd10.code),
  );
  const text = c.text.trim().replace(/\s+/g, ' ').slice(0, PROBLEM_TEXT_MAX);
  const out: Condition = {
    ...(code ? { code } : { text }),
    side: 'none',
    status: RESOLVED.includes(c.clinicalStatus) ? 'resolved' : 'active',
    ...(c.onset ? { onset: c.onset } : {}),
  };
  return isCondition(out) ? out : null;
}

/** An imported allergy as a record entry; `null` when it cannot be kept. */
export function allergyToRecord(a: AllergyInput): Allergy | null {
  const out: Allergy = {
    kind: 'allergy',
    substance: a.substance.trim().replace(/\s+/g, ' ').slice(0, PROBLEM_TEXT_MAX),
    ...(a.reaction
      ? { reaction: a.reaction.trim().replace(/\s+/g, ' ').slice(0, PROBLEM_TEXT_MAX) }
      : {}),
    ...(a.criticality ? { criticality: a.criticality } : {}),
  };
  return isAllergy(out) ? out : null;
}

/**
 * A record goal as FHIR input; `null` when it is not one. Its status lives in later
 * `goal-status` entries, which a per-entry mapper does not see: a goal is exported as set.
 */
export function goalFromRecord(data: unknown): GoalInput | null {
  if (!isGoal(data)) return null;
  const g: Goal = data;
  return { text: g.text, status: 'active', ...(g.targetDate ? { due: g.targetDate } : {}) };
}

/** Goals another system says were reached or given up: not set again as the patient's goals. */
export const ENDED_GOAL_STATUSES: readonly GoalInput['status'][] = ['completed', 'cancelled'];

/** An imported goal as a record goal; `null` when it cannot be kept (ended, or no text). */
export function goalToRecord(g: GoalInput): Goal | null {
  if (ENDED_GOAL_STATUSES.includes(g.status)) return null;
  const words = g.text.trim().replace(/\s+/g, ' ');
  const out: Goal = {
    text: words.length > PLAN_TEXT.goal ? `${words.slice(0, PLAN_TEXT.goal - 1)}…` : words,
    ...(g.due ? { targetDate: g.due } : {}),
  };
  return isGoal(out) ? out : null;
}

/** A record work status as FHIR input; `null` when it is not one. */
export function workStatusFromRecord(data: unknown): WorkStatusInput | null {
  if (!isWorkStatus(data)) return null;
  const w: WorkStatus = data;
  return {
    status: w.status,
    ...(w.percent !== undefined ? { percent: w.percent } : {}),
    ...(w.from ? { from: w.from } : {}),
    ...(w.to ? { to: w.to } : {}),
    ...(w.text ? { text: w.text } : {}),
  };
}

/**
 * An imported work status as the record's; `null` when the record has no place for it: "not
 * working" without a reason, reduced hours without a share of 1–99 %, "other" without words.
 */
export function workStatusToRecord(w: WorkStatusInput): WorkStatus | null {
  if (w.status === 'not-working') return null;
  const days = {
    ...(w.from ? { from: w.from } : {}),
    ...(w.to && (!w.from || w.from <= w.to) ? { to: w.to } : {}),
  };
  const out: WorkStatus =
    w.status === 'reduced-hours'
      ? { status: w.status, ...(w.percent !== undefined ? { percent: w.percent } : {}), ...days }
      : w.status === 'other'
        ? { status: w.status, ...(w.text ? { text: w.text.trim() } : {}), ...days }
        : { status: w.status, ...days };
  return isWorkStatus(out) ? out : null;
}
