/** [PSFS-1..4] Patient-Specific Functional Scale. */

/** [PSFS-4] No LOINC code was found: the local code system, as for the ÖMPSQ-10. */
export const PSFS_CODES = {
  system: 'https://backpack.health/fhir/CodeSystem/instrument',
  panel: 'psfs',
  mean: 'psfs-mean',
} as const;
export interface PsfsActivity {
  readonly activity: string;
  readonly rating: number;
}

export function scorePsfs(activities: readonly PsfsActivity[]): { mean: number; count: number } {
  if (activities.length < 1 || activities.length > 5) {
    throw new RangeError('The PSFS takes one to five activities.');
  }
  for (const a of activities) {
    if (a.activity.trim().length === 0) throw new RangeError('Each activity needs a name.');
    if (!(Number.isInteger(a.rating) && a.rating >= 0 && a.rating <= 10)) {
      throw new RangeError('PSFS ratings are integers 0–10.');
    }
  }
  const mean = activities.reduce((s, a) => s + a.rating, 0) / activities.length;
  return { mean, count: activities.length };
}
