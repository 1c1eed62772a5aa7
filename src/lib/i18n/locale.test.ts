import { afterEach, describe, expect, it, vi } from 'vitest';

/** A localStorage stand-in that records what was written. */
function fakeStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, String(v)),
    removeItem: (k: string) => void data.delete(k),
  };
}

async function freshLocaleModule(storage: unknown, languages: string[]) {
  vi.resetModules();
  vi.stubGlobal('localStorage', storage);
  vi.stubGlobal('navigator', { languages });
  return import('./locale.svelte');
}

describe('locale', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('starts from the browser languages when nothing was chosen', async () => {
    const m = await freshLocaleModule(fakeStorage(), ['nl-NL', 'en']);
    expect(m.locale.current).toBe('nl');
  });

  it('remembers a chosen locale, and stores only its code', async () => {
    const storage = fakeStorage();
    const m = await freshLocaleModule(storage, ['en-GB']);
    m.setLocale('es');
    expect(m.locale.current).toBe('es');
    expect([...storage.data]).toEqual([['backpack:locale', 'es']]);
    const again = await freshLocaleModule(storage, ['en-GB']);
    expect(again.locale.current).toBe('es');
  });

  it('ignores a stored value that is not a supported locale', async () => {
    const m = await freshLocaleModule(fakeStorage({ 'backpack:locale': 'xx' }), ['da']);
    expect(m.locale.current).toBe('da');
  });

  it('works when storage is blocked', async () => {
    const blocked = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('SecurityError');
      },
    };
    const m = await freshLocaleModule(blocked, ['nb-NO']);
    expect(m.locale.current).toBe('nb');
    m.setLocale('da');
    expect(m.locale.current).toBe('da');
  });
});
