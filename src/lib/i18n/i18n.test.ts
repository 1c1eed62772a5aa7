import { afterEach, describe, expect, it } from 'vitest';
import { SECTORS } from '$lib/core/sharing/invite';
import en from './en';
import {
  catalogues,
  formatNumber,
  interpolate,
  LOCALES,
  locale,
  isPlural,
  pickLocale,
  setLocale,
  t,
  translate,
  loadCatalogue,
} from './index';

// Every catalogue, as the app loads them on demand.
for (const code of LOCALES) await loadCatalogue(code);

type Leaf = string | { one: string; other: string };

function leaves(node: unknown, prefix = ''): Map<string, Leaf> {
  const out = new Map<string, Leaf>();
  if (typeof node === 'string') out.set(prefix, node);
  else if (isPlural(node)) out.set(prefix, node);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      for (const [kk, vv] of leaves(v, prefix ? `${prefix}.${k}` : k)) out.set(kk, vv);
    }
  }
  return out;
}

const forms = (leaf: Leaf) => (typeof leaf === 'string' ? [leaf] : Object.values(leaf));
const params = (leaf: Leaf) =>
  [...new Set(forms(leaf).flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1])))].sort();

/** Messages that are the same in every language: the brand, and pure placeholders or units. */
const SAME_EVERYWHERE = [
  'app.name',
  'nrs.point',
  'motion.spoken',
  'docs.kb',
  'docs.mb',
  'plan.appointments.at',
  'plan.work.range',
];

/** Words that are spelled as in English in one language (checked by a speaker of it). */
const SAME_IN: Partial<Record<string, readonly string[]>> = {
  da: [
    'fhirImport.kind.condition',
    'shl.linkText',
    'shl.viewer.patient',
    'sync.offlineNone', // Offline
    'role.owner', // patient
    'sector.hospital', // Hospital
    'profile.heading', // Patient
    'profile.side', // Side
    'profile.status', // Status
    'profile.allergyKind', // Type
    'profile.kinds.intolerance', // Intolerance
    'profile.stop', // Stop
    'profile.timeline.condition', // Problem
    'workspace.organisation', // Organisation
    'linking.kinds.tablet', // Tablet
    'linking.kinds.computer', // Computer
    'plan.nav', // Plan
  ],
  nl: [
    'shl.linkText',
    'sync.offlineNone', // Offline
    'profile.contactLabel', // Contact: {contact}
    'profile.status', // Status
    'docs.timeline.added', // Document
    'fhirImport.resource.DocumentReference', // Document
    'workspace.sector', // Sector
    'linking.kinds.tablet', // Tablet
    'linking.kinds.computer', // Computer
    'plan.nav', // Plan
    'plan.pro.sets', // Sets
    'plan.pro.per', // Per
    'plan.pro.perWeek', // week
    'plan.pro.week', // Week
  ],
  es: [
    'sector.hospital', // Hospital
    'redflags.no', // No
    'workspace.sector', // Sector
    'plan.nav', // Plan
  ],
  nb: [
    'fhirImport.kind.condition',
    'profile.side', // Side
    'profile.status', // Status
    'profile.allergyKind', // Type
    'profile.timeline.condition', // Problem
    'plan.nav', // Plan
    'plan.pro.doseKind', // Dose
    'plan.pro.per', // Per
  ],
};

describe('catalogues', () => {
  const source = leaves(en);

  it('English has messages and every plural has one and other', () => {
    expect(source.size).toBeGreaterThan(50);
    for (const [key, leaf] of source) {
      if (typeof leaf !== 'string') expect(Object.keys(leaf).sort(), key).toEqual(['one', 'other']);
    }
  });

  for (const code of LOCALES.filter((c) => c !== 'en')) {
    const mine = leaves(catalogues[code]);

    it(`${code}: has exactly the keys of English`, () => {
      expect([...mine.keys()].sort()).toEqual([...source.keys()].sort());
    });

    it(`${code}: keeps each message's {params} and plural shape, with no empty text`, () => {
      for (const [key, text] of source) {
        const other = mine.get(key)!;
        expect(typeof other, `${code}: ${key} shape`).toBe(typeof text);
        expect(params(other), `${code}: ${key} params`).toEqual(params(text));
        for (const s of forms(other)) expect(s.trim(), `${code}: ${key} empty`).not.toBe('');
      }
    });

    it(`${code}: is a translation: no message equals English unless it is listed as the same word`, () => {
      // A copy of English is a missing translation (issue 14 item 8). Only the words below are
      // legitimately the same in this language; a new identical message fails until it is
      // translated or, after a native check, added here.
      const allowed = new Set<string>([...SAME_EVERYWHERE, ...(SAME_IN[code] ?? [])]);
      const copies = [...source]
        .filter(([k, v]) => !allowed.has(k) && JSON.stringify(mine.get(k)) === JSON.stringify(v))
        .map(([k]) => k);
      expect(copies, `${code}: English copies`).toEqual([]);
    });
  }
});

