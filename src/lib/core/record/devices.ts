import type { Entry } from './entries';

/**
 * The names of the patient's own devices (issue 14 item 3). The manifest holds no names (it is
 * public to the relay), so a device's name and kind live in the record, encrypted like any
 * entry, written only by the patient's devices. The newest entry for a device wins.
 */
export const DEVICE_NAME = 'device-name' as const;

export const DEVICE_KINDS = ['phone', 'tablet', 'computer'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

export interface DeviceName {
  /** The device's signing key, hex (as in the manifest and entry ids). */
  readonly device: string;
  readonly name: string;
  readonly kind: DeviceKind;
}

export const DEVICE_NAME_MAX = 60;

const DEVICE_HEX = /^[0-9a-f]{64}$/;
const FIELDS = new Set(['device', 'name', 'kind']);

/** A device name from any device: outside input, checked field by field, nothing extra. */
export function isDeviceName(data: unknown): data is DeviceName {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const v = data as Record<string, unknown>;
  const name = v['name'];
  return (
    Object.keys(v).every((k) => FIELDS.has(k)) &&
    typeof v['device'] === 'string' &&
    DEVICE_HEX.test(v['device']) &&
    typeof name === 'string' &&
    name.trim().length > 0 &&
    name.length <= DEVICE_NAME_MAX &&
    name === name.trim() &&
    !/\p{Cc}/u.test(name) &&
    DEVICE_KINDS.includes(v['kind'] as DeviceKind)
  );
}

/** Trims the name the patient typed; `null` when it is empty, too long or has control chars. */
export function newDeviceName(input: DeviceName): DeviceName | null {
  const d: DeviceName = { device: input.device, name: input.name.trim(), kind: input.kind };
  return isDeviceName(d) ? d : null;
}

/** The newest name of each device, from entries newest first (as the session reads them). */
export function deviceNames(entries: readonly Entry[]): Map<string, DeviceName> {
  const names = new Map<string, DeviceName>();
  for (const e of entries) {
    if (e.type !== DEVICE_NAME || e.deleted || !isDeviceName(e.data)) continue;
    if (!names.has(e.data.device)) names.set(e.data.device, e.data);
  }
  return names;
}
