import { describe, expect, it } from 'vitest';
import en from './en';
import { catalogues, interpolate, pickLocale } from './index';

function leaves(node: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof node === 'string') out.set(prefix, node);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      for (const [kk, vv] of leaves(v, prefix ? `${prefix}.${k}` : k)) out.set(kk, vv);
    }
  }
  return out;
}

const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n', () => {
  const source = leaves(en);
  for (const [code, cat] of Object.entries(catalogues)) {
    it(`${code}: every key exists in English and keeps its {params}`, () => {
      for (const [key, text] of leaves(cat)) {
        expect(source.has(key), `${code}: unknown key ${key}`).toBe(true);
        expect(params(text), `${code}: ${key}`).toEqual(params(source.get(key)!));
      }
    });
    it(`${code}: translates the navigation and the app shell`, () => {
      const keys = [...source.keys()].filter((k) => /^(nav|app|sync|pwa)\./.test(k));
      const mine = leaves(cat);
      for (const k of keys) if (k !== 'app.name') expect(mine.has(k), `${code}: ${k}`).toBe(true);
    });
  }
  it('interpolates and picks a locale from browser languages', () => {
    expect(interpolate('{n} of {m}', { n: 1, m: 2 })).toBe('1 of 2');
    expect(pickLocale(['nn-NO', 'en'])).toBe('nb');
    expect(pickLocale(['fr-FR'])).toBe('en');
    expect(pickLocale(['da-DK'])).toBe('da');
  });
});
