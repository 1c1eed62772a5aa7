import { parsePack, PackError, type InstrumentPack } from '$lib/core/instruments/pack';
import type { InstrumentId } from '$lib/core/instruments/definitions';

/**
 * Loads instrument wording from `/packs/<instrument>-<language>.json` (shipped with the app, or
 * added by a deployment), falling back to English. A pack that fails validation is reported, not
 * used; a missing pack means "wording pack required".
 */

export type PackLoad =
  | { readonly status: 'ok'; readonly pack: InstrumentPack }
  | { readonly status: 'missing' }
  | { readonly status: 'invalid'; readonly reason: string };

const cache = new Map<string, Promise<PackLoad>>();

async function fetchPack(id: InstrumentId, language: string): Promise<PackLoad> {
  let res: Response;
  try {
    res = await fetch(`/packs/${id}-${language}.json`);
  } catch {
    return { status: 'missing' };
  }
  // The SPA fallback answers unknown paths with the app's HTML: that is "no pack" too.
  if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) {
    return { status: 'missing' };
  }
  try {
    const pack = parsePack(await res.json());
    if (pack.instrument !== id)
      return { status: 'invalid', reason: 'The pack is for another instrument.' };
    return { status: 'ok', pack };
  } catch (e) {
    return {
      status: 'invalid',
      reason: e instanceof PackError ? e.message : 'The pack is not valid JSON.',
    };
  }
}

export function loadPack(id: InstrumentId, language: string): Promise<PackLoad> {
  const key = `${id}:${language}`;
  let p = cache.get(key);
  if (!p) {
    p = fetchPack(id, language).then((r) =>
      r.status === 'missing' && language !== 'en' ? fetchPack(id, 'en') : r,
    );
    cache.set(key, p);
  }
  return p;
}
