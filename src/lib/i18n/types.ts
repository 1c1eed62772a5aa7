import type { Catalogue } from './en';

/**
 * A message that depends on a count: the form is chosen with `Intl.PluralRules` from the `n`
 * param. Every language we ship needs only `one` and `other`; any other category falls back to
 * `other`. A plural is an object with exactly the keys `one` and `other`, so a namespace may
 * well have a message keyed `other` (e.g. `sector.other`) and stays a namespace.
 */
export interface Plural {
  one: string;
  other: string;
}

/** A translation has every key of the English catalogue (checked by the compiler and a test). */
export type Translation = Catalogue;

type Join<K, P> = K extends string ? (P extends string ? `${K}.${P}` : never) : never;
type Leaves<T> = T extends string | Plural
  ? ''
  : { [K in keyof T]: Join<K, Leaves<T[K]>> | (T[K] extends string | Plural ? K : never) }[keyof T];

/** Every message key, e.g. `nav.record`. */
export type MessageKey = Exclude<Leaves<Catalogue>, ''>;

export type Params = Record<string, string | number>;
