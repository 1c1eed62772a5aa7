// Backpack is an offline single-page app: nothing renders on a server, and every
// page works from the service worker's cache once the app has loaded once.
export const ssr = false;
export const prerender = false;

import { loadCatalogue, locale } from '$lib/i18n';

/** The chosen language's catalogue is there before the first paint (no English flash). */
export async function load(): Promise<void> {
  await loadCatalogue(locale.current).catch(() => undefined);
}
