import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import {
  RecordSession,
  SharingError,
  completeLink,
  startLink,
} from '../../src/lib/app/record-session';
import { encodeLinkCode, parseLinkCode } from '../../src/lib/core/sharing/index';
import { deviceOpts, PASS, useTestRelay, waitFor } from './helpers';

const relay = useTestRelay();

const notes = (s: RecordSession) =>
  s.entries('clinical').map((e) => (e.data as { note?: string } | null)?.note ?? '');

describe("the patient's devices (issue 14 item 3), through the real relay", () => {
  it('lists, names and removes a linked device; the removed one reads "access ended"', async () => {
    const { session: phone } = await RecordSession.create(
      PASS,
      relay.relay.url,
      deviceOpts('-dv-phone'),
    );
    // The laptop shows its code; the phone scans it (the same text a QR carries).
    const pending = startLink(relay.relay.url);
    const scanned = parseLinkCode(encodeLinkCode(pending.request));
    if ('error' in scanned) throw new Error(scanned.error);
    await phone.approveLink(scanned);
    const laptop = await completeLink(pending, PASS, deviceOpts('-dv-laptop'));
    if (!laptop) throw new Error('not linked');

    const hexLaptop = laptop.device.deviceId;
    expect(phone.devices().map((d) => [d.self, d.name])).toEqual([
      [true, null],
      [false, null],
    ]);
    phone.renameDevice(hexLaptop, 'Work laptop', 'computer');
    await phone.settled();
    await waitFor(() => laptop.devices().some((d) => d.self && d.name === 'Work laptop'));
    expect(() => phone.renameDevice('b'.repeat(64), 'Stranger', 'phone')).toThrow(SharingError);
    await expect(phone.removeDevice(phone.device.deviceId)).rejects.toThrow(SharingError);

    await phone.removeDevice(hexLaptop);
    expect(phone.devices().map((d) => d.device)).toEqual([phone.device.deviceId]);
    await waitFor(() => !laptop.hasAccess, 2_000);
    expect(laptop.syncState()).toMatchObject({ state: 'problem', problem: 'access-ended' });

    // New epoch: what the phone writes now never reaches the removed laptop.
    phone.write('pain-checkin', { scores: { back: 3 }, note: 'after removal' });
    await phone.settled();
    await new Promise((r) => setTimeout(r, 300));
    expect(notes(laptop)).not.toContain('after removal');
    await phone.close();
    await laptop.close();
  }, 30_000);
});
