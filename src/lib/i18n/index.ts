import en, { type Catalogue } from './en';
import da from './da';
import nl from './nl';
import es from './es';
import nb from './nb';
import type { MessageKey, PartialCatalogue } from './types';
import { locale, type Locale } from './locale.svelte';

export { locale, setLocale, LOCALES, LOCALE_NAMES, pickLocale, type Locale } from './locale.svelte';
export type { MessageKey } from './types';

export const catalogues: Record<Locale, PartialCatalogue> = { en, da, nl, es, nb };

function lookup(cat: PartialCatalogue | Catalogue, key: string): string | undefined {
  let node: unknown = cat;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'string' ? node : undefined;
}

/** Fills `{name}` placeholders. */
export function interpolate(text: string, params: Record<string, string | number> = {}): string {
  return text.replace(/\{(\w+)\}/g, (m, name: string) =>
    params[name] === undefined ? m : String(params[name]),
  );
}

/**
 * Translates a key in the current locale (reactive in components), falling back to English.
 * Dynamic keys (e.g. `checkin.region.${r}`) are accepted as strings and fall back to the key.
 */
export function t(
  key: MessageKey | (string & {}),
  params?: Record<string, string | number>,
): string {
  const text = lookup(catalogues[locale.current], key) ?? lookup(en, key) ?? key;
  return interpolate(text, params);
}

export function formatDate(isoOrDay: string): string {
  const d = new Date(isoOrDay.length === 10 ? `${isoOrDay}T12:00:00` : isoOrDay);
  return new Intl.DateTimeFormat(locale.current, { dateStyle: 'full' }).format(d);
}

export function formatTime(iso: string): string {
  return new Intl.DateTimeFormat(locale.current, { timeStyle: 'short' }).format(new Date(iso));
}

export function formatNumber(n: number, digits = 0): string {
  return new Intl.NumberFormat(locale.current, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(n);
}
