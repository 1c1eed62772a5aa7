import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { RecordSession } from '../../src/lib/app/record-session';
import { Workspace } from '../../src/lib/app/workspace';
import { entriesMap, readEntry } from '../../src/lib/core/record/index';
import { openLockboxes } from '../../src/lib/core/sharing/index';
import { decodeEnvelope, isProtocolError, OUTER_ARRAY } from '../../src/lib/core/sync/index';
import { connect, waitUntil } from './relay-client';
import {
  deviceOpts,
  PASS,
  PHYSIO_PROFILE,
  SISTER_PROFILE,
  inviteInto,
  useTestRelay,
  waitFor,
} from './helpers';
import { redFlagAnswers } from '../../src/lib/core/record/clinical.testing';

/**
 * Warning signs kept from a relative (issue 12 item 9, THREAT_MODEL rule 26), through the real
 * relay: they live in the `safety` compartment under its own key. A grant without it holds no
 * key for them and the relay serves it nothing of them; widening the grant opens them on the
 * relative's device, narrowing it again moves them to a new key. A record made by an older app
 * (warning signs in `clinical`) gains the compartment at the patient's next open, keeps every
 * reader's access, and moves the patient's own warning signs there.
 */

const relay = useTestRelay();

const FLAGS = { answers: redFlagAnswers('saddle-numbness') };

const YEAR = 365 * 86_400_000;
const flagsOf = (s: RecordSession) => s.recordEntries('red-flags');
const docOf = (s: RecordSession, name: string) =>
  s.currentManifest.compartments.find((c) => c.name === name)!.docId;

describe('warning signs and a relative’s grant, through the real relay', () => {
  it('stay out of a grant without them; widening opens them, narrowing moves them to a new key', async () => {
    const { session: patient } = await RecordSession.create(
      PASS,
      relay.relay.url,
      deviceOpts('-sf-pt'),
    );
    patient.write('pain-checkin', { scores: { back: 6 } });
    const first = patient.write('red-flags', FLAGS);
    await patient.settled();
    expect(patient.entries('safety', 'red-flags').map((e) => e.id)).toEqual([first.id]);
    expect(patient.entries('clinical', 'red-flags')).toEqual([]);

    const sisterWs = await Workspace.create(SISTER_PROFILE, PASS, deviceOpts('-sf-sister'));
    const sister = await inviteInto(patient, sisterWs, {
      role: 'delegate',
      compartments: ['clinical'],
      notAfter: Date.now() + YEAR,
      manage: false,
    });
    const physioWs = await Workspace.create(PHYSIO_PROFILE, PASS, deviceOpts('-sf-physio'));
    const physio = await inviteInto(patient, physioWs, {
      role: 'professional',
      compartments: ['clinical', 'safety', 'messages'],
      notAfter: Date.now() + YEAR,
      manage: false,
    });
    await waitFor(() => sister.recordEntries('pain-checkin').length === 1);
    await waitFor(() => flagsOf(physio).length === 1);
    // The sister holds no key for the warning signs, and the relay serves her none of them.
    const safetyDoc = docOf(patient, 'safety');
    expect(sister.compartment('safety')).toBeUndefined();
    expect(flagsOf(sister)).toEqual([]);
    expect(openLockboxes(patient.currentManifest, sister.device).has(safetyDoc)).toBe(false);
    const probe = connect(relay.relay.url, patient.recordId, safetyDoc, {
      publicKey: sister.device.signPublic,
      secretKey: sister.device.signSecret,
    });
    await waitUntil(() => probe.denied.length > 0);
    expect(probe.denied).toEqual(['no-grant']);
    expect(probe.envelopes.length).toBe(0);
    probe.destroy();
    // A delegate writes what the patient writes, but not where her grant does not reach.
    expect(() => sister.write('red-flags', FLAGS)).toThrow(/cannot write to safety/);

    // Widened: her open session opens the compartment and reads them.
    await patient.changeParts(sister.device.deviceId, ['clinical', 'safety']);
    await waitFor(() => flagsOf(sister).length === 1);
    expect(sister.compartment('safety')).toBeDefined();

    // Narrowed again: the compartment moves to a new key; what is written next stays from her.
    const epoch = patient.currentManifest.compartments.find((c) => c.name === 'safety')!.epoch;
    await patient.changeParts(sister.device.deviceId, ['clinical']);
    const after = patient.currentManifest.compartments.find((c) => c.name === 'safety')!.epoch;
    expect(after).toBeGreaterThan(epoch);
    const second = patient.write('red-flags', FLAGS);
    await patient.settled();
    await waitFor(() => flagsOf(physio).some((e) => e.id === second.id));
    await sister.refreshManifest();
    await new Promise((r) => setTimeout(r, 300));
    expect(flagsOf(sister).some((e) => e.id === second.id)).toBe(false);
    expect(openLockboxes(patient.currentManifest, sister.device).get(safetyDoc)?.has(after)).toBe(
      undefined,
    );
    // The audit trail names both changes.
    const changes = patient
      .accessEvents()
      .filter((e) => e.data.action === 'changed' && e.data.device === sister.device.deviceId);
    expect(changes.map((e) => e.data.compartments)).toEqual([['clinical', 'safety'], ['clinical']]);

    await patient.close();
    await sisterWs.close();
    await physioWs.close();
  }, 90_000);
});

