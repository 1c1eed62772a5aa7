import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { RecordSession, SharingError } from '../../src/lib/app/record-session';
import { Workspace } from '../../src/lib/app/workspace';
import { DEFAULT_KDF, LEGACY_KDF } from '../../src/lib/core/crypto/index';
import { WorkspaceStore } from '../../src/lib/platform/workspace-db';
import { deviceOpts, PASS, PHYSIO_PROFILE, useTestRelay, waitFor, SISTER_PROFILE } from './helpers';

const relay = useTestRelay();

const texts = (s: RecordSession, compartment: 'clinical' | 'messages' = 'clinical') =>
  s.entries(compartment).map((e) => {
    const d = e.data as { note?: string; text?: string } | null;
    return d?.text ?? d?.note ?? '';
  });

/** Patient invites, the person answers, the patient grants with `scope`. */
async function invite(
  patient: RecordSession,
  ws: Workspace,
  scope: Parameters<RecordSession['grant']>[1],
) {
  const { invite, code } = patient.createInvite();
  expect(await patient.takeInviteAnswer(invite)).toBeNull();
  const waiting = await ws.acceptInvite(code);
  expect(waiting.waiting).toBe(true);
  expect(waiting.recordId).toBe(patient.recordId);
  const answer = await patient.takeInviteAnswer(invite);
  if (!answer) throw new Error('no answer');
  expect(answer.profile).toEqual(ws.profile);
  await patient.grant(answer, scope);
  await waitFor(async () => (await ws.poll()) > 0 || ws.session(patient.recordId) !== null);
  const session = ws.session(patient.recordId);
  if (!session) throw new Error('not opened');
  return session;
}

