import { INSTRUMENTS, type InstrumentId } from '$lib/core/instruments/definitions';
import { parsePack } from '$lib/core/instruments/pack';
import { loadPack } from '$lib/platform/packs';

/**
 * Which questionnaires this device can answer (issue 14 item 2): those with a valid wording pack,
 * shipped with the app (in `language` or English) or installed by the user on this device
 * (`pack:<instrument>`, validated again: device storage is outside input).
 */
export async function answerableInstruments(
  language: string,
  loadLocal: (key: string) => Promise<unknown>,
): Promise<Set<InstrumentId>> {
  const out = new Set<InstrumentId>();
  await Promise.all(
    INSTRUMENTS.map(async (id) => {
      const shipped = await loadPack(id, language);
      if (shipped.status === 'ok') {
        out.add(id);
        return;
      }
      const installed = await loadLocal(`pack:${id}`);
      if (installed === undefined) return;
      try {
        if (parsePack(installed).instrument === id) out.add(id);
      } catch {
        // An invalid installed pack does not make the questionnaire answerable.
      }
    }),
  );
  return out;
}
