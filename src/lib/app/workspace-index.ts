import { decrypt, encrypt } from '$lib/core/crypto/index';
import { isCalendarDay, latestProfile, PROFILE_LIMITS, type Entry } from '$lib/core/record/index';

/**
 * A professional's list of shared records, by patient (issue 12 item 2): each record's patient
 * name and date of birth (from the record's newest profile entry) and its last activity, cached
 * per record in the workspace's local store ENCRYPTED under a key derived from the workspace
 * seed, with the record id as associated data (a cached row cannot be moved to another record).
 * So the list shows names before a record has synced, and an ended grant keeps its name; nothing
 * of it is stored in plaintext in IndexedDB, and none of it goes to the relay.
 */
export interface PatientIndex {
  readonly name?: string;
  readonly birthDate?: string;
  /** ISO instant of the newest entry seen in the record. */
  readonly lastActivity?: string;
}

export const INDEX_KEY_LABEL = 'workspace-record-index';

const utf8 = new TextEncoder();

/** What the open record says: its patient's profile and its newest entry. */
export function indexOf(entries: readonly Entry[]): PatientIndex {
  const profile = latestProfile(entries);
  let last: string | undefined;
  for (const e of entries) if (!last || e.at > last) last = e.at;
  return {
    ...(profile ? { name: profile.data.name, birthDate: profile.data.birthDate } : {}),
    ...(last ? { lastActivity: last } : {}),
  };
}

export function sameIndex(a: PatientIndex | undefined, b: PatientIndex): boolean {
  return (
    a !== undefined &&
    a.name === b.name &&
    a.birthDate === b.birthDate &&
    a.lastActivity === b.lastActivity
  );
}

export function sealIndex(
  key: Uint8Array,
  recordId: string,
  index: PatientIndex,
): { nonce: Uint8Array; ciphertext: Uint8Array } {
  return encrypt(key, utf8.encode(JSON.stringify(index)), utf8.encode(recordId));
}

/** The cached index, or null when it does not open under this key and record id or is malformed. */
export function openIndex(
  key: Uint8Array,
  recordId: string,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
): PatientIndex | null {
  const plain = decrypt(key, nonce, ciphertext, utf8.encode(recordId));
  if (!plain) return null;
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(plain));
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const { name, birthDate, lastActivity } = v as Record<string, unknown>;
  const ok =
    (name === undefined ||
      (typeof name === 'string' && name.length > 0 && name.length <= PROFILE_LIMITS.name)) &&
    (birthDate === undefined || isCalendarDay(birthDate)) &&
    (lastActivity === undefined ||
      (typeof lastActivity === 'string' && !Number.isNaN(Date.parse(lastActivity))));
  if (!ok) return null;
  return {
    ...(name !== undefined ? { name: name as string } : {}),
    ...(birthDate !== undefined ? { birthDate: birthDate as string } : {}),
    ...(lastActivity !== undefined ? { lastActivity: lastActivity as string } : {}),
  };
}

export type RecordSort = 'name' | 'birthDate' | 'activity';

/** Letters that do not decompose into a base letter and a mark. */
const BASE: Readonly<Record<string, string>> = {
  ø: 'o',
  æ: 'ae',
  œ: 'oe',
  ß: 'ss',
  ł: 'l',
  đ: 'd',
};

/** Case- and accent-insensitive text for matching ("Østergård" matches "ostergard"). */
const fold = (s: string) =>
  s
    .toLocaleLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[øæœßłđ]/g, (c) => BASE[c] ?? c);

/**
 * Filters records by a query (every word must match the name, the date of birth as typed
 * `YYYY-MM-DD` or as `formatted`, or the record numbers) and sorts them. Records without a name
 * sort last by name; without activity, last by activity. Ties fall back to the record id, so the
 * order is stable.
 */
export function findRecords<
  R extends { recordId: string; recordFingerprint: string; patient: PatientIndex | null },
>(
  records: readonly R[],
  query: string,
  sort: RecordSort,
  formatted: (day: string) => string = (d) => d,
): R[] {
  const words = fold(query).split(/\s+/).filter(Boolean);
  const haystack = (r: R) =>
    fold(
      [
        r.patient?.name ?? '',
        r.patient?.birthDate ?? '',
        r.patient?.birthDate ? formatted(r.patient.birthDate) : '',
        r.recordFingerprint,
      ].join(' '),
    );
  const matches =
    words.length === 0
      ? [...records]
      : records.filter((r) => {
          const h = haystack(r);
          return words.every((w) => h.includes(w));
        });
  const cmp = (a: R, b: R): number => {
    const pa = a.patient;
    const pb = b.patient;
    let d: number;
    if (sort === 'name') {
      d = nullsLast(pa?.name, pb?.name, (x, y) => x.localeCompare(y));
    } else if (sort === 'birthDate') {
      d = nullsLast(pa?.birthDate, pb?.birthDate, (x, y) => (x < y ? -1 : x > y ? 1 : 0));
    } else {
      d = nullsLast(pa?.lastActivity, pb?.lastActivity, (x, y) => (x > y ? -1 : x < y ? 1 : 0));
    }
    return d !== 0 ? d : a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0;
  };
  return matches.sort(cmp);
}

function nullsLast<T>(a: T | undefined, b: T | undefined, cmp: (x: T, y: T) => number): number {
  if (a === undefined) return b === undefined ? 0 : 1;
  if (b === undefined) return -1;
  return cmp(a, b);
}
