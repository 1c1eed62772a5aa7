import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { RecordSession } from '../../src/lib/app/record-session';
import { Workspace } from '../../src/lib/app/workspace';
import { INSTRUMENT } from '../../src/lib/core/instruments/definitions';
import { deviceOpts, PASS, PHYSIO_PROFILE, useTestRelay, waitFor } from './helpers';

/**
 * A physiotherapist's clinical entries through the real relay (issue 12 item 6): the workspace
 * writes range of motion and an ODI with the patient; the patient's device accepts both, named
 * with the physiotherapist's profession and organisation (THREAT_MODEL rules 29, 30).
 */

const relay = useTestRelay();

describe('professional clinical entries through the real relay', () => {
  it('reach the patient named with profession and organisation', async () => {
    const { session: patient } = await RecordSession.create(
      PASS,
      relay.relay.url,
      deviceOpts('-clinic'),
    );
    const ws = await Workspace.create(PHYSIO_PROFILE, PASS, deviceOpts('-clinic-physio'));
    const { invite, code } = patient.createInvite();
    await ws.acceptInvite(code);
    const answer = await patient.takeInviteAnswer(invite);
    if (!answer) throw new Error('no answer');
    await patient.grant(answer, {
      role: 'professional',
      compartments: ['clinical', 'messages'],
      notAfter: null,
      manage: false,
    });
    await waitFor(async () => (await ws.poll()) > 0 || ws.session(patient.recordId) !== null);
    await waitFor(() => ws.session(patient.recordId) !== null);
    const physio = ws.session(patient.recordId)!;

    physio.write('goniometry', { region: 'cervical', degrees: { 'rotation-left': 60 } });
    expect(() =>
      physio.write('questionnaire', {
        instrument: 'odi',
        version: INSTRUMENT.odi.version,
        answers: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
      }),
    ).toThrow(/only with the patient/);
    physio.write('questionnaire', {
      instrument: 'odi',
      version: INSTRUMENT.odi.version,
      answers: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
      enteredWithPatient: true,
    });
    await physio.settled();

    await waitFor(
      () =>
        patient.entries('clinical').filter((e) => e.author.role === 'professional').length === 2,
    );
    const fromPhysio = patient.entries('clinical').filter((e) => e.author.role === 'professional');
    expect(fromPhysio.map((e) => e.type).sort()).toEqual(['goniometry', 'questionnaire']);
    for (const e of fromPhysio) {
      expect(e.author).toMatchObject({
        name: 'Ana Jensen',
        profession: 'Physiotherapist',
        organisation: 'Fysio Nord',
        sector: 'physiotherapy',
      });
    }
    expect(patient.syncState().state).not.toBe('problem');
    await ws.close();
    await patient.close();
  }, 60_000);
});
