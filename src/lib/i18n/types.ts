import type { Catalogue } from './en';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** A translation: any subset of the English catalogue's keys; the rest falls back to English. */
export type PartialCatalogue = DeepPartial<Catalogue>;

type Join<K, P> = K extends string ? (P extends string ? `${K}.${P}` : never) : never;
type Leaves<T> = T extends string
  ? ''
  : { [K in keyof T]: Join<K, Leaves<T[K]>> | (T[K] extends string ? K : never) }[keyof T];

/** Every message key, e.g. `nav.record`. */
export type MessageKey = Exclude<Leaves<Catalogue>, ''>;
