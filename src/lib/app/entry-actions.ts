import { entryType, type EntryType } from '$lib/core/record/registry';
import { mayCorrect } from '$lib/core/record/versions';
import type { EntryActionsApi } from '$lib/ui/entry-actions';
import type { RecordSession } from './record-session';

/**
 * The timeline's actions for this device's role in `session`: correct or withdraw the entries
 * the registry's `corrects` rule lets it change (the patient any, others their own), and, for a
 * professional, mark warning signs reviewed. Every other client checks the same rules where the
 * update is accepted (`validate.ts`).
 */
export function entryActions(
  session: Pick<RecordSession, 'role' | 'device' | 'correct' | 'withdraw' | 'write'>,
): EntryActionsApi {
  const role = session.role;
  const base: EntryActionsApi = {
    mayChange(entry) {
      if (role === undefined || role === 'viewer') return false;
      const spec = entryType(entry.type);
      return (
        spec !== undefined &&
        spec.writers[role].write &&
        mayCorrect({ deviceId: session.device.deviceId, role }, entry)
      );
    },
    correct(entry, data) {
      // The writer runs the type's guard on `data` and refuses what does not fit.
      session.correct(entry, entry.type as EntryType, data as never);
    },
    withdraw(entry, reason) {
      session.withdraw(entry, reason);
    },
  };
  if (role !== 'professional') return base;
  return {
    ...base,
    review(target, action, note) {
      session.write(
        'redflag-review',
        note ? { target: target.id, action, note } : { target: target.id, action },
      );
    },
  };
}
