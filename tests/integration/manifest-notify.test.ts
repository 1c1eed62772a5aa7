import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { RecordSession, type SyncState } from '../../src/lib/app/record-session';
import { Workspace } from '../../src/lib/app/workspace';
import { deviceOpts, PASS, useTestRelay, waitFor, SISTER_PROFILE } from './helpers';

const relay = useTestRelay();

const notes = (s: RecordSession) =>
  s.entries('clinical').map((e) => (e.data as { text?: string } | null)?.text ?? '');

/** Every distinct sync state a session goes through, from now on. */
function watchStates(s: RecordSession): SyncState[] {
  const seen: SyncState[] = [];
  s.subscribe(() => {
    const now = s.syncState();
    const last = seen.at(-1);
    if (!last || JSON.stringify(last) !== JSON.stringify(now)) seen.push(now);
  });
  return seen;
}

describe('the relay tells connected devices that the manifest changed (issue 14 item 4)', () => {
  it('a viewer made delegate writes within 2 s, never seeing a refusal', async () => {
    const { session: patient } = await RecordSession.create(
      PASS,
      relay.relay.url,
      deviceOpts('-mn-pt'),
    );
    patient.write('pain-checkin', { scores: { back: 5 }, note: 'before' });
    await patient.settled();

    const ws = await Workspace.create(SISTER_PROFILE, PASS, deviceOpts('-mn-sister'));
    const { invite, code } = patient.createInvite();
    await ws.acceptInvite(code);
    const answer = await patient.takeInviteAnswer(invite);
    if (!answer) throw new Error('no answer');
    await patient.grant(answer, {
      role: 'viewer',
      compartments: ['clinical'],
      notAfter: null,
      manage: false,
    });
    await waitFor(async () => (await ws.poll()) > 0 || ws.session(patient.recordId) !== null);
    const sister = ws.session(patient.recordId);
    if (!sister) throw new Error('not opened');
    await waitFor(() => sister.syncState().state === 'synced');
    expect(sister.role).toBe('viewer');

    const states = watchStates(sister);
    const changedAt = Date.now();
    await patient.grant(answer, {
      role: 'delegate',
      compartments: ['clinical'],
      notAfter: null,
      manage: false,
    });
    // No poll: only the relay's notice can tell the sister's device within 2 s.
    await waitFor(() => sister.role === 'delegate', 2_000);
    await waitFor(() => {
      try {
        sister.write('note', { text: 'Mum slept better this week.' });
        return true;
      } catch {
        return false;
      }
    }, 2_000);
    await sister.settled(2_000);
    expect(Date.now() - changedAt).toBeLessThan(2_000);
    await waitFor(() => notes(patient).includes('Mum slept better this week.'), 2_000);
    const problems = states.filter((s) => s.state === 'problem');
    expect(problems).toEqual([]);
    await patient.close();
    await ws.close();
  }, 30_000);

  it('a revoked relative reads "access ended" at once, never "relay refused"', async () => {
    const { session: patient } = await RecordSession.create(
      PASS,
      relay.relay.url,
      deviceOpts('-mn-pt2'),
    );
    const ws = await Workspace.create(SISTER_PROFILE, PASS, deviceOpts('-mn-sister2'));
    const { invite, code } = patient.createInvite();
    await ws.acceptInvite(code);
    const answer = await patient.takeInviteAnswer(invite);
    if (!answer) throw new Error('no answer');
    await patient.grant(answer, {
      role: 'viewer',
      compartments: ['clinical'],
      notAfter: null,
      manage: false,
    });
    await waitFor(async () => (await ws.poll()) > 0 || ws.session(patient.recordId) !== null);
    const sister = ws.session(patient.recordId);
    if (!sister) throw new Error('not opened');
    await waitFor(() => sister.syncState().state === 'synced');

    const states = watchStates(sister);
    await patient.revoke([sister.device.deviceId]);
    await waitFor(() => !sister.hasAccess, 2_000);
    const problems = states.filter((s) => s.state === 'problem').map((s) => s.problem);
    expect(problems.length).toBeGreaterThan(0);
    expect(new Set(problems)).toEqual(new Set(['access-ended']));
    await patient.close();
    await ws.close();
  }, 30_000);
});
