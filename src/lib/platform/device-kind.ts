import type { DeviceKind } from '$lib/core/record/index';

/** A best guess of what kind of device this is, to name it before the patient does. */
export function guessDeviceKind(): DeviceKind {
  const nav = globalThis.navigator as
    (Navigator & { userAgentData?: { mobile?: boolean } }) | undefined;
  if (!nav) return 'computer';
  const ua = nav.userAgent ?? '';
  if (/iPad|Tablet/i.test(ua) || (/Android/i.test(ua) && !/Mobile/i.test(ua))) return 'tablet';
  if (nav.userAgentData?.mobile === true || /Mobi|iPhone|Android/i.test(ua)) return 'phone';
  return 'computer';
}
