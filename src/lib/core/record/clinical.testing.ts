import { RED_FLAG_ITEMS, type RedFlagItem } from './clinical';

/** Test support: the answers of a warning-signs entry, "yes" to `yes` and "no" to the rest. */
export function redFlagAnswers(...yes: RedFlagItem[]): Record<RedFlagItem, boolean> {
  return Object.fromEntries(RED_FLAG_ITEMS.map((k) => [k, yes.includes(k)])) as Record<
    RedFlagItem,
    boolean
  >;
}
