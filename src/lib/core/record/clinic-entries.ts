/**
 * Professional clinical entries (issue 12 item 6): what a physiotherapist or another professional
 * measures and does in clinic. Written only by professionals (`registry-clinic.ts`); data from
 * other devices is outside input, so every reader and every accepting client checks it with the
 * guards here.
 */

/** Range of motion measured with a goniometer (or inclinometer), per plane and side. */
export const GONIOMETRY = 'goniometry';
/** What was done in one treatment session. */
export const TREATMENT_SESSION = 'treatment-session';
/** A structured neurological screen: normal or abnormal per item, with text. */
export const NEURO_SCREEN = 'neuro-screen';

export const GONIO_REGIONS = ['cervical', 'lumbar'] as const;
export type GonioRegion = (typeof GONIO_REGIONS)[number];

export const GONIO_MOVEMENTS = [
  'flexion',
  'extension',
  'lateral-flexion-left',
  'lateral-flexion-right',
  'rotation-left',
  'rotation-right',
] as const;
export type GonioMovement = (typeof GONIO_MOVEMENTS)[number];

/**
 * The largest value accepted per region and movement, in whole degrees. These are plausibility
 * limits against typing errors (well above the normal adult ranges), not norms: a value above
 * them is refused, never shown or charted.
 */
export const GONIO_MAX: Readonly<Record<GonioRegion, Readonly<Record<GonioMovement, number>>>> = {
  cervical: {
    flexion: 90,
    extension: 100,
    'lateral-flexion-left': 70,
    'lateral-flexion-right': 70,
    'rotation-left': 110,
    'rotation-right': 110,
  },
  lumbar: {
    flexion: 120,
    extension: 60,
    'lateral-flexion-left': 60,
    'lateral-flexion-right': 60,
    'rotation-left': 60,
    'rotation-right': 60,
  },
};

export const CLINIC_TEXT_MAX = 2000;

export interface Goniometry {
  readonly region: GonioRegion;
  /** Whole degrees per movement; at least one. */
  readonly degrees: Partial<Record<GonioMovement, number>>;
  readonly note?: string;
}

export const TREATMENT_COMPONENTS = [
  'education',
  'advice-activity',
  'exercise-therapy',
  'home-exercise',
  'manual-therapy',
  'soft-tissue',
  'neural-mobilisation',
  'taping',
  'other',
] as const;
export type TreatmentComponent = (typeof TREATMENT_COMPONENTS)[number];
export const TREATMENT_MAX_MINUTES = 240;

export interface TreatmentSession {
  /** What was done, each at most once, in list order or not: at least one. */
  readonly components: readonly TreatmentComponent[];
  /** Whole minutes, 1–240. */
  readonly minutes: number;
  readonly text?: string;
}

export const NEURO_ITEMS = ['reflexes', 'power', 'sensation', 'slr-left', 'slr-right'] as const;
export type NeuroItem = (typeof NEURO_ITEMS)[number];
/** The straight-leg raise items, which may carry the angle (0–90°) where symptoms began. */
export const SLR_ITEMS: readonly NeuroItem[] = ['slr-left', 'slr-right'];
export const NEURO_RESULTS = ['normal', 'abnormal'] as const;
export type NeuroResult = (typeof NEURO_RESULTS)[number];

export interface NeuroFinding {
  readonly result: NeuroResult;
  /** Straight-leg raise only: hip flexion in whole degrees (0–90) when symptoms began. */
  readonly angle?: number;
}

export interface NeuroScreen {
  /** The items tested; at least one. An item not listed was not tested. */
  readonly items: Partial<Record<NeuroItem, NeuroFinding>>;
  readonly text?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Only `allowed` keys (and `required` ones present). */
function keysWithin(
  v: Record<string, unknown>,
  allowed: readonly string[],
  required: readonly string[],
): boolean {
  const keys = Object.keys(v);
  return keys.every((k) => allowed.includes(k)) && required.every((k) => Object.hasOwn(v, k));
}

const optionalText = (v: unknown) =>
  v === undefined || (typeof v === 'string' && v.trim() !== '' && v.length <= CLINIC_TEXT_MAX);

const wholeIn = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

const oneOf = <T extends string>(list: readonly T[], v: unknown): v is T =>
  typeof v === 'string' && (list as readonly string[]).includes(v);

export function isGoniometry(data: unknown): data is Goniometry {
  if (!isObject(data) || !keysWithin(data, ['region', 'degrees', 'note'], ['region', 'degrees']))
    return false;
  const { region, degrees, note } = data;
  if (!oneOf(GONIO_REGIONS, region) || !isObject(degrees) || !optionalText(note)) return false;
  const entries = Object.entries(degrees);
  return (
    entries.length > 0 &&
    entries.every(([m, d]) => oneOf(GONIO_MOVEMENTS, m) && wholeIn(d, 0, GONIO_MAX[region][m]))
  );
}

export function isTreatmentSession(data: unknown): data is TreatmentSession {
  if (
    !isObject(data) ||
    !keysWithin(data, ['components', 'minutes', 'text'], ['components', 'minutes'])
  )
    return false;
  const { components, minutes, text } = data;
  return (
    Array.isArray(components) &&
    components.length > 0 &&
    components.every((c) => oneOf(TREATMENT_COMPONENTS, c)) &&
    new Set(components).size === components.length &&
    wholeIn(minutes, 1, TREATMENT_MAX_MINUTES) &&
    optionalText(text)
  );
}

function isNeuroFinding(item: NeuroItem, v: unknown): boolean {
  if (!isObject(v) || !keysWithin(v, ['result', 'angle'], ['result'])) return false;
  if (!oneOf(NEURO_RESULTS, v['result'])) return false;
  const angle = v['angle'];
  return angle === undefined || (SLR_ITEMS.includes(item) && wholeIn(angle, 0, 90));
}

export function isNeuroScreen(data: unknown): data is NeuroScreen {
  if (!isObject(data) || !keysWithin(data, ['items', 'text'], ['items'])) return false;
  const { items, text } = data;
  if (!isObject(items) || !optionalText(text)) return false;
  const entries = Object.entries(items);
  return (
    entries.length > 0 && entries.every(([k, v]) => oneOf(NEURO_ITEMS, k) && isNeuroFinding(k, v))
  );
}

/** The items of a screen found abnormal, in list order. */
export function abnormalItems(screen: NeuroScreen): NeuroItem[] {
  return NEURO_ITEMS.filter((k) => screen.items[k]?.result === 'abnormal');
}

/**
 * A questionnaire a professional entered from the paper form with the patient (THREAT_MODEL
 * rule 30): its stored data carries `enteredWithPatient: true`, and a professional's
 * questionnaire without it is refused where it is accepted.
 */
export const ENTERED_WITH_PATIENT = 'enteredWithPatient';

/** Whether stored questionnaire data says it was entered with the patient. */
export function enteredWithPatient(data: unknown): boolean {
  return isObject(data) && data[ENTERED_WITH_PATIENT] === true;
}
