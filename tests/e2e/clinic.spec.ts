import { expect, test } from '@playwright/test';
import { axe, fits, newPerson, setUpWorkspace, startRecord } from './helpers';

/**
 * A physiotherapist writes in the patient's record in clinic (issue 12 item 6, issue 14 item 2):
 * range of motion by goniometer (a bad value first: a clear error and nothing lost), a treatment
 * session and an ODI entered from the paper form with the patient. The patient sees each with
 * name, profession, organisation and sector; the home badge counts only the questionnaires this
 * device can answer; axe 0; the pages fit 360 px.
 */

const WHO = 'Ana Jensen · professional, Physiotherapy · Physiotherapist, Fysio Nord';

test('a physiotherapist records ROM, a session and an ODI with the patient; the patient sees who', async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const patient = await newPerson(browser, 360, 740);
  await startRecord(patient);
  await patient.getByRole('link', { name: 'Check-in' }).first().click();
  await patient.getByRole('radio', { name: '7 — Low back pain' }).click();
  await patient.getByRole('button', { name: 'Save check-in' }).click();
  await expect(patient.getByText('Saved', { exact: false }).first()).toBeVisible();

  // Due means answerable: only the STarT Back has its wording here; the ODI and ÖMPSQ-10 are
  // filled in with the clinic.
  await patient.getByRole('link', { name: 'Record' }).first().click();
  await expect(patient.getByTestId('due-count')).toHaveText('1 questionnaire is due');
  await patient.getByRole('link', { name: 'Questionnaires' }).first().click();
  await expect(patient.getByTestId('with-clinic-odi')).toHaveText('Filled in with your clinic');
  await expect(patient.getByTestId('with-clinic-orebro')).toBeVisible();
  // Still enterable by item number with the paper form in hand, but not offered as due.
  await expect(patient.getByRole('button', { name: 'Answer ODI' })).toHaveClass(/secondary/);
  await axe(patient);
  await fits(patient, 360);
  await patient.screenshot({ path: 'test-results/clinic/due-360.png', fullPage: true });
  await patient.getByRole('link', { name: 'Record' }).first().click();
  await patient.getByRole('link', { name: 'Outlook and what if' }).click();
  await expect(patient.getByTestId('with-clinic-orebro-short-form')).toContainText(
    'filled in with your clinic',
  );

  const physio = await newPerson(browser);
  const print = await setUpWorkspace(physio, {
    kind: 'professional',
    name: 'Ana Jensen',
    profession: 'Physiotherapist',
    org: 'Fysio Nord',
  });
  await patient.getByRole('link', { name: 'Share' }).first().click();
  await patient.getByRole('button', { name: 'Invite someone' }).click();
  const code = await patient.getByTestId('link-code').inputValue();
  await physio.getByLabel('Invite code from the patient').fill(code);
  await physio.getByRole('button', { name: 'Send my answer' }).click();
  await expect(patient.getByTestId('invitee-fingerprint')).toHaveText(print, { timeout: 15_000 });
  await patient.getByRole('button', { name: 'Share', exact: true }).click();
  await physio.getByRole('button', { name: /^Record / }).click({ timeout: 15_000 });

  // Range of motion: an implausible value is refused with its field named, nothing lost.
  const write = physio.getByTestId('clinic-write');
  await expect(write).toBeVisible({ timeout: 15_000 });
  await write.getByLabel('Region').selectOption('lumbar');
  await write.getByLabel('Flexion (°)').fill('200');
  await write.getByLabel('Extension (°)').fill('20');
  await write.getByRole('button', { name: 'Save range of motion' }).click();
  await expect(write.getByRole('alert')).toHaveText('Flexion: enter whole degrees from 0 to 120.');
  await expect(write.getByLabel('Extension (°)')).toHaveValue('20');
  await axe(physio);
  await write.getByLabel('Flexion (°)').fill('55');
  await write.getByRole('button', { name: 'Save range of motion' }).click();
  await expect(write.getByRole('status')).toHaveText('Saved: Flexion 55°, Extension 20°.');

  // A treatment session.
  await write.getByRole('radio', { name: 'Treatment session' }).check();
  await write.getByRole('button', { name: 'Save treatment session' }).click();
  await expect(write.getByRole('alert')).toHaveText('Choose at least one thing that was done.');
  await write.getByRole('checkbox', { name: 'Education about the condition' }).check();
  await write.getByRole('checkbox', { name: 'Exercise therapy' }).check();
  await write.getByLabel('Minutes').fill('30');
  await write.getByRole('button', { name: 'Save treatment session' }).click();
  await expect(write.getByRole('status')).toHaveText('Treatment session saved (30 min).');
  await axe(physio);

  // A neurological screen: a straight-leg raise with an impossible angle first.
  await write.getByRole('radio', { name: 'Neurological screen' }).check();
  const neuro = physio.getByTestId('neuro-form');
  await neuro
    .getByRole('group', { name: 'Reflexes' })
    .getByRole('radio', { name: 'Normal', exact: true })
    .check();
  await neuro
    .getByRole('group', { name: 'Straight-leg raise, left' })
    .getByRole('radio', { name: 'Abnormal' })
    .check();
  await neuro.getByLabel('Hip angle when symptoms began, in degrees (optional)').fill('120');
  await neuro.getByRole('button', { name: 'Save neurological screen' }).click();
  await expect(neuro.getByRole('alert')).toHaveText(
    'Enter the angle in whole degrees from 0 to 90.',
  );
  await neuro.getByLabel('Hip angle when symptoms began, in degrees (optional)').fill('45');
  await neuro.getByRole('button', { name: 'Save neurological screen' }).click();
  await expect(neuro.getByRole('status')).toContainText(
    'Abnormal: Straight-leg raise, left at 45°',
  );
  await axe(physio);

  // The ODI from the paper form, with the patient: item numbers and answers by score.
  await write.getByRole('radio', { name: 'Questionnaire with the patient' }).check();
  await write.getByLabel('Questionnaire', { exact: true }).selectOption('odi');
  await write.getByRole('button', { name: 'Enter the answers' }).click();
  const answers = [2, 2, 1, 2, 2, 1, 1, 1, 2, 1];
  for (const [i, v] of answers.entries()) {
    await write.locator(`input[name="q-odi-${i}"][value="${v}"]`).check();
  }
  await axe(physio);
  await write.getByRole('button', { name: 'Save answers' }).click();
  await expect(write.getByText(/30(\.0)? %/).first()).toBeVisible();
  await physio.screenshot({ path: 'test-results/clinic/physio-1280.png', fullPage: true });
  await physio.setViewportSize({ width: 360, height: 740 });
  await fits(physio, 360);
  await physio.screenshot({ path: 'test-results/clinic/physio-360.png', fullPage: true });
  await write.getByRole('radio', { name: 'Range of motion' }).check();
  await write.screenshot({ path: 'test-results/clinic/write-rom-360.png' });

  // The patient sees each entry with name, profession, organisation and sector.
  await patient.getByRole('link', { name: 'Record' }).first().click();
  const entries = patient.getByTestId('timeline-entry');
  const rom = entries.filter({ hasText: 'Lower-back range of motion (goniometer)' });
  await expect(rom).toContainText('Flexion 55°, Extension 20°', { timeout: 15_000 });
  await expect(rom).toContainText(WHO);
  const session = entries.filter({ hasText: 'Treatment session' });
  await expect(session).toContainText('Education about the condition, Exercise therapy · 30 min');
  await expect(session).toContainText(WHO);
  await expect(entries.filter({ hasText: 'Neurological screen' })).toContainText(
    'Abnormal: Straight-leg raise, left at 45°',
  );
  const odi = entries.filter({ hasText: 'ODI' });
  await expect(odi).toContainText(`Entered by ${WHO} with the patient`);
  await axe(patient);
  await fits(patient, 360);
  await patient.screenshot({ path: 'test-results/clinic/patient-360.png', fullPage: true });
  await rom.screenshot({ path: 'test-results/clinic/entry-360.png' });
  // The summary's clinical findings: the ROM by visit and the session, with their source.
  await patient.getByRole('link', { name: 'Summary' }).first().click();
  const findings = patient.getByTestId('summary-clinic');
  await expect(findings.getByTestId('rom-table-lumbar')).toContainText('55°');
  await expect(findings).toContainText('Ana Jensen, Physiotherapist, Fysio Nord, Physiotherapy');
  await findings.screenshot({ path: 'test-results/clinic/findings-360.png' });
  await axe(patient);
  await fits(patient, 360);
});
