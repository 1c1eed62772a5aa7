import * as Y from 'yjs';
import {
  COMPARTMENTS,
  type Compartment,
  type Entry,
  type EntryAuthor,
  type EntryType,
} from '$lib/core/record/index';
import type { Profile } from '$lib/core/sharing/index';
import type { Role } from '$lib/core/sync/index';
import { prng } from '$lib/core/prng';
import { deleteWorkspaceDb } from '$lib/platform/workspace-db';
import { RecordSession } from '../record-session';
import { correctEntry, readEntries, withdrawEntry, writeEntry } from '../record-entries';
import type { GrantScope, SessionOptions } from '../session-types';
import { Workspace } from '../workspace';
import { uploadDocumentBlob } from '../record-documents';
import { demoBasics } from './basics';
import { demoDocs, takeDemoBlobs } from './docs';
import { demoProfile } from './profile';
import { demoCorrect } from './correct';
import { demoPlan } from './plan';
import { demoClinic } from './clinic';
import type { DemoContext, DemoWriter } from './context';

export type { DemoContext, DemoWriter } from './context';

/**
 * The demo record (issue 12 item 10): six months of made-up care, written by a patient, a
 * physiotherapist and a sister through the same writers, grants and relay as any record, so a
 * professional evaluating Backpack sees it full at once. Each file of this folder adds one
 * area's material; the record is marked as a demo on the device and removable.
 */
export const DEMO_SECTIONS: ReadonlyArray<(ctx: DemoContext) => void> = [
  demoProfile,
  demoBasics,
  demoDocs,
  demoCorrect,
  demoPlan,
  demoClinic,
];

/** The same demo on every device. */
export const DEMO_SEED = 20_261_201;

/** The demo record's passphrase: shown on the unlock screen of a demo, it protects nothing. */
export const DEMO_PASSPHRASE = 'backpack demo record';

/** The device-local flag that marks the record on this device as the demo. */
export const DEMO_FLAG = 'demo';

export const DEMO_PHYSIO: Profile = {
  kind: 'professional',
  name: 'Ana Jensen (demo)',
  profession: 'Physiotherapist',
  organisation: 'Fysio Nord (demo)',
  sector: 'physiotherapy',
};

export const DEMO_RELATIVE: Profile = {
  kind: 'relative',
  name: 'Maja (demo)',
  profession: '',
  organisation: '',
  sector: 'family',
};

/** Who a demo person writes as (what a workspace profile gives its entries). */
type DemoAuthor = Pick<EntryAuthor, 'name' | 'sector' | 'profession' | 'organisation'>;

const SIX_MONTHS_MS = 183 * 86_400_000;

/**
 * The demo's entries without a session or a relay: each author writes with the real writer into
 * plain documents (the FHIR demo and the tests use it). Device ids are fixed per author.
 */
export function collectDemo(now: Date = new Date(), seed = DEMO_SEED): Map<Compartment, Entry[]> {
  const compartments = new Map(COMPARTMENTS.map((c) => [c, { inner: new Y.Doc() }]));
  const writer = (digit: string, role: Role, who: DemoAuthor): DemoWriter => {
    const ctx = { compartments, role, deviceId: digit.repeat(64), authorInfo: who };
    return {
      write: (type, data, at) => writeEntry(ctx, type, data, at),
      correct: (target, data) => correctEntry(ctx, target, target.type as EntryType, data as never),
      withdraw: (target, reason) => withdrawEntry(ctx, target, reason),
    };
  };
  runSections({
    now,
    rng: prng(seed),
    patient: writer('a', 'owner', {
      name: 'Demo patient',
      sector: 'patient',
      profession: '',
      organisation: '',
    }),
    physio: writer('b', 'professional', DEMO_PHYSIO),
    relative: writer('c', 'delegate', DEMO_RELATIVE),
  });
  takeDemoBlobs();
  return new Map(COMPARTMENTS.map((c) => [c, readEntries(compartments, c)]));
}

function runSections(ctx: DemoContext): void {
  for (const section of DEMO_SECTIONS) section(ctx);
}

