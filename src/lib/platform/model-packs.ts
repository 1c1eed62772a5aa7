import { MODEL_CARDS } from '$lib/core/models/cards';
import { ModelRegistry, type ModelPack } from '$lib/core/models/pack';
import { loadKernels } from './kernels';

/**
 * Model packs a deployment installs: `/models/<id>.json` for each withheld model card (e.g.
 * PICKUP), dropped into `static/models/` before building, like wording packs. Each is validated
 * and its test vectors run in the WASM kernel (`ModelRegistry.install`); a pack that fails is
 * reported with its reason and never runs. No file means the model stays withheld.
 */

export type ModelPackLoad =
  | { readonly status: 'ok'; readonly pack: ModelPack }
  | { readonly status: 'missing' }
  | { readonly status: 'invalid'; readonly reason: string };

export interface InstalledModels {
  readonly registry: ModelRegistry | null;
  readonly packs: Readonly<Record<string, ModelPackLoad>>;
}

let loaded: Promise<InstalledModels> | null = null;

async function fetchJson(id: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`/models/${id}.json`);
  } catch {
    return undefined;
  }
  // The SPA fallback answers unknown paths with the app's HTML: that is "no pack".
  if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return undefined;
  try {
    return (await res.json()) as unknown;
  } catch {
    return null;
  }
}

async function load(): Promise<InstalledModels> {
  const k = await loadKernels();
  const registry = k ? new ModelRegistry({ engine: 'wasm', logisticModel: k.logisticModel }) : null;
  const packs: Record<string, ModelPackLoad> = {};
  for (const card of MODEL_CARDS) {
    if (card.kind !== 'withheld') continue;
    const json = await fetchJson(card.id);
    if (json === undefined) {
      packs[card.id] = { status: 'missing' };
    } else if (json === null) {
      packs[card.id] = { status: 'invalid', reason: 'The pack is not valid JSON.' };
    } else if (!registry) {
      packs[card.id] = {
        status: 'invalid',
        reason: 'Model packs run only in the WebAssembly kernel, which did not load here.',
      };
    } else {
      const r = registry.install(json);
      packs[card.id] = r.ok
        ? r.pack.id === card.id
          ? { status: 'ok', pack: r.pack }
          : { status: 'invalid', reason: `The pack is for "${r.pack.id}", not "${card.id}".` }
        : { status: 'invalid', reason: r.reason };
    }
  }
  return { registry, packs };
}

export function loadModelPacks(): Promise<InstalledModels> {
  loaded ??= load();
  return loaded;
}
