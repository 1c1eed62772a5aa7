import { INSTRUMENT, isInstrumentId, type InstrumentId } from './definitions';

/**
 * An instrument pack: the wording of one questionnaire in one language, kept apart from the code
 * because most wording is licensed. The open repository ships packs only where the licence allows
 * (STarT Back); a deployment adds the others under `static/packs/`, or a user imports a file.
 *
 * ```json
 * { "format": "backpack-instrument-pack", "version": 1, "instrument": "startback",
 *   "instrumentVersion": 1, "language": "en", "title": "…", "instructions": "…", "notice": "…",
 *   "items": [{ "key": "leg-pain", "text": "…", "options": ["…", "…"] }] }
 * ```
 * `options[i]` labels the item's i-th answer in the order of its definition. [PACK-1] A pack is
 * checked against its instrument's definition: the instrument version it was made for
 * (`instrumentVersion`, absent = 1), the item count, each item's key at its position (so a pack in
 * another order is refused, not silently shown against the wrong items), and the number of
 * answer labels per item.
 */

export const PACK_FORMAT = 'backpack-instrument-pack';
export const PACK_VERSION = 1;
const MAX_TEXT = 1000;
const MAX_NOTICE = 2000;

export interface PackItem {
  readonly key: string;
  readonly text: string;
  readonly options: readonly string[];
}

export interface InstrumentPack {
  readonly instrument: InstrumentId;
  readonly instrumentVersion: number;
  readonly language: string;
  readonly title: string;
  readonly instructions: string;
  /** Copyright and licence statement, shown with the form and kept intact. */
  readonly notice: string;
  readonly items: readonly PackItem[];
}

export class PackError extends Error {
  override readonly name = 'PackError';
}

const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

function text(v: unknown, what: string, max = MAX_TEXT): string {
  if (typeof v !== 'string' || v.trim() === '') throw new PackError(`${what} is missing.`);
  if (v.length > max) throw new PackError(`${what} is longer than ${max} characters.`);
  return v;
}

/** Validates a pack read from a file or the network; throws a PackError saying what is wrong. */
export function parsePack(input: unknown): InstrumentPack {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new PackError('This is not an instrument pack.');
  }
  const p = input as Record<string, unknown>;
  if (p['format'] !== PACK_FORMAT) throw new PackError('This is not an instrument pack.');
  if (p['version'] !== PACK_VERSION) {
    throw new PackError(`Pack version ${String(p['version'])} is not supported.`);
  }
  const id = p['instrument'];
  if (!isInstrumentId(id)) throw new PackError(`Unknown instrument “${String(id)}”.`);
  const def = INSTRUMENT[id];
  const instrumentVersion = p['instrumentVersion'] ?? 1;
  if (instrumentVersion !== def.version) {
    throw new PackError(
      `This pack was made for version ${String(instrumentVersion)} of ${def.short}; this app uses version ${def.version}, whose items are in another order or form.`,
    );
  }
  const language = p['language'];
  if (typeof language !== 'string' || !LANGUAGE.test(language)) {
    throw new PackError('The pack’s language is not a language tag.');
  }
  const items = p['items'];
  if (!Array.isArray(items) || items.length !== def.items.length) {
    throw new PackError(`${def.short} has ${def.items.length} items; the pack does not.`);
  }
  return {
    instrument: id,
    instrumentVersion: def.version,
    language,
    title: text(p['title'], 'The title'),
    instructions: text(p['instructions'], 'The instructions'),
    notice: text(p['notice'], 'The copyright notice', MAX_NOTICE),
    items: items.map((raw: unknown, i): PackItem => {
      const n = i + 1;
      if (typeof raw !== 'object' || raw === null) throw new PackError(`Item ${n} is missing.`);
      const item = raw as Record<string, unknown>;
      const key = def.items[i]!.key;
      if (typeof item['key'] !== 'string') {
        throw new PackError(
          `Item ${n} of the pack does not say which item it is (its “key” should be “${key}”).`,
        );
      }
      if (item['key'] !== key) {
        throw new PackError(
          `Item ${n} of the pack is “${String(item['key']).slice(0, 40)}”, but item ${n} of ${def.short} is “${key}”: the pack’s items are in another order or from another form.`,
        );
      }
      const options = item['options'];
      const want = def.items[i]!.options.length;
      if (!Array.isArray(options) || options.length !== want) {
        throw new PackError(`Item ${n} needs ${want} answer labels.`);
      }
      return {
        key,
        text: text(item['text'], `The text of item ${n}`),
        options: options.map((o: unknown, j) => text(o, `Answer ${j + 1} of item ${n}`)),
      };
    }),
  };
}