describe('a record made before the safety compartment existed', () => {
  it('gains it at the next open, keeps every reader’s access and moves the patient’s warning signs', async () => {
    const older = {
      ...deviceOpts('-sf-old'),
      asOlderApp: { compartments: ['clinical', 'messages', 'journal'] as const },
    };
    const { session: before } = await RecordSession.create(PASS, relay.relay.url, older);
    expect(before.currentManifest.compartments.map((c) => c.name)).toEqual([
      'clinical',
      'messages',
      'journal',
    ]);
    // The older app kept warning signs with the rest of the record.
    const flags = before.write('red-flags', FLAGS);
    await before.settled();
    expect(before.entries('clinical', 'red-flags').map((e) => e.id)).toEqual([flags.id]);
    const sisterWs = await Workspace.create(SISTER_PROFILE, PASS, deviceOpts('-sf-old-sister'));
    const sister = await inviteInto(before, sisterWs, {
      role: 'viewer',
      compartments: ['clinical'],
      notAfter: null,
      manage: false,
    });
    const physioWs = await Workspace.create(PHYSIO_PROFILE, PASS, deviceOpts('-sf-old-physio'));
    const physio = await inviteInto(before, physioWs, {
      role: 'professional',
      compartments: ['messages'],
      notAfter: Date.now() + YEAR,
      manage: false,
    });
    await waitFor(() => flagsOf(sister).length === 1);
    await before.close();

    // The updated app opens it: the compartment is added and the warning signs move into it.
    const patient = await RecordSession.unlock(PASS, deviceOpts('-sf-old'));
    if (!patient) throw new Error('did not unlock');
    await waitFor(() => patient.compartment('safety') !== undefined);
    await waitFor(() => patient.entries('safety', 'red-flags').length === 1);
    expect(patient.entries('clinical', 'red-flags')).toEqual([]);
    expect(flagsOf(patient).map((e) => e.id)).toEqual([flags.id]);
    // Left behind in clinical: a tombstone only, and its content compacted away.
    const clinical = patient.compartment('clinical')!;
    const left = readEntry(entriesMap(clinical.inner).get(flags.id));
    expect(left?.deleted).toBe(true);
    const kinds = clinical.outer
      .getArray<Uint8Array>(OUTER_ARRAY)
      .toArray()
      .map((b) => decodeEnvelope(b))
      .map((e) => (isProtocolError(e) ? 'bad' : e.kind));
    expect(kinds).toContain('snapshot');
    // Who read clinical reads the warning signs still (and is told so in the audit trail);
    // who did not, does not.
    const safetyDoc = docOf(patient, 'safety');
    const grantOf = (d: Uint8Array) =>
      patient.currentManifest.grantees.find((g) => g.deviceKey.every((b, i) => b === d[i]))!;
    expect(grantOf(sister.device.signPublic).compartments).toContain(safetyDoc);
    expect(grantOf(physio.device.signPublic).compartments).not.toContain(safetyDoc);
    await waitFor(() => sister.compartment('safety') !== undefined);
    await waitFor(() => sister.entries('safety', 'red-flags').length === 1);
    expect(flagsOf(sister).map((e) => e.id)).toEqual([flags.id]);
    expect(
      patient
        .accessEvents()
        .some(
          (e) =>
            e.data.action === 'changed' &&
            e.data.device === sister.device.deviceId &&
            e.data.compartments.includes('safety'),
        ),
    ).toBe(true);
    // New warning signs are written into the new compartment.
    const next = patient.write('red-flags', FLAGS);
    expect(patient.entries('safety', 'red-flags').some((e) => e.id === next.id)).toBe(true);

    await patient.close();
    await sisterWs.close();
    await physioWs.close();
  }, 90_000);
});
