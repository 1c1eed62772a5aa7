import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { applyImport, previewImport } from '../../src/lib/app/fhir-import';
import { RecordSession } from '../../src/lib/app/record-session';
import { isValidEntry } from '../../src/lib/core/record/index';
import { createLink, listLinks, refreshLinks, revokeLink } from '../../src/lib/app/shl-links';
import {
  createShlink,
  newShlId,
  openShlink,
  parseShlink,
  ShlError,
} from '../../src/lib/core/shl/index';
import { putShl, shlManifestUrl } from '../../src/lib/platform/relay-shl';
import { SHL_PASSCODE_ATTEMPTS } from '../../sync-server/src/shl';
import { deviceOpts, PASS, readAllFiles, useTestRelay } from './helpers';

/**
 * SMART Health Links through the real relay (issue 13 item 4; THREAT_MODEL rules 31, 32): the
 * patient's device stores only a JWE; the manifest POST checks the passcode and counts wrong
 * ones; expiry and revocation answer 404; each recipient is logged for the patient.
 */

const MARKER = 'Lumbago-PLAINTEXT-MARKER';

const relay = useTestRelay();

async function patientWithRecord(ns: string) {
  const { session } = await RecordSession.create(PASS, relay.relay.url, deviceOpts(ns));
  session.write('profile', { name: 'Mette Sørensen', birthDate: '1981-04-12', language: 'da' });
  session.write('condition', { text: MARKER, side: 'none', status: 'active' });
  session.flush();
  await session.settled();
  return session;
}

const viewer = () => `${relay.relay.url}/shl`;

