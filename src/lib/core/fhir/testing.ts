import { INSTRUMENT, INSTRUMENTS } from '../instruments/definitions';
import { NECK_PLANES } from '../measure/rom';
import { prng } from '../prng';
import { storedForm } from '../record/clinical';
import { KNOWN_CONDITIONS } from './codes';
import type { AuthorInput, EntryInput, GrantInput, RecordView } from './input';
import { CARE_PLAN_STATUSES, CLINICAL_STATUSES, GOAL_STATUSES, WORK_STATUSES } from './input';

/** Test support: random records of every mapped entry type, from a seed (pure, reproducible). */

const hex = (rand: () => number, n: number) =>
  Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');

export function randomRecord(seed: number): RecordView {
  const rand = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[int(0, list.length - 1)]!;
  const text = (words: number) =>
    Array.from({ length: words }, () =>
      pick(['ryg', 'nek', 'pijn', 'dolor', 'smerte', 'Ærø', '<b>&', 'walk', '"quoted"']),
    ).join(' ');
  const authors: AuthorInput[] = [
    { deviceId: hex(rand, 64), role: 'owner' },
    ...Array.from({ length: int(0, 3) }, (): AuthorInput => ({
      deviceId: hex(rand, 64),
      role: 'professional',
      name: `Dr ${text(1)}`,
      sector: pick(['primary-care', 'physiotherapy', 'hospital', 'employment']),
      profession: text(1),
      organisation: text(2),
    })),
    ...(rand() < 0.5
      ? [{ deviceId: hex(rand, 64), role: 'delegate' as const, name: text(1), sector: 'family' }]
      : []),
  ];
  const start = Date.UTC(2025, 0, 1) + int(0, 300) * 86_400_000;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const entries: EntryInput[] = [];
  const count = int(0, 40);
  for (let i = 0; i < count; i++) {
    const at = start + i * int(1, 5) * 86_400_000 + int(0, 86_399) * 1000;
    const author = pick(authors);
    const kind = int(0, 11);
    let type: string;
    let data: unknown;
    switch (kind) {
      case 0: {
        type = 'pain-checkin';
        const scores: Record<string, number> = {};
        for (const r of ['back', 'leg', 'neck']) if (rand() < 0.6) scores[r] = int(0, 10);
        if (Object.keys(scores).length === 0) scores['back'] = int(0, 10);
        data = { scores, ...(rand() < 0.3 ? { note: text(4) } : {}) };
        break;
      }
      case 1: {
        type = 'questionnaire';
        const def = INSTRUMENT[pick(INSTRUMENTS)];
        const answers = def.items.map((it) =>
          rand() < 0.05 && def.maxMissing > 0 ? null : pick(it.options),
        );
        data = storedForm({ instrument: def.id, version: def.version, answers });
        break;
      }
      case 2: {
        type = 'motion-test';
        const planes: Record<string, unknown> = {};
        for (const p of NECK_PLANES)
          if (rand() < 0.7) planes[p] = { a: int(0, 900) / 10, b: int(0, 900) / 10 };
        if (Object.keys(planes).length === 0) planes['rotation'] = { a: 60, b: 55 };
        data = { test: pick(['neck', 'back']), source: pick(['sensor', 'manual']), planes };
        break;
      }
      case 3:
        type = 'psfs';
        data = {
          activities: Array.from({ length: int(1, 5) }, () => ({
            activity: text(3),
            rating: int(0, 10),
          })),
        };
        break;
      case 4:
        type = 'medication';
        data = {
          name: text(2),
          ...(rand() < 0.5 ? { dose: text(3) } : {}),
          ...(rand() < 0.3 ? { stopped: day(at + 86_400_000 * 10) } : {}),
        };
        break;
      case 5: {
        type = 'condition';
        const known = pick(Object.values(KNOWN_CONDITIONS));
        const status = pick(CLINICAL_STATUSES);
        data = {
          text: rand() < 0.5 ? known.display : text(3),
          ...(rand() < 0.7 ? { snomed: { code: known.snomed, display: known.display } } : {}),
          ...(rand() < 0.5 ? { icd10: { code: known.icd10, display: known.display } } : {}),
          clinicalStatus: status,
          ...(rand() < 0.5 ? { onset: day(at - 86_400_000 * 30) } : {}),
          ...(rand() < 0.3 ? { abatement: day(at) } : {}),
          ...(rand() < 0.5 ? { bodySite: pick(['back', 'neck', 'leg']) } : {}),
        };
        break;
      }
      case 6:
        type = 'allergy';
        data = {
          substance: text(1),
          clinicalStatus: pick(['active', 'inactive', 'resolved']),
          ...(rand() < 0.5 ? { criticality: pick(['low', 'high', 'unable-to-assess']) } : {}),
          ...(rand() < 0.5
            ? { category: pick(['food', 'medication', 'environment', 'biologic']) }
            : {}),
          ...(rand() < 0.5 ? { reaction: text(2) } : {}),
        };
        break;
      case 7:
        type = 'goal';
        data = {
          text: text(5),
          status: pick(GOAL_STATUSES),
          ...(rand() < 0.5 ? { due: day(at + 86_400_000 * 60) } : {}),
        };
        break;
      case 8:
        type = 'care-plan';
        data = {
          title: text(2),
          status: pick(CARE_PLAN_STATUSES),
          activities: Array.from({ length: int(0, 4) }, () => text(4)),
          ...(rand() < 0.5 ? { start: day(at) } : {}),
        };
        break;
      case 9:
        type = 'document';
        data = {
          title: text(3),
          contentType: pick(['application/pdf', 'image/jpeg']),
          size: int(0, 5_000_000),
          date: day(at),
        };
        break;
      case 10:
        type = 'work-status';
        data = {
          status: pick(WORK_STATUSES),
          ...(rand() < 0.5 ? { percent: int(0, 100) } : {}),
          from: day(at),
        };
        break;
      default:
        // Types with no mapper, and data that fails its guard: both are left out.
        type = pick(['note', 'message', 'pain-checkin', 'questionnaire']);
        data =
          type === 'pain-checkin'
            ? { scores: { back: 11 } }
            : type === 'questionnaire'
              ? { instrument: 'odi', answers: [1] }
              : { text: text(3) };
    }
    const id = `${at.toString(36).padStart(9, '0')}${hex(rand, 10).replace(/[^0-9a-z]/g, 'a')}${author.deviceId.slice(0, 24)}`;
    entries.push({
      id,
      type,
      at: new Date(at).toISOString(),
      compartment: pick(['clinical', 'clinical', 'journal']),
      author,
      data,
    });
  }
  const grants: GrantInput[] = authors
    .filter((a) => a.role !== 'owner')
    .map((a) => ({
      device: a.deviceId,
      role: a.role === 'professional' ? 'professional' : 'delegate',
      person: {
        kind: a.role === 'professional' ? 'professional' : 'relative',
        name: a.name ?? 'x',
        profession: a.profession ?? 'x',
        organisation: a.organisation ?? '',
        sector: a.sector ?? 'family',
      },
      compartments: ['clinical'],
      since: new Date(start).toISOString(),
      notAfter: rand() < 0.5 ? null : new Date(start + 86_400_000 * 400).toISOString(),
      active: rand() < 0.8,
    }));
  return {
    recordId: `rec-${seed}`,
    profile: {
      given: [text(1)],
      family: text(1),
      birthDate: day(Date.UTC(1940, 0, 1) + int(0, 25_000) * 86_400_000),
      ...(rand() < 0.5 ? { gender: pick(['female', 'male', 'other', 'unknown'] as const) } : {}),
    },
    entries,
    grants,
  };
}
