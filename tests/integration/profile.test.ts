import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { RecordSession } from '../../src/lib/app/record-session';
import { Workspace } from '../../src/lib/app/workspace';
import { findRecords } from '../../src/lib/app/workspace-index';
import { latestProfile } from '../../src/lib/core/record/index';
import { WorkspaceStore } from '../../src/lib/platform/workspace-db';
import {
  deviceOpts,
  dumpIndexedDb,
  PASS,
  PHYSIO_PROFILE,
  readAllFiles,
  useTestRelay,
  waitFor,
} from './helpers';

/**
 * The patient's profile through the real relay (issue 12 item 2): a physiotherapist's workspace
 * lists the record by the patient's name and date of birth, cached only encrypted on the device
 * and never sent to the relay in plaintext; the newest profile wins; conditions and allergies
 * written by the patient arrive.
 */

/** A name that appears nowhere else: found in a store or on the relay, it leaked. */
const NAME = 'Zelmira Quonsett';
const NEWER = 'Zelmira Quonsett-Holm';

const relay = useTestRelay();

describe('the patient profile in a professional’s workspace, through the real relay', () => {
  it('lists the record by name and date of birth, encrypted at rest, newest profile wins', async () => {
    const { session: patient } = await RecordSession.create(
      PASS,
      relay.relay.url,
      deviceOpts('-pp'),
    );
    patient.write(
      'profile',
      { name: NAME, birthDate: '1984-05-17', language: 'da', nationalId: '170584-1234' },
      new Date(Date.now() - 60_000),
    );
    patient.write('condition', { code: 'sciatica', side: 'left', status: 'active' });
    patient.write('allergy', { kind: 'allergy', substance: 'Penicillin', reaction: 'Rash' });
    await patient.settled();

    const ws = await Workspace.create(PHYSIO_PROFILE, PASS, deviceOpts('-pp-physio'));
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
    await waitFor(() => ws.records()[0]?.patient?.name === NAME);
    expect(ws.records()[0]!.patient).toMatchObject({ name: NAME, birthDate: '1984-05-17' });
    const physio = ws.session(patient.recordId)!;
    await waitFor(() => physio.entries('clinical').some((e) => e.type === 'allergy'));
    expect(physio.entries('clinical').map((e) => e.type)).toEqual(
      expect.arrayContaining(['profile', 'condition', 'allergy']),
    );

    // A newer profile replaces the older one everywhere.
    patient.write('profile', { name: NEWER, birthDate: '1984-05-17', language: 'da' });
    await patient.settled();
    await waitFor(() => ws.records()[0]?.patient?.name === NEWER);
    expect(latestProfile(physio.entries('clinical'))?.data.name).toBe(NEWER);
    expect(findRecords(ws.records(), 'quonsett-holm', 'name')).toHaveLength(1);
    expect(findRecords(ws.records(), '1984-05-17', 'name')).toHaveLength(1);
    expect(findRecords(ws.records(), 'someone else', 'name')).toHaveLength(0);

    // The workspace row holds the index sealed, and no store or relay file holds the name.
    await waitFor(async () => {
      const store = new WorkspaceStore('-pp-physio');
      const [row] = await store.listRecords();
      store.close();
      return row?.indexCiphertext !== undefined;
    });
    const idb = await dumpIndexedDb();
    expect(idb.includes(Buffer.from('Quonsett'))).toBe(false);
    expect(idb.includes(Buffer.from('170584-1234'))).toBe(false);
    expect(readAllFiles(relay.dataDir).includes(Buffer.from('Quonsett'))).toBe(false);

    // Locked and unlocked again: the name is there from the encrypted cache at once.
    await ws.close();
    const again = await Workspace.unlock(PASS, deviceOpts('-pp-physio'));
    expect(again!.records()[0]!.patient).toMatchObject({ birthDate: '1984-05-17' });
    expect([NAME, NEWER]).toContain(again!.records()[0]!.patient?.name);
    await again!.close();
    await patient.close();
  }, 60_000);
});
