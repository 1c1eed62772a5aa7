/**
 * The JSON helpers the FHIR reader shares (`import.ts`, `import-map.ts`): narrowing unknown
 * JSON, bounded text, calendar days, codings, and the Bundle's reference index.
 */

export type Json = Record<string, unknown>;
export const obj = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
export const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
export const DAY = /^\d{4}-\d{2}-\d{2}/;
export const dayOf = (v: unknown): string | undefined => {
  const s = str(v);
  return s && DAY.test(s) ? s.slice(0, 10) : undefined;
};

export function text(cc: unknown): string | undefined {
  if (!obj(cc)) return undefined;
  return (
    str(cc['text']) ??
    arr(cc['coding'])
      .filter(obj)
      .map((c) => str(c['display']))
      .find(Boolean)
  );
}

export function coding(cc: unknown, test: (system: string) => boolean): Json | undefined {
  return obj(cc)
    ? arr(cc['coding'])
        .filter(obj)
        .find((c) => typeof c['system'] === 'string' && test(c['system']))
    : undefined;
}

export class Index {
  private readonly byRef = new Map<string, Json>();
  readonly resources: Array<{ resource: Json; fullUrl?: string }> = [];

  constructor(bundle: Json) {
    for (const e of arr(bundle['entry']) as Json[]) {
      const resource = e['resource'] as Json;
      const fullUrl = str(e['fullUrl']);
      this.resources.push({ resource, ...(fullUrl ? { fullUrl } : {}) });
      if (fullUrl) this.byRef.set(fullUrl, resource);
      const id = str(resource['id']);
      if (id) this.byRef.set(`${String(resource['resourceType'])}/${id}`, resource);
    }
  }

  resolve(reference: unknown, from?: Json): Json | undefined {
    const r = obj(reference) ? str(reference['reference']) : undefined;
    if (!r) return undefined;
    if (r.startsWith('#') && from) {
      return arr(from['contained'])
        .filter(obj)
        .find((c) => `#${String(c['id'])}` === r);
    }
    const direct = this.byRef.get(r);
    if (direct) return direct;
    const m = /([A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(\/_history\/.*)?$/.exec(r);
    return m ? this.byRef.get(m[1]!) : undefined;
  }
}
