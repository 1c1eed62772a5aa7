/** The current UI language as a rune, chosen from the browser's languages unless the user picked one. */
export const LOCALES = ['en', 'da', 'nl', 'es', 'nb'] as const;
export type Locale = (typeof LOCALES)[number];

export const LOCALE_NAMES: Record<Locale, string> = {
  en: 'English',
  da: 'Dansk',
  nl: 'Nederlands',
  es: 'Español',
  nb: 'Norsk bokmål',
};

const STORAGE_KEY = 'backpack:locale';

export function pickLocale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    const mapped = base === 'no' || base === 'nn' ? 'nb' : base;
    if ((LOCALES as readonly string[]).includes(mapped!)) return mapped as Locale;
  }
  return 'en';
}

function initial(): Locale {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (saved && (LOCALES as readonly string[]).includes(saved)) return saved as Locale;
  } catch {
    // storage blocked: fall through
  }
  return pickLocale(globalThis.navigator?.languages ?? []);
}

/** `loaded` counts catalogues that arrived (see `loadCatalogue` in index.ts). */
export const locale = $state<{ current: Locale; loaded: number }>({
  current: initial(),
  loaded: 0,
});

export function setLocale(next: Locale): void {
  locale.current = next;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, next);
  } catch {
    // not remembered: fine
  }
  if (globalThis.document) document.documentElement.lang = next;
}
