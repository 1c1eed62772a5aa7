import type { MotionTestKind, NeckPlane, PlaneResult } from '../measure/rom';
import { NECK_PLANES } from '../measure/rom';
import { GONIO_MAX, type GonioMovement, type GonioRegion } from '../record/clinic-entries';

/**
 * Plausibility of a range-of-motion result (issue 14 item 9): an angle beyond what adults reach
 * is far more often a typing slip, or a phone that slipped on the head, than a real movement, so
 * the patient is asked "Is X° right?" before it is saved. It is a question, never a refusal:
 * the record's hard limit stays 0–180° (MOT-4).
 *
 * The limits are the ones the clinic's goniometer form already uses ({@link GONIO_MAX},
 * `core/record/clinic-entries.ts`): set well above the normal adult ranges against typing errors.
 * Neck: flexion 90°, extension 100°, side bending 70°, rotation 110°. Back (the phone on the
 * breastbone, so the trunk with the hips, MOT-6): flexion 120°, extension, side bending and
 * rotation 60°. Normal adult ranges for comparison (AAOS, as in the goniometry literature):
 * neck flexion about 45–50°, extension 45–85°, side bending 45°, rotation 60–80°; trunk flexion
 * about 80°, extension 25–30°, side bending 35°, rotation 45°.
 */

const REGION: Readonly<Record<MotionTestKind, GonioRegion>> = { neck: 'cervical', back: 'lumbar' };

/** The goniometer movement each plane's first (`a`) and second (`b`) direction is. */
export const PLANE_MOVEMENTS: Readonly<Record<NeckPlane, readonly [GonioMovement, GonioMovement]>> =
  {
    'flexion-extension': ['flexion', 'extension'],
    lateral: ['lateral-flexion-left', 'lateral-flexion-right'],
    rotation: ['rotation-left', 'rotation-right'],
  };

/** The largest plausible angle of one movement in one test, in degrees. */
export function plausibleMax(test: MotionTestKind, movement: GonioMovement): number {
  return GONIO_MAX[REGION[test]][movement];
}

export interface ImplausibleAngle {
  readonly plane: NeckPlane;
  /** Which direction of the plane: `a` (flexion, left) or `b` (extension, right). */
  readonly which: 'a' | 'b';
  readonly movement: GonioMovement;
  readonly degrees: number;
  readonly max: number;
}

/**
 * The angles of a result above their plausible maximum, in the order results are listed
 * (planes, then `a` before `b`). Empty when every angle is plausible. Compares the angle as it
 * will be shown (whole degrees), so "91°" is asked about and "90.4°", shown as 90°, is not.
 */
export function implausibleAngles(
  test: MotionTestKind,
  planes: Partial<Record<NeckPlane, PlaneResult>>,
): ImplausibleAngle[] {
  const out: ImplausibleAngle[] = [];
  for (const plane of NECK_PLANES) {
    const r = planes[plane];
    if (!r) continue;
    for (const which of ['a', 'b'] as const) {
      const movement = PLANE_MOVEMENTS[plane][which === 'a' ? 0 : 1];
      const max = plausibleMax(test, movement);
      const degrees = r[which];
      if (Math.round(degrees) > max) out.push({ plane, which, movement, degrees, max });
    }
  }
  return out;
}
