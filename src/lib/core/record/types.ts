import { isOptionalProvenance, type ImportProvenance } from './provenance';

/** Entry types and their data. */

export const PAIN_REGIONS = ['back', 'leg', 'neck'] as const;
export type PainRegion = (typeof PAIN_REGIONS)[number];

/** A quick check-in: pain now on the 0–10 numeric rating scale, per region. */
/** How the night went, one tap on the check-in (issue 14 item 10). */
export const SLEEP_QUALITIES = ['good', 'fair', 'poor'] as const;
export type SleepQuality = (typeof SLEEP_QUALITIES)[number];

export interface PainCheckIn {
  readonly scores: Partial<Record<PainRegion, number>>;
  readonly note?: string;
  /** Optional extras: last night's sleep, and whether pain medicine was taken today. */
  readonly sleep?: SleepQuality;
  readonly painMedicine?: boolean;
  /**
   * A rating imported from another system (issue 13): who recorded it and when. Without it the
   * check-in is the record's own; readers show an imported one as such, never as a check-in.
   */
  readonly source?: ImportProvenance;
}

export const PAIN_CHECKIN = 'pain-checkin';

export function isPainCheckIn(data: unknown): data is PainCheckIn {
  if (typeof data !== 'object' || data === null) return false;
  const scores = (data as { scores?: unknown }).scores;
  if (typeof scores !== 'object' || scores === null) return false;
  const entries = Object.entries(scores);
  if (entries.length === 0) return false;
  for (const [region, value] of entries) {
    if (!(PAIN_REGIONS as readonly string[]).includes(region)) return false;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 10)
      return false;
  }
  const { note, sleep, painMedicine, source } = data as {
    note?: unknown;
    sleep?: unknown;
    painMedicine?: unknown;
    source?: unknown;
  };
  if (!isOptionalProvenance(source)) return false;
  if (sleep !== undefined && !(SLEEP_QUALITIES as readonly unknown[]).includes(sleep)) return false;
  if (painMedicine !== undefined && typeof painMedicine !== 'boolean') return false;
  return note === undefined || (typeof note === 'string' && note.length <= 2000);
}

/** A professional's or the patient's clinical note (clinical compartment). */
export const NOTE = 'note';
export interface Note {
  readonly text: string;
}

/** One message of the dialogue (messages compartment); `replyTo` is the entry id answered. */
export const MESSAGE = 'message';
export interface Message {
  readonly text: string;
  readonly replyTo?: string;
  /** The patient wants to raise it at the next visit. */
  readonly forVisit?: true;
}

export const MAX_TEXT = 4000;

export function isTextEntry(data: unknown): data is Note & Message {
  if (typeof data !== 'object' || data === null) return false;
  const v = data as Record<string, unknown>;
  if (typeof v['text'] !== 'string' || v['text'].trim() === '' || v['text'].length > MAX_TEXT) {
    return false;
  }
  return (
    (v['replyTo'] === undefined || typeof v['replyTo'] === 'string') &&
    (v['forVisit'] === undefined || v['forVisit'] === true)
  );
}

/**
 * The audit trail of sharing, written by the device that changed the manifest (clinical
 * compartment). It names people, which the manifest never does.
 */
export const ACCESS_EVENT = 'access';
export interface AccessEvent {
  readonly action: 'granted' | 'changed' | 'revoked' | 'expired';
  /** Hex of the grantee's device key. */
  readonly device: string;
  readonly person: {
    readonly kind: 'professional' | 'relative';
    readonly name: string;
    readonly profession: string;
    readonly organisation: string;
    readonly sector: string;
  };
  readonly role: 'delegate' | 'professional' | 'viewer';
  /** Compartment names. */
  readonly compartments: readonly string[];
  /** ISO 8601 or null. */
  readonly notAfter: string | null;
  readonly manage?: boolean;
  /** The manifest version this change produced. */
  readonly manifestVersion: number;
}

const ACCESS_ACTIONS: readonly string[] = ['granted', 'changed', 'revoked', 'expired'];
const PERSON_KINDS: readonly string[] = ['professional', 'relative'];
const GRANT_ROLES: readonly string[] = ['delegate', 'professional', 'viewer'];
const PERSON_FIELDS = ['name', 'profession', 'organisation', 'sector'] as const;
const field = (v: unknown, max: number) => typeof v === 'string' && v.length <= max;

export function isAccessEvent(data: unknown): data is AccessEvent {
  if (typeof data !== 'object' || data === null) return false;
  const v = data as Record<string, unknown>;
  const person = v['person'] as Record<string, unknown> | null | undefined;
  const compartments = v['compartments'];
  const version = v['manifestVersion'];
  return (
    ACCESS_ACTIONS.includes(v['action'] as string) &&
    typeof v['device'] === 'string' &&
    /^[0-9a-f]{64}$/.test(v['device']) &&
    typeof person === 'object' &&
    person !== null &&
    PERSON_KINDS.includes(person['kind'] as string) &&
    PERSON_FIELDS.every((f) => field(person[f], 1000)) &&
    GRANT_ROLES.includes(v['role'] as string) &&
    Array.isArray(compartments) &&
    compartments.length <= 16 &&
    compartments.every((c) => field(c, 100)) &&
    (v['notAfter'] === null ||
      (typeof v['notAfter'] === 'string' && !Number.isNaN(Date.parse(v['notAfter'])))) &&
    (v['manage'] === undefined || v['manage'] === true) &&
    typeof version === 'number' &&
    Number.isInteger(version) &&
    version >= 0
  );
}
