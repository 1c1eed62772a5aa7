import { guessDeviceKind } from '$lib/platform/device-kind';
import { t } from '$lib/i18n';
import type { RecordSession } from './record-session';

/**
 * Names this device by its kind ("Phone", "Computer"), once, so the patient's other devices never
 * list it unnamed: when it links, is restored, or first shows the device list. Renaming is the
 * patient's; nothing happens when it has a name or is not one of the patient's devices.
 */
export function nameThisDevice(session: RecordSession): void {
  if (session.role !== 'owner') return;
  const self = session.devices().find((d) => d.self);
  if (!self || self.name !== null) return;
  const kind = guessDeviceKind();
  try {
    session.renameDevice(self.device, t(`linking.kinds.${kind}`), kind);
  } catch {
    // Named later by the patient.
  }
}
