import en from './en';
import type { MessageKey, Params, Plural, Translation } from './types';
import { locale, type Locale } from './locale.svelte';

import { setLocale } from './locale.svelte';

export { locale, setLocale, LOCALES, LOCALE_NAMES, pickLocale, type Locale } from './locale.svelte';
export type { MessageKey, Params, Plural, Translation } from './types';

/**
 * The catalogues this page has loaded. English ships in the first bundle; the other four are
 * separate chunks (about 20 KB gzip each), loaded when chosen and precached by the service worker
 * like every chunk, so a language switch works offline too.
 */
export const catalogues: Partial<Record<Locale, Translation>> = { en };

const LOADERS: Record<Exclude<Locale, 'en'>, () => Promise<{ default: Translation }>> = {
  da: () => import('./da'),
  nl: () => import('./nl'),
  es: () => import('./es'),
  nb: () => import('./nb'),
};
const loading = new Map<Locale, Promise<void>>();

/** Loads `code`'s catalogue (once); views re-render in it when it arrives. */
export function loadCatalogue(code: Locale): Promise<void> {
  if (catalogues[code]) return Promise.resolve();
  let p = loading.get(code);
  if (!p) {
    p = LOADERS[code as Exclude<Locale, 'en'>]().then((m) => {
      catalogues[code] = m.default;
      locale.loaded++;
    });
    p.catch(() => loading.delete(code));
    loading.set(code, p);
  }
  return p;
}

/** Loads the catalogue first, then switches: the page never shows a half-translated state. */
export async function changeLocale(code: Locale): Promise<void> {
  await loadCatalogue(code);
  setLocale(code);
}

/** A plural message: exactly `one` and `other`, both text (see `Plural`). */
export function isPlural(node: unknown): node is Plural {
  if (typeof node !== 'object' || node === null) return false;
  const keys = Object.keys(node);
  const v = node as Record<string, unknown>;
  return keys.length === 2 && typeof v['one'] === 'string' && typeof v['other'] === 'string';
}

function lookup(cat: Translation, key: string): string | Plural | undefined {
  let node: unknown = cat;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'string' || isPlural(node) ? node : undefined;
}

/** Fills `{name}` placeholders; unknown names stay as they are. */
export function interpolate(text: string, params: Params = {}): string {
  return text.replace(/\{(\w+)\}/g, (m, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : m,
  );
}

const pluralRules = new Map<string, Intl.PluralRules>();

/** The form of a plural message for count `n` in `code` (categories we lack fall back to other). */
export function selectPlural(message: Plural, n: number, code: Locale): string {
  let rules = pluralRules.get(code);
  if (!rules) {
    rules = new Intl.PluralRules(code);
    pluralRules.set(code, rules);
  }
  const category = rules.select(n);
  return category === 'one' ? message.one : message.other;
}

/** Translates `key` into `code`, falling back to English and then to the key itself. */
export function translate(code: Locale, key: string, params?: Params): string {
  const cat = catalogues[code];
  // Not loaded yet (a saved choice at start, before the layout's load): English meanwhile.
  if (!cat) void loadCatalogue(code).catch(() => undefined);
  let found = cat ? lookup(cat, key) : undefined;
  let lang = code;
  if (found === undefined) {
    found = lookup(en, key);
    lang = 'en';
  }
  if (found === undefined) return key;
  const text = typeof found === 'string' ? found : selectPlural(found, Number(params?.n), lang);
  return interpolate(text, params);
}

/**
 * Translates a key in the current locale (reactive in components). Plural messages pick their
 * form from `params.n`. Dynamic keys (e.g. `checkin.region.${r}`) are accepted as strings.
 */
export function t(key: MessageKey | (string & {}), params?: Params): string {
  void locale.loaded; // re-render when a catalogue arrives
  return translate(locale.current, key, params);
}

/** A calendar day (`YYYY-MM-DD`, read as local noon) or an ISO instant, as a long local date. */
export function formatDate(isoOrDay: string, style: 'full' | 'long' | 'medium' = 'full'): string {
  const d = new Date(isoOrDay.length === 10 ? `${isoOrDay}T12:00:00` : isoOrDay);
  return new Intl.DateTimeFormat(locale.current, { dateStyle: style }).format(d);
}

export function formatTime(iso: string): string {
  return new Intl.DateTimeFormat(locale.current, { timeStyle: 'short' }).format(new Date(iso));
}

export function formatDateTime(iso: string): string {
  return new Intl.DateTimeFormat(locale.current, {
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(new Date(iso));
}

export function formatNumber(n: number, digits = 0): string {
  return new Intl.NumberFormat(locale.current, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(n);
}
