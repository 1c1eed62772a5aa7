import type { MotionTestKind } from '$lib/core/measure/rom';
import { formatNumber } from '$lib/i18n';

/**
 * What went wrong in a motion test, and where: shown right below the button that was pressed
 * (`at`), which points at it with aria-describedby.
 */
export type ProblemAt = `start-${MotionTestKind}` | 'neutral' | 'plane' | 'review' | 'manual';
export interface MotionProblem {
  text: string;
  at: ProblemAt;
}

export const problemId = (at: ProblemAt): string => `motion-problem-${at}`;

/** The message to show at `at`, if the problem is there. */
export const problemAt = (problem: MotionProblem | null, at: ProblemAt): string | null =>
  problem?.at === at ? problem.text : null;

/** The id for the aria-describedby of the control at `at`, while its problem shows. */
export const describedBy = (problem: MotionProblem | null, at: ProblemAt): string | undefined =>
  problem?.at === at ? problemId(at) : undefined;

/** Whole degrees, in the reader's number format. */
export const deg = (n: number): string => `${formatNumber(Math.round(n))}°`;
