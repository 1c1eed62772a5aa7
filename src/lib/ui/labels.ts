import type { Entry, EntryAuthor } from '$lib/core/record/entries';
import { QUESTIONNAIRE, type PsfsResponse } from '$lib/core/record/clinical';
import { enteredWithPatient, type GonioMovement } from '$lib/core/record/clinic-entries';
import { PAIN_REGIONS, type AccessEvent, type PainCheckIn } from '$lib/core/record/types';
import { NECK_PLANES, type NeckPlane, type PlaneResult } from '$lib/core/measure/rom';
import { PLANE_MOVEMENTS } from '$lib/core/motion/plausibility';
import { scorePsfs } from '$lib/core/scores/psfs';
import { formatNumber, t } from '$lib/i18n';

/** How entries, results and their writers read in the views (one wording everywhere). */

/**
 * Who wrote an entry: "you, on this device", the patient (for a `guest` reader) or "you, on
 * another of your devices", else "Name · role, sector · Profession, Organisation".
 */
export function authorLabel(author: EntryAuthor, selfDeviceId: string, guest: boolean): string {
  if (author.deviceId === selfDeviceId) return t('timeline.byThisDevice');
  if (author.role === 'owner') return t(guest ? 'timeline.byPatient' : 'timeline.byOtherDevice');
  const role = t(`role.${author.role}`);
  const sector = author.sector ? `, ${t(`sector.${author.sector}`)}` : '';
  const work = authorWork(author);
  // One separator throughout: a name that carries its own brackets ("Maja (sister)") never
  // reads with a second pair after it (issue 14 item 7).
  return [author.name?.trim(), `${role}${sector}`, work].filter(Boolean).join(' · ');
}

/**
 * The writer as a summary's or document list's source reads: the patient, else "Ana Jensen,
 * Physiotherapist, Fysio Nord, Physiotherapy" (name, profession, organisation, sector).
 */
export function sourceName(author: EntryAuthor): string {
  const { name, work } = sourceParts(author);
  return work ? `${name}, ${work}` : name;
}

/**
 * {@link sourceName} in two parts: who ("Ana Jensen", or "the patient") and where they work
 * ("Physiotherapist, Fysio Nord, Physiotherapy", or empty). A printed summary shows the second
 * part once, under the care team, instead of after every fact.
 */
export function sourceParts(author: EntryAuthor): { name: string; work: string } {
  if (author.role === 'owner') return { name: t('timeline.byPatient'), work: '' };
  const sector = author.sector ? t(`sector.${author.sector}`) : '';
  return {
    name: author.name ?? t(`role.${author.role}`),
    work: [authorWork(author), sector].filter(Boolean).join(', '),
  };
}

/** "Physiotherapist, Fysio Nord": the writer's profession and organisation, when given. */
export function authorWork(author: EntryAuthor): string {
  return [author.profession, author.organisation].filter((v) => v && v.trim()).join(', ');
}

/**
 * Who wrote this entry ({@link authorLabel}); a questionnaire a professional entered from the
 * paper form reads "Entered by <them> with the patient".
 */
export function entryAuthorLabel(entry: Entry, selfDeviceId: string, guest: boolean): string {
  const who = authorLabel(entry.author, selfDeviceId, guest);
  return entry.type === QUESTIONNAIRE &&
    entry.author.role === 'professional' &&
    enteredWithPatient(entry.data)
    ? t('clinic.enteredWith', { who })
    : who;
}

/**
 * "Flexion 40°, extension 20°, side bending left 30°, side bending right 28°, rotation left 70°,
 * rotation right 65°" for a motion test: every value names its plane and direction, so "left
 * 70°" is never ambiguous between bending and turning.
 */
export function motionPlanesText(planes: Partial<Record<NeckPlane, PlaneResult>>): string {
  const text = NECK_PLANES.flatMap((p) => {
    const r = planes[p];
    if (!r) return [];
    const [a, b] = PLANE_MOVEMENTS[p];
    return [motionValueText(a, r.a), motionValueText(b, r.b)];
  }).join(', ');
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}

/** "rotation left 70°": one movement and its angle, in whole degrees. */
export function motionValueText(movement: GonioMovement, degrees: number): string {
  return `${t(`motion.movementName.${movement}`)} ${formatNumber(Math.round(degrees))}°`;
}

/** "Average 4.5 of 10" (PSFS-2). */
export function psfsMeanText(activities: PsfsResponse['activities']): string {
  return t('psfs.result', { mean: formatNumber(scorePsfs(activities).mean, 1) });
}

/** "Lifting my daughter 3/10; Driving 6/10". */
export function psfsActivitiesText(activities: PsfsResponse['activities']): string {
  return activities.map((a) => `${a.activity} ${a.rating}/10`).join('; ');
}

/** "Health record, Messages": compartment names in the user's language. */
export function partNames(names: readonly string[]): string {
  return names.map((n) => t(`sharing.part.${n}`)).join(', ');
}

/**
 * One line of the sharing audit trail: "Shared Health record with Ana (professional)." Audit
 * entries come from other devices too, so a missing field never throws.
 */
export function accessEventText(a: Partial<AccessEvent>): string {
  return t(`sharing.action.${String(a.action)}`, {
    name: a.person?.name ?? '',
    role: t(`role.${String(a.role)}`),
    parts: partNames(a.compartments ?? []),
  });
}

/**
 * What a check-in wrote, said back after saving (issue 14 item 10): "Saved: Low back pain 4/10,
 * Leg pain 2/10, with your note."
 */
/** The check-in's optional extras in words: "slept poorly", "pain medicine taken". */
export function checkInExtras(data: PainCheckIn): string[] {
  const out: string[] = [];
  if (data.sleep) out.push(t(`checkin.slept.${data.sleep}`));
  if (data.painMedicine !== undefined)
    out.push(t(data.painMedicine ? 'checkin.tookMedicine' : 'checkin.noMedicine'));
  return out;
}

export function checkInSavedText(data: PainCheckIn): string {
  const parts = PAIN_REGIONS.flatMap((r) =>
    data.scores[r] === undefined ? [] : [`${t(`checkin.region.${r}`)} ${data.scores[r]}/10`],
  );
  parts.push(...checkInExtras(data));
  if (data.note) parts.push(t('checkin.savedNote'));
  return parts.length ? t('checkin.savedWhat', { what: parts.join(', ') }) : t('checkin.saved');
}