/** The steps of building the demo on a device, for a progress bar. */
export type DemoStep = 'record' | 'people' | 'entries' | 'sync' | 'done';

/**
 * Creates the demo record on this device through the relay at `relayUrl`: the patient's record,
 * a physiotherapist and a sister invited and granted like real people (their simulated devices
 * live only while the demo is built and are wiped afterwards), then every section's material,
 * and waits until the patient's device holds all of it.
 */
export async function createDemoRecord(
  relayUrl: string,
  opts: SessionOptions = {},
  onStep: (step: DemoStep) => void = () => {},
  now: Date = new Date(),
): Promise<RecordSession> {
  onStep('record');
  const { session: patient } = await RecordSession.create(DEMO_PASSPHRASE, relayUrl, opts);
  await patient.saveLocal(DEMO_FLAG, true);
  const spaces: Array<{ ws: Workspace; namespace: string }> = [];
  try {
    onStep('people');
    const until = now.getTime() + SIX_MONTHS_MS;
    const physio = await invited(patient, DEMO_PHYSIO, opts, spaces, {
      role: 'professional',
      compartments: ['clinical', 'safety', 'messages'],
      notAfter: until,
      manage: false,
    });
    const relative = await invited(patient, DEMO_RELATIVE, opts, spaces, {
      role: 'delegate',
      compartments: ['messages'],
      notAfter: until,
      manage: false,
    });
    onStep('entries');
    const as = (s: RecordSession): DemoWriter => ({
      write: (type, data, at) => s.write(type, data, at),
      correct: (target, data) => s.correct(target, target.type as EntryType, data as never),
      withdraw: (target, reason) => s.withdraw(target, reason),
    });
    runSections({
      now,
      rng: prng(DEMO_SEED),
      patient: as(patient),
      physio: as(physio),
      relative: as(relative),
    });
    for (const { blobId, blob } of takeDemoBlobs()) await uploadDocumentBlob(patient, blobId, blob);
    onStep('sync');
    // Done when the patient's device holds every entry the simulated people wrote.
    const people = [physio, relative];
    const byThem = (s: RecordSession, c: Compartment, who: readonly RecordSession[]) =>
      s.entries(c).filter((e) => who.some((p) => p.device.deviceId === e.author.deviceId)).length;
    const written = COMPARTMENTS.map((c) => people.reduce((n, p) => n + byThem(p, c, [p]), 0));
    await Promise.all(people.map((p) => p.settled(30_000)));
    await waitFor(() => COMPARTMENTS.every((c, i) => byThem(patient, c, people) >= written[i]!));
    await patient.settled(30_000);
  } finally {
    for (const { ws, namespace } of spaces) {
      for (const r of ws.records()) await ws.forget(r.recordId);
      await ws.close();
      await deleteWorkspaceDb(namespace);
    }
  }
  onStep('done');
  return patient;
}

/** Invites `profile` as a simulated person with its own workspace, grants `scope`. */
async function invited(
  patient: RecordSession,
  profile: Profile,
  opts: SessionOptions,
  spaces: Array<{ ws: Workspace; namespace: string }>,
  scope: GrantScope,
): Promise<RecordSession> {
  const namespace = `${opts.namespace ?? ''}-demo-${profile.kind}`;
  const ws = await Workspace.create(profile, DEMO_PASSPHRASE, { ...opts, namespace });
  spaces.push({ ws, namespace });
  const { invite, code } = patient.createInvite();
  await patient.takeInviteAnswer(invite);
  await ws.acceptInvite(code);
  const answer = await waitFor(() => patient.takeInviteAnswer(invite));
  await patient.grant(answer, scope);
  return waitFor(async () => {
    await ws.poll();
    return ws.session(patient.recordId);
  });
}

/** Resolves with the first truthy value of `check`, polled every 100 ms for up to 30 s. */
async function waitFor<T>(check: () => T | Promise<T>): Promise<NonNullable<T>> {
  const end = Date.now() + 30_000;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error('The demo record could not be built in time.');
    await new Promise((r) => setTimeout(r, 100));
  }
}
