import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { RecordSession, SharingError } from '../../src/lib/app/record-session';
import { Workspace } from '../../src/lib/app/workspace';
import { newEntryId, putEntry, type Entry } from '../../src/lib/core/record/index';
import {
  deviceOpts,
  PASS,
  PHYSIO_PROFILE,
  inviteInto,
  useTestRelay,
  waitFor,
  SISTER_PROFILE,
} from './helpers';
import { redFlagAnswers } from '../../src/lib/core/record/clinical.testing';

/**
 * Corrections through the real relay (issue 12 item 8, THREAT_MODEL rule 24): a hostile delegate
 * with valid keys writes, past its own app's checks, a "correction" of the patient's check-in and
 * a withdrawal of the patient's warning signs. The patient's device refuses both where it
 * accepts updates and the record stays as it was; the delegate's correction of its own entry
 * and the patient's correction of the delegate's are honoured on every device.
 */

const relay = useTestRelay();

const FLAGS = { answers: redFlagAnswers('saddle-numbness', 'night-pain') };

const backScores = (s: RecordSession) =>
  s
    .entries('clinical', 'pain-checkin')
    .map((e) => (e.data as { scores: { back?: number } }).scores.back)
    .sort();

describe('a hostile delegate’s corrections, through the real relay', () => {
  it('are refused by the patient’s device and the record stays intact', async () => {
    const { session: patient } = await RecordSession.create(
      PASS,
      relay.relay.url,
      deviceOpts('-cx-pt'),
    );
    const mine = patient.write('pain-checkin', { scores: { back: 7 } });
    const flags = patient.write('red-flags', FLAGS);
    await patient.settled();

    const sisterWs = await Workspace.create(SISTER_PROFILE, PASS, deviceOpts('-cx-sister'));
    const sister = await inviteInto(patient, sisterWs, {
      role: 'delegate',
      compartments: ['clinical', 'safety', 'messages'],
      notAfter: Date.now() + 30 * 86_400_000,
      manage: false,
    });
    await waitFor(() => sister.entries('clinical', 'pain-checkin').length === 1);
    const target = sister.entries('clinical', 'pain-checkin')[0]!;

    // First what she may do: correct her own check-in; the patient may correct hers. Both converge.
    const hers = sister.write('pain-checkin', { scores: { back: 6 } });
    await sister.settled();
    await waitFor(() => patient.entries('clinical').some((e) => e.id === hers.id));
    const fixed = sister.correct(hers, 'pain-checkin', { scores: { back: 5 } });
    await sister.settled();
    await waitFor(() => patient.entries('clinical').some((e) => e.id === fixed.id));
    expect(backScores(patient)).toEqual([5, 7]);
    patient.correct(fixed, 'pain-checkin', { scores: { back: 4 } });
    await patient.settled();
    await waitFor(() => backScores(sister).join() === '4,7');
    expect(backScores(patient)).toEqual([4, 7]);
    const history = patient.versions('clinical');
    expect(history.info.get(hers.id)?.supersededBy?.id).toBe(fixed.id);

    // Her own app refuses to correct the patient's entry and writes nothing.
    expect(() => sister.correct(target, 'pain-checkin', { scores: { back: 0 } })).toThrow(
      SharingError,
    );
    await waitFor(() => sister.entries('safety', 'red-flags').length === 1);
    expect(() => sister.withdraw(sister.entries('safety', 'red-flags')[0]!, 'x')).toThrow(
      SharingError,
    );

    // Then past her app: hand-made entries put straight into her inner doc, sealed and sent
    // (her Yjs client's later updates then stay pending on the other devices).
    const inner = sister.compartment('clinical')!.inner;
    const author = { deviceId: sister.device.deviceId, role: 'delegate' as const, name: 'Maja' };
    const forged: Entry = {
      id: newEntryId(sister.device.deviceId),
      type: 'pain-checkin',
      at: mine.at,
      author,
      data: { scores: { back: 0 } },
      v: 1,
      supersedes: mine.id,
    };
    putEntry(inner, forged);
    sister.flush();
    await sister.settled();
    const gone: Entry = {
      id: newEntryId(sister.device.deviceId),
      type: 'red-flags',
      at: flags.at,
      author,
      data: FLAGS,
      v: 1,
      supersedes: flags.id,
      withdrawn: { reason: 'nothing to see' },
    };
    // The warning signs live in their own compartment: the forged withdrawal goes beside them.
    putEntry(sister.compartment('safety')!.inner, gone);
    sister.flush();
    await sister.settled();

    const refused = () =>
      (['clinical', 'safety'] as const).flatMap((c) =>
        patient
          .compartment(c)!
          .binding.stats()
          .rejected.filter((r) => r.author === sister.device.deviceId),
      );
    await waitFor(() => refused().length >= 2);
    expect(refused().map((r) => r.detail)).toEqual([
      'a delegate corrects or withdraws only its own entries',
      'a delegate corrects or withdraws only its own entries',
    ]);
    // Intact: the patient's check-in and warning signs are current; nothing forged was applied.
    const ids = patient.recordEntries().map((e) => e.id);
    expect(ids).toContain(mine.id);
    expect(ids).toContain(flags.id);
    expect(ids).not.toContain(forged.id);
    expect(ids).not.toContain(gone.id);
    expect(backScores(patient)).toEqual([4, 7]);

    await patient.close();
    await sisterWs.close();
  }, 60_000);
});

describe('a professional’s review of warning signs, through the real relay', () => {
  it('reaches the patient and lifts the warning; the patient’s own app cannot write one', async () => {
    const { session: patient } = await RecordSession.create(
      PASS,
      relay.relay.url,
      deviceOpts('-rv-pt'),
    );
    const flags = patient.write('red-flags', FLAGS);
    await patient.settled();
    const physioWs = await Workspace.create(PHYSIO_PROFILE, PASS, deviceOpts('-rv-physio'));
    const physio = await inviteInto(patient, physioWs, {
      role: 'professional',
      compartments: ['clinical', 'safety'],
      notAfter: Date.now() + 30 * 86_400_000,
      manage: false,
    });
    await waitFor(() => physio.entries('safety', 'red-flags').length === 1);
    expect(() => patient.write('redflag-review', { target: flags.id, action: 'assessed' })).toThrow(
      SharingError,
    );
    physio.write('redflag-review', { target: flags.id, action: 'referred', note: 'Sent to ED.' });
    await physio.settled();
    await waitFor(() => patient.entries('safety', 'redflag-review').length === 1);
    const { unreviewedUrgent } = await import('../../src/lib/core/record/review');
    expect(unreviewedUrgent(patient.recordEntries())).toEqual([]);
    await patient.close();
    await physioWs.close();
  }, 60_000);
});
