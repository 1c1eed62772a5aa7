import type { InstrumentId } from '../instruments/definitions';

/**
 * Prognostic models as data, each with its model card (SPEC MOD-1..4): the published source,
 * population, the model itself (points and cut-offs exactly as published), validation figures
 * with their source, intended use and limits. Nothing here is fitted or estimated by Backpack.
 * A model whose coefficients could not be verified from its paper is listed as withheld, with the
 * reason, and is never evaluated.
 */

export interface Figure {
  /** e.g. "AUC, disability outcome (pooled, 5 studies)". */
  readonly what: string;
  readonly value: string;
  readonly source: string;
}

export interface PointsItem {
  /** Index into the instrument's answers. */
  readonly item: number;
  /** Short key for the item's construct; the label comes from the catalogue. */
  readonly construct: string;
  /** Whether care can change it (fear, worry, mood, beliefs…), for the what-if view. */
  readonly modifiable: boolean;
}

interface CardBase {
  readonly id: string;
  readonly name: string;
  readonly source: string;
  readonly population: string;
  readonly outcome: string;
  readonly intendedUse: string;
  readonly limits: readonly string[];
  readonly validation: readonly Figure[];
}

/** A points model over an instrument's item scores (after the instrument's own recoding). */
export interface PointsCard extends CardBase {
  readonly kind: 'points';
  readonly instrument: InstrumentId;
  readonly items: readonly PointsItem[];
  /** How the published rule turns points into a group (described; evaluated in ./evaluate.ts). */
  readonly rule: string;
}

export interface WithheldCard extends CardBase {
  readonly kind: 'withheld';
  readonly reason: string;
}

export type ModelCard = PointsCard | WithheldCard;

const KARRAN =
  'Karran et al., BMC Medicine 2017;15:13 (systematic review and meta-analysis, recent-onset low back pain)';

export const STARTBACK_MODEL: PointsCard = {
  id: 'startback-stratification',
  kind: 'points',
  instrument: 'startback',
  name: 'Keele STarT Back stratification',
  source: 'Hill et al., Arthritis Rheum 2008;59(5):632–41',
  population:
    'UK primary care adults with non-specific back pain: development sample n = 131, external validation sample n = 500.',
  outcome: 'Risk of persistent disabling back pain (poor outcome), as low, medium or high.',
  items: [
    { item: 0, construct: 'leg-pain', modifiable: false },
    { item: 1, construct: 'comorbid-pain', modifiable: false },
    { item: 2, construct: 'disability-walking', modifiable: true },
    { item: 3, construct: 'disability-dressing', modifiable: true },
    { item: 4, construct: 'fear', modifiable: true },
    { item: 5, construct: 'anxiety', modifiable: true },
    { item: 6, construct: 'catastrophising', modifiable: true },
    { item: 7, construct: 'depression', modifiable: true },
    { item: 8, construct: 'bothersomeness', modifiable: true },
  ],
  rule: 'One point per item (item 9 only for "very much" or "extremely"). Total 0–3: low. Psychosocial subscale (items 5–9) 4–5: high. Otherwise medium.',
  validation: [
    {
      what: 'AUC, disability outcome (pooled)',
      value: '0.74 (95% CI 0.66–0.82), n = 821',
      source: KARRAN,
    },
    {
      what: 'AUC, pain outcome (pooled; "non-informative")',
      value: '0.59 (95% CI 0.55–0.63), n = 1153',
      source: KARRAN,
    },
    {
      what: 'Calibration',
      value: 'Not applicable: the tool gives groups, not probabilities.',
      source: 'Hill et al. 2008',
    },
  ],
  intendedUse:
    'Matching initial treatment to risk in primary care (advice for low, physiotherapy for medium, psychologically informed physiotherapy for high risk).',
  limits: [
    'It groups people; it does not give anyone’s own probability.',
    'It predicts later disability better than later pain.',
    'Developed for low back pain; not validated for neck pain.',
    'Not a diagnosis, and it does not replace a clinician’s assessment.',
  ],
};

export const OREBRO_MODEL: PointsCard = {
  id: 'orebro-short-form',
  kind: 'points',
  instrument: 'orebro',
  name: 'Örebro short form (ÖMPSQ-10) risk of work disability',
  source: 'Linton, Nicholas & MacDonald, Spine 2011;36(22):1891–5',
  population:
    'People with musculoskeletal pain: an occupational health care sample (n = 324) and a primary care sample (n = 183), followed for one year.',
  outcome: 'Sick leave (work disability) within one year.',
  items: [
    // The published item order (SPEC ORE-1).
    { item: 0, construct: 'duration', modifiable: false },
    { item: 1, construct: 'pain', modifiable: true },
    { item: 2, construct: 'function-light-work', modifiable: true },
    { item: 3, construct: 'function-sleep', modifiable: true },
    { item: 4, construct: 'anxiety', modifiable: true },
    { item: 5, construct: 'depression', modifiable: true },
    { item: 6, construct: 'perceived-risk', modifiable: true },
    { item: 7, construct: 'work-expectancy', modifiable: true },
    { item: 8, construct: 'fear-avoidance', modifiable: true },
    { item: 9, construct: 'fear-avoidance-work', modifiable: true },
  ],
  rule: 'Sum of the ten items after reversing items 3, 4 and 8 (1–100). 50 or more: raised risk.',
  validation: [
    {
      what: 'AUC, sick leave at one year, primary care sample',
      value: '0.81',
      source: 'Linton et al. 2011',
    },
    {
      what: 'AUC, sick leave at one year, occupational health sample',
      value: '0.70',
      source: 'Linton et al. 2011',
    },
    {
      what: 'Share of those who developed disability scoring 50 or more',
      value: '83% (primary care), 85% (occupational health)',
      source: 'Linton et al. 2011',
    },
    {
      what: 'AUC, absenteeism (pooled)',
      value: '0.83 (95% CI 0.75–0.90), n = 243',
      source: KARRAN,
    },
    { what: 'AUC, disability (pooled)', value: '0.75 (95% CI 0.69–0.82), n = 512', source: KARRAN },
  ],
  intendedUse:
    'Spotting people at raised risk of long-term sick leave early, so that work and psychological factors get attention.',
  limits: [
    'One cut-off (50) for a continuous score; the best cut-off varies between populations.',
    'It gives a group, not a calibrated probability.',
    'Not a diagnosis, and it does not replace a clinician’s assessment.',
  ],
};

export const PICKUP_MODEL: WithheldCard = {
  id: 'pickup',
  kind: 'withheld',
  name: 'PICKUP (persistent low back pain at 3 months)',
  source: 'Traeger et al., PLoS Med 2016;13(5):e1002019',
  population:
    'Primary care adults with acute low back pain: development n = 1,230 (30% with the outcome), external validation n = 1,528 (19%).',
  outcome: 'Pain still present at 3 months.',
  validation: [
    {
      what: 'AUC, external validation',
      value: '0.66 (95% CI 0.63–0.69)',
      source: 'Traeger et al. 2016',
    },
    {
      what: 'Calibration, external validation',
      value: 'intercept −0.55, slope 0.89',
      source: 'Traeger et al. 2016',
    },
  ],
  intendedUse: 'Estimating the chance that acute low back pain persists.',
  limits: ['Modest discrimination (AUC 0.66).'],
  reason:
    'Backpack has not verified the final predictors and coefficients against the paper’s tables, so it does not run this model. It will only ship with the published coefficients, cited by table.',
};

export const MODEL_CARDS: readonly ModelCard[] = [STARTBACK_MODEL, OREBRO_MODEL, PICKUP_MODEL];