describe('sharing a record with a professional and a relative, through the real relay', () => {
  it('grants, syncs notes with provenance, keeps viewers read-only, and revokes with rotation', async () => {
    const { session: patient } = await RecordSession.create(
      PASS,
      relay.relay.url,
      deviceOpts('-pt'),
    );
    patient.write('pain-checkin', { scores: { back: 7 }, note: 'before sharing' });
    await patient.settled();

    const physioWs = await Workspace.create(PHYSIO_PROFILE, PASS, deviceOpts('-physio'));
    const sisterWs = await Workspace.create(SISTER_PROFILE, PASS, deviceOpts('-sister'));
    const month = Date.now() + 30 * 86_400_000;
    const physio = await invite(patient, physioWs, {
      role: 'professional',
      compartments: ['clinical', 'messages'],
      notAfter: month,
      manage: false,
    });
    const sister = await invite(patient, sisterWs, {
      role: 'viewer',
      compartments: ['clinical'],
      notAfter: null,
      manage: false,
    });

    // Both see the check-in; the physio writes a note the patient sees with its provenance.
    await waitFor(() => texts(physio).includes('before sharing'));
    await waitFor(() => texts(sister).includes('before sharing'));
    physio.write('note', { text: 'Start graded walking, 10 minutes a day.' });
    physio.write('message', { text: 'How did the walking go?' });
    await physio.settled();
    await waitFor(() => texts(patient).includes('Start graded walking, 10 minutes a day.'));
    const note = patient.entries('clinical').find((e) => e.type === 'note')!;
    expect(note.author).toMatchObject({
      role: 'professional',
      name: 'Ana Jensen',
      sector: 'physiotherapy',
      deviceId: physio.device.deviceId,
    });
    await waitFor(() => texts(patient, 'messages').includes('How did the walking go?'));

    // The access list names both, with scope and end; the audit trail has both grants.
    const list = patient.accessList();
    expect(list.map((r) => [r.person?.name, r.role, r.compartments, r.notAfter])).toEqual([
      ['Ana Jensen', 'professional', ['clinical', 'messages'], month],
      ['Maja', 'viewer', ['clinical'], null],
    ]);
    expect(patient.accessEvents().map((e) => e.data.action)).toEqual(['granted', 'granted']);

    // The viewer cannot write: the app refuses, and hand-made writes are refused by the others.
    expect(() => sister.write('note', { text: 'I am just looking' })).toThrow(SharingError);
    await waitFor(() => texts(sister).includes('Start graded walking, 10 minutes a day.'));

    // Revoke the physio: a new epoch; the relay disconnects them; they cannot read what follows.
    const physioDevice = physio.device.deviceId;
    await patient.revoke([physioDevice]);
    expect(patient.accessList().map((r) => r.person?.name)).toEqual(['Maja']);
    expect(patient.accessEvents().map((e) => e.data.action)).toEqual([
      'granted',
      'granted',
      'revoked',
    ]);
    patient.write('pain-checkin', { scores: { back: 4 }, note: 'after revocation' });
    await patient.settled();
    await waitFor(() => texts(sister).includes('after revocation'));
    await waitFor(() => !physio.hasAccess, 15_000);
    expect(physio.syncState()).toMatchObject({ state: 'problem', problem: 'access-ended' });
    expect(texts(physio)).not.toContain('after revocation');
    const clinical = patient.compartment('clinical')!.docId;
    expect(patient.keyring.current(clinical)?.epoch).toBe(1);
    expect(physio.keyring.key(clinical, 1)).toBeNull();
    expect(relay.logs.join('\n')).toContain('grant ended');
    // What the physio saw before stays on their device: it cannot be recalled.
    expect(texts(physio)).toContain('before sharing');
    expect(physioWs.records()[0]).toMatchObject({ ended: true });

    // The sister keeps syncing; a late write by the physio reaches nobody.
    expect(() => physio.write('note', { text: 'late note' })).toThrow(SharingError);

    await physioWs.close();
    await sisterWs.close();
    await patient.close();
  }, 60_000);

  it('a relative the patient lets manage sharing invites a GP; one without that right cannot', async () => {
    const { session: patient } = await RecordSession.create(
      PASS,
      relay.relay.url,
      deviceOpts('-pt3'),
    );
    patient.write('pain-checkin', { scores: { back: 5 }, note: 'for the GP' });
    await patient.settled();
    const sisterWs = await Workspace.create(SISTER_PROFILE, PASS, deviceOpts('-sister3'));
    const brotherWs = await Workspace.create(
      { ...SISTER_PROFILE, name: 'Jonas' },
      PASS,
      deviceOpts('-brother3'),
    );
    const sister = await invite(patient, sisterWs, {
      role: 'delegate',
      compartments: ['clinical', 'messages'],
      notAfter: null,
      manage: true,
    });
    const brother = await invite(patient, brotherWs, {
      role: 'delegate',
      compartments: ['clinical'],
      notAfter: null,
      manage: false,
    });
    expect(sister.canManageSharing).toBe(true);
    expect(brother.canManageSharing).toBe(false);
    expect(() => brother.createInvite()).not.toThrow(); // making a code is harmless…
    const gpWs = await Workspace.create(
      { ...PHYSIO_PROFILE, name: 'Dr. Lund', profession: 'GP', sector: 'primary-care' },
      PASS,
      deviceOpts('-gp3'),
    );
    const card = gpWs.contactCode(relay.relay.url).card;
    await expect(
      brother.grant(card, {
        role: 'professional',
        compartments: ['clinical'],
        notAfter: null,
        manage: false,
      }),
    ).rejects.toThrow(SharingError); // …granting is not
    // The sister shares with the GP; the relay accepts her signed manifest.
    await sister.grant(
      card,
      { role: 'professional', compartments: ['clinical'], notAfter: null, manage: false },
      card,
    );
    await waitFor(async () => (await gpWs.poll()) > 0);
    const gp = gpWs.session(patient.recordId)!;
    await waitFor(() => texts(gp).includes('for the GP'));
    // The patient's device learns of the change and sees who did it.
    await patient.refreshManifest();
    await waitFor(() => patient.accessList().some((r) => r.person?.name === 'Dr. Lund'));
    expect(patient.accessList().map((r) => r.person?.name)).toEqual(['Maja', 'Jonas', 'Dr. Lund']);
    const last = patient.accessEvents().at(-1)!;
    expect(last.data).toMatchObject({ action: 'granted', person: { name: 'Dr. Lund' } });
    expect(last.author).toMatchObject({ role: 'delegate', name: 'Maja' });
    for (const w of [sisterWs, brotherWs, gpWs]) await w.close();
    await patient.close();
  }, 60_000);

  it('works the other way round: the patient scans the professional’s contact code', async () => {
    const { session: patient } = await RecordSession.create(
      PASS,
      relay.relay.url,
      deviceOpts('-pt2'),
    );
    const gpWs = await Workspace.create(
      { ...PHYSIO_PROFILE, name: 'Dr. Lund', profession: 'GP', sector: 'primary-care' },
      PASS,
      deviceOpts('-gp'),
    );
    const { code, card } = gpWs.contactCode(relay.relay.url);
    expect(code.startsWith('backpack-contact:')).toBe(true);
    await patient.grant(
      card,
      { role: 'professional', compartments: ['clinical'], notAfter: null, manage: false },
      card,
    );
    await waitFor(async () => (await gpWs.poll()) > 0);
    const gp = gpWs.session(patient.recordId)!;
    patient.write('pain-checkin', { scores: { neck: 3 } });
    await patient.settled();
    await waitFor(() => gp.entries('clinical').some((e) => e.type === 'pain-checkin'));
    // Unlock again later: the workspace reopens its records from storage.
    await gpWs.close();
    expect(await Workspace.unlock('wrong', deviceOpts('-gp'))).toBeNull();
    const again = await Workspace.unlock(PASS, deviceOpts('-gp'));
    expect(again?.records().map((r) => r.waiting)).toEqual([false]);
    await again?.close();
    await patient.close();
  }, 60_000);

  it('re-wraps a workspace identity written with scrypt N=2^15 at the next unlock', async () => {
    await (
      await Workspace.create(PHYSIO_PROFILE, PASS, { ...deviceOpts('-ws-old'), kdf: LEGACY_KDF })
    ).close();
    const store = new WorkspaceStore('-ws-old');
    const before = (await store.readIdentity())!;
    expect(before.keychain.kdf).toMatchObject(LEGACY_KDF);
    const ws = await Workspace.unlock(PASS, { ...deviceOpts('-ws-old'), kdf: undefined });
    expect(ws?.profile.name).toBe(PHYSIO_PROFILE.name);
    await waitFor(
      async () => (await store.readIdentity())!.keychain.kdf.alg === 'argon2id',
      30_000,
    );
    await ws?.close();
    const after = (await store.readIdentity())!;
    expect(after.keychain.kdf).toMatchObject(DEFAULT_KDF);
    expect({ ...after, keychain: null }).toEqual({ ...before, keychain: null });
    const again = await Workspace.unlock(PASS, { ...deviceOpts('-ws-old'), kdf: undefined });
    expect(again?.deviceFingerprint).toBe(ws?.deviceFingerprint);
    await again?.close();
    store.close();
  }, 60_000);
});