describe('t', () => {
  afterEach(() => setLocale('en'));

  it('fills {params} and leaves unknown ones visible', () => {
    expect(interpolate('{n} of {m}', { n: 1, m: 2 })).toBe('1 of 2');
    expect(interpolate('{n} of {m}', { n: 1 })).toBe('1 of {m}');
    expect(translate('en', 'passphrase.tooShort', { min: 10 })).toBe('Use at least 10 characters.');
  });

  it('chooses the plural form from n, per language', () => {
    expect(translate('en', 'sync.pending', { n: 1 })).toBe('Syncing 1 change…');
    expect(translate('en', 'sync.pending', { n: 0 })).toBe('Syncing 0 changes…');
    expect(translate('en', 'sync.pending', { n: 3 })).toBe('Syncing 3 changes…');
    expect(translate('da', 'sync.offline', { n: 1 })).toBe('Offline — 1 ændring venter');
    expect(translate('da', 'sync.offline', { n: 2 })).toBe('Offline — 2 ændringer venter');
    // Spanish has a "many" category for millions; it falls back to "other".
    expect(translate('es', 'sync.pending', { n: 1_000_000 })).toBe(
      'Sincronizando 1000000 cambios…',
    );
  });

  it('follows the current locale, and returns the key itself when it is unknown', () => {
    expect(t('nav.checkin')).toBe('Check-in');
    setLocale('nb');
    expect(locale.current).toBe('nb');
    expect(t('nav.checkin')).toBe('Sjekk inn');
    expect(t('no.such.key')).toBe('no.such.key');
    expect(t('nav')).toBe('nav');
  });

  it('names every sector of a profile, including "other"', () => {
    for (const s of SECTORS) expect(t(`sector.${s}`)).not.toMatch(/^sector\./);
    expect(t('sector.other')).toBe('Other');
    setLocale('nb');
    expect(t('sector.other')).toBe('Annet');
    expect(t('summary.kind.other')).toBe('Noe annet');
    // A namespace with a message keyed `other` is still a namespace, not a plural.
    expect(t('sector')).toBe('sector');
  });

  it('formats numbers for the current locale', () => {
    expect(formatNumber(1234.5, 1)).toBe('1,234.5');
    setLocale('da');
    expect(formatNumber(1234.5, 1)).toBe('1.234,5');
  });

  it('picks a supported locale from the browser languages', () => {
    expect(pickLocale(['nn-NO', 'en'])).toBe('nb');
    expect(pickLocale(['no'])).toBe('nb');
    expect(pickLocale(['fr-FR'])).toBe('en');
    expect(pickLocale(['fr-FR', 'nl-BE'])).toBe('nl');
    expect(pickLocale(['da-DK'])).toBe('da');
    expect(pickLocale(['ES-mx'])).toBe('es');
    expect(pickLocale([])).toBe('en');
  });

  it('keeps technical words out of what patients read (issue 14 item 7)', () => {
    // Shown only behind "Details for professionals" (OutlookView), never in the main text.
    const professionalOnly = new Set([
      'model.engineWasm',
      'model.engineJs',
      'model.pack.installed',
    ]);
    const technical = /\b(relay|relæ\w*|relé\w*|relais|ciphertext|WebAssembly|LOINC|AUC|SPEC)\b/i;
    for (const code of LOCALES) {
      for (const [key, leaf] of leaves(catalogues[code])) {
        if (professionalOnly.has(key)) continue;
        for (const text of forms(leaf)) expect(text, `${code} ${key}`).not.toMatch(technical);
      }
    }
  });
});
