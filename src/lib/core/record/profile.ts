import type { Entry } from './entries';
import { isCalendarDay } from './medicines';

/**
 * The patient's profile (issue 12 item 2): who the patient is, kept only inside the encrypted
 * record (clinical compartment). Name, date of birth and preferred language; contact, GP or
 * clinic and a national identifier are optional and never required. The guard checks formats
 * loosely (a national identifier differs per country) but bounds every length. The newest
 * profile entry (by `at`, then id) is the profile.
 */
export const PROFILE = 'profile';

export interface PatientProfile {
  readonly name: string;
  /** `YYYY-MM-DD`. */
  readonly birthDate: string;
  /** A BCP-47 language tag, e.g. `da`, `nb`, `en-GB`. */
  readonly language: string;
  /** Phone or e-mail, free text. */
  readonly contact?: string;
  /** The patient's GP or clinic, free text. */
  readonly gp?: string;
  /** A national identifier (CPR, BSN, fødselsnummer, DNI…), as the patient types it. */
  readonly nationalId?: string;
}

/** Control characters (newlines included) do not belong in a short field. */
const hasControl = (v: string) =>
  [...v].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127);

export const PROFILE_LIMITS = { name: 120, contact: 200, gp: 200, nationalId: 40 } as const;
const KEYS = new Set(['name', 'birthDate', 'language', 'contact', 'gp', 'nationalId']);
const LANGUAGE = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$/;
/** Letters, digits, spaces and the separators national identifiers use. */
const NATIONAL_ID = /^[\p{L}\p{N}][\p{L}\p{N} .\-/]*$/u;
const text = (v: unknown, max: number) =>
  typeof v === 'string' && v.trim() !== '' && v.length <= max && !hasControl(v);

export function isPatientProfile(data: unknown): data is PatientProfile {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const d = data as Record<string, unknown>;
  if (Object.keys(d).some((k) => !KEYS.has(k))) return false;
  const { name, birthDate, language, contact, gp, nationalId } = d;
  return (
    text(name, PROFILE_LIMITS.name) &&
    isCalendarDay(birthDate) &&
    birthDate >= '1900-01-01' &&
    birthDate <= '2100-12-31' &&
    typeof language === 'string' &&
    language.length <= 35 &&
    LANGUAGE.test(language) &&
    (contact === undefined || text(contact, PROFILE_LIMITS.contact)) &&
    (gp === undefined || text(gp, PROFILE_LIMITS.gp)) &&
    (nationalId === undefined ||
      (text(nationalId, PROFILE_LIMITS.nationalId) && NATIONAL_ID.test(nationalId as string)))
  );
}

/** The profile from the newest profile entry (by `at`, then id), or null. */
export function latestProfile(entries: readonly Entry[]): Entry<PatientProfile> | null {
  let best: Entry<PatientProfile> | null = null;
  for (const e of entries) {
    if (e.type !== PROFILE || e.deleted || !isPatientProfile(e.data)) continue;
    if (!best || e.at > best.at || (e.at === best.at && e.id > best.id)) {
      best = e as Entry<PatientProfile>;
    }
  }
  return best;
}

/** A profile from form input: trimmed, empty optional fields left out; null when it does not fit. */
export function newPatientProfile(input: {
  name: string;
  birthDate: string;
  language: string;
  contact?: string;
  gp?: string;
  nationalId?: string;
}): PatientProfile | null {
  const opt = (k: 'contact' | 'gp' | 'nationalId') => {
    const v = input[k]?.trim();
    return v ? { [k]: v } : {};
  };
  const p = {
    name: input.name.trim(),
    birthDate: input.birthDate.trim(),
    language: input.language.trim(),
    ...opt('contact'),
    ...opt('gp'),
    ...opt('nationalId'),
  };
  return isPatientProfile(p) ? p : null;
}