describe('SMART Health Links on the real relay', () => {
  it('creates a passcode link, opens it with the passcode, logs the recipient; the relay holds only ciphertext', async () => {
    const patient = await patientWithRecord('-shl-a');
    const { link, passcode } = await createLink(patient, {
      compartments: ['clinical'],
      expiryDays: 7,
      passcode: true,
      viewer: viewer(),
    });
    expect(passcode).toMatch(/^[A-Z2-9]{6}$/);
    const payload = parseShlink(link.link);
    expect(payload.flag).toBe('P');
    expect(payload.url).toBe(shlManifestUrl(relay.relay.url, link.id));
    expect(payload.url.length).toBeLessThanOrEqual(128);

    // Nothing in the relay's storage is readable: no marker, no key, no passcode.
    const stored = await relay.relay.store.getShl(link.id);
    expect(Buffer.from(stored!.data).includes(MARKER)).toBe(false);
    const files = readAllFiles(relay.dataDir);
    expect(files.includes(MARKER)).toBe(false);
    expect(files.includes(payload.key)).toBe(false);
    expect(files.includes(passcode!)).toBe(false);
    expect(relay.logs.join('\n')).not.toContain(link.id);

    // Without the passcode: refused; with it: the IPS Bundle, decrypted.
    await expect(openShlink(payload, { recipient: 'Dr Jensen' })).rejects.toMatchObject({
      code: 'passcode-required',
    });
    const [file] = await openShlink(payload, { recipient: 'Dr Jensen', passcode: passcode! });
    expect(file!.contentType).toBe('application/fhir+json');
    const bundle = file!.json as { resourceType: string; entry: { resource: unknown }[] };
    expect(bundle.resourceType).toBe('Bundle');
    expect(JSON.stringify(bundle)).toContain('Sørensen');
    expect(JSON.stringify(bundle)).toContain(MARKER);
    // Embedded on request, too.
    const [embedded] = await openShlink(payload, {
      recipient: 'Fysio Nord',
      passcode: passcode!,
      embeddedLengthMax: 10_000_000,
    });
    expect(embedded!.json).toEqual(file!.json);

    // The patient sees who opened it, newest first, and keeps the log on the device.
    const links = await refreshLinks(patient);
    expect(links[0]!.accesses.map((a) => a.recipient)).toEqual(['Fysio Nord', 'Dr Jensen']);
    expect((await listLinks(patient))[0]!.accesses).toHaveLength(2);
    await patient.close();
  });

  it('counts wrong passcodes: 401 with remainingAttempts, then 404 for good', async () => {
    const patient = await patientWithRecord('-shl-b');
    const { link, passcode } = await createLink(patient, {
      compartments: ['clinical'],
      expiryDays: 1,
      passcode: true,
      viewer: viewer(),
    });
    const payload = parseShlink(link.link);
    const seen: (number | undefined)[] = [];
    for (let i = 0; i < SHL_PASSCODE_ATTEMPTS; i++) {
      const e = await openShlink(payload, { recipient: 'guesser', passcode: `WRONG${i}` }).catch(
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(ShlError);
      expect((e as ShlError).code).toBe('wrong-passcode');
      seen.push((e as ShlError).remainingAttempts);
    }
    expect(seen).toEqual(
      Array.from({ length: SHL_PASSCODE_ATTEMPTS }, (_, i) => SHL_PASSCODE_ATTEMPTS - 1 - i),
    );
    // Out of attempts: even the right passcode gets 404 now.
    await expect(
      openShlink(payload, { recipient: 'Dr Jensen', passcode: passcode! }),
    ).rejects.toMatchObject({ code: 'not-found' });
    // Wrong guesses are not logged as accesses.
    expect(await relay.relay.store.shlAccessLog(link.id)).toEqual([]);
    await patient.close();
  });

  it('revocation and expiry answer 404; an owner proof is needed to store, read the log or revoke', async () => {
    const patient = await patientWithRecord('-shl-c');
    const { link } = await createLink(patient, {
      compartments: ['clinical'],
      expiryDays: 7,
      passcode: false,
      viewer: viewer(),
    });
    const payload = parseShlink(link.link);
    expect(payload.flag).toBeUndefined();
    expect(await openShlink(payload, { recipient: 'Dr Jensen' })).toHaveLength(1);
    const after = await revokeLink(patient, link.id);
    expect(after[0]).toMatchObject({ revoked: true });
    expect(after[0]!.accesses.map((a) => a.recipient)).toEqual(['Dr Jensen']);
    await expect(openShlink(payload, { recipient: 'Dr Jensen' })).rejects.toMatchObject({
      code: 'not-found',
    });

    // Expiry, and the U flag (direct GET with ?recipient=).
    const id = newShlId();
    const url = shlManifestUrl(patient.relayUrl, id);
    const made = await createShlink({
      json: { resourceType: 'Bundle' },
      url,
      passcode: false,
      direct: true,
    });
    const t = {
      relayUrl: patient.relayUrl,
      recordId: patient.recordId,
      id,
      signer: patient.device,
    };
    await putShl(t, { jwe: made.jwe, expires: Date.now() + 1500, passcode: null });
    const [direct] = await openShlink(made.payload, { recipient: 'Direct reader' });
    expect(direct!.json).toEqual({ resourceType: 'Bundle' });
    expect((await relay.relay.store.shlAccessLog(id))[0]!.recipient).toBe('Direct reader');
    await new Promise((r) => setTimeout(r, 1600));
    await expect(openShlink(made.payload, { recipient: 'Late' })).rejects.toMatchObject({
      code: 'not-found',
    });

    // Another record's device cannot store under this record, nor read its log or revoke.
    const other = await patientWithRecord('-shl-d');
    const stranger = { ...t, id: newShlId(), signer: other.device };
    await expect(
      putShl(stranger, { jwe: made.jwe, expires: Date.now() + 60_000, passcode: null }),
    ).rejects.toMatchObject({ status: 403 });
    await patient.close();
    await other.close();
  });

  it('refuses malformed requests with clear errors', async () => {
    const base = relay.relay.url;
    const id = newShlId();
    const post = (body: string) =>
      fetch(`${base}/api/shl/${id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    expect((await post('not json')).status).toBe(400);
    expect(await (await post('{}')).json()).toMatchObject({ error: 'bad-recipient' });
    expect((await post(JSON.stringify({ recipient: 'x' }))).status).toBe(404);
    expect((await post(JSON.stringify({ recipient: 'x'.repeat(20_000) }))).status).toBe(413);
    expect((await fetch(`${base}/api/shl/short`, { method: 'POST', body: '{}' })).status).toBe(400);
    const ticketless = await fetch(`${base}/api/shl/${id}/file`);
    expect(ticketless.status).toBe(404);
  });

  it('imports a Danish IPS (opened from a link or a file) once, with provenance; a malformed file changes nothing', async () => {
    const patient = await patientWithRecord('-shl-imp');
    const text = readFileSync(
      new URL('../../src/lib/core/fhir/fixtures/dk-ips.json', import.meta.url),
      'utf8',
    );
    const before = patient.entries('clinical').length;
    expect(() => previewImport(patient, '{"resourceType": "Bund')).toThrow(/JSON/);
    expect(patient.entries('clinical')).toHaveLength(before);

    const preview = previewImport(patient, text);
    expect(preview.items.map((i) => i.type).sort()).toEqual([
      'allergy',
      'condition',
      'condition',
      'condition',
      'medication',
      'medication',
      'observation',
    ]);
    // Each reason has a code the app translates; the English reason stays for developers.
    expect(preview.skipped.map((s) => [s.resourceType, s.code])).toEqual([
      ['Immunization', 'not-recorded'],
    ]);
    expect(preview.items.every((i) => i.source.from.length > 0)).toBe(true);
    expect(applyImport(patient, preview)).toBe(7);
    const conditions = patient.entries('clinical', 'condition');
    const [hba1c] = patient.entries('clinical', 'observation');
    expect(hba1c?.data).toMatchObject({ text: 'HbA1c', value: 38, unit: 'mmol/mol' });
    expect(hba1c && isValidEntry(hba1c, 'clinical')).toBe(true);
    // Every written entry passes the registry's guard (which every device runs on accept).
    expect(conditions.every((e) => isValidEntry(e, 'clinical'))).toBe(true);
    const lowBack = conditions.find((c) => (c.data as { code?: string }).code === 'low-back-pain');
    expect(lowBack?.data).toMatchObject({ source: { date: expect.stringMatching(/^\d{4}-/) } });

    // Twice: nothing new.
    const again = previewImport(patient, text);
    expect(again.items).toEqual([]);
    expect(again.alreadyIn).toBe(7);
    expect(applyImport(patient, preview)).toBe(0);
    expect(patient.entries('clinical', 'condition')).toHaveLength(conditions.length);
    // "No known allergies" came in as the record's own, with its source, and passes the guard.
    const [none] = patient.entries('clinical', 'allergy');
    expect(none?.data).toMatchObject({ kind: 'none', source: { from: expect.any(String) } });
    expect(none && isValidEntry(none, 'clinical')).toBe(true);
    await patient.close();

    // A record that lists an allergy is never told "no known allergies" by an import.
    const allergic = await patientWithRecord('-shl-imp-allergic');
    allergic.write('allergy', { kind: 'allergy', substance: 'Latex' });
    const conflict = previewImport(allergic, text);
    expect(conflict.items.map((i) => i.type)).not.toContain('allergy');
    expect(conflict.skipped.map((s) => [s.resourceType, s.code])).toContainEqual([
      'AllergyIntolerance',
      'allergy-conflict',
    ]);
    await allergic.close();
  });
});
