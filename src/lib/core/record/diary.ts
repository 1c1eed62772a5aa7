/**
 * The private journal (issue 12 item 9): the patient's own diary entries, in the `journal`
 * compartment, which only the patient's devices hold unless a grant includes the journal scope.
 */
export const DIARY = 'diary';

/** The most characters of one diary entry. */
export const MAX_DIARY = 8000;

export interface Diary {
  readonly text: string;
}

export function isDiary(data: unknown): data is Diary {
  if (typeof data !== 'object' || data === null) return false;
  const keys = Object.keys(data);
  const text = (data as { text?: unknown }).text;
  return (
    keys.length === 1 && typeof text === 'string' && text.trim() !== '' && text.length <= MAX_DIARY
  );
}
