import { expect, test, type Page } from '@playwright/test';
import { axe, fits, newPerson, setUpWorkspace, startRecord } from './helpers';

/**
 * Correct and withdraw (issue 12 items 8–9, issue 14 item 1): the patient corrects a check-in
 * and withdraws a misclicked warning sign; after a real urgent yes the record shows the same-day
 * advice until the physiotherapist, in another context, marks it reviewed; the physiotherapist
 * reads neutral wording; a sister who acts for the patient enters a check-in from the shared
 * view; the private journal. axe on every new state; 360 px.
 */

async function invite(
  patient: Page,
  person: Page,
  print: string,
  name: string,
  role: RegExp = /^professional/,
) {
  await patient.getByRole('link', { name: 'Share' }).first().click();
  await patient.getByRole('button', { name: 'Invite someone' }).click();
  const code = await patient.getByTestId('link-code').inputValue();
  await person.getByLabel('Invite code from the patient').fill(code);
  await person.getByRole('button', { name: 'Send my answer' }).click();
  await expect(patient.getByTestId('invitee-fingerprint')).toHaveText(print, { timeout: 15_000 });
  await patient.getByRole('radio', { name: role }).check();
  await patient.getByRole('button', { name: 'Share', exact: true }).click();
  await expect(patient.getByText(`${name} now has access.`)).toBeVisible();
  await person.getByRole('button', { name: /^Record / }).click({ timeout: 15_000 });
  await patient.getByRole('link', { name: 'Record' }).first().click();
}

async function answerFlags(page: Page, yes: string | null): Promise<void> {
  await page.getByRole('link', { name: 'Questionnaires' }).first().click();
  await page.getByRole('button', { name: 'Check warning signs' }).click();
  const flags = page.getByRole('group');
  const count = await flags.count();
  for (let i = 0; i < count; i++) {
    const g = flags.nth(i);
    const name = (await g.locator('legend').textContent()) ?? '';
    await g.getByLabel(yes && name.startsWith(yes) ? 'Yes' : 'No', { exact: true }).check();
  }
  await page.getByRole('button', { name: 'Save answers' }).click();
  await page.getByRole('link', { name: 'Record' }).first().click();
}

test('correct, withdraw, review and enter for the patient', async ({ browser }) => {
  test.setTimeout(240_000);
  const patient = await newPerson(browser, 360);
  await startRecord(patient);

  // A check-in of 7, corrected to 3: the chart and the card read 3, the 7 stays in the history.
  await patient.getByRole('link', { name: 'Check-in' }).first().click();
  await patient.getByRole('radio', { name: '7 — Low back pain' }).click();
  await patient.getByRole('button', { name: 'Save check-in' }).click();
  await expect(patient.getByTestId('checkin-saved')).toHaveText('Saved: Low back pain 7/10.');
  await patient.getByRole('link', { name: 'Record' }).first().click();
  const card = patient.getByTestId('timeline-entry').filter({ hasText: 'Pain' });
  await card.getByRole('button', { name: 'Change this entry: Pain' }).click();
  await card.getByRole('button', { name: 'Correct' }).click();
  await card.getByRole('radio', { name: '3 — Low back pain' }).click();
  await card.getByRole('button', { name: 'Save check-in' }).click();
  await expect(card.getByTestId('entry-corrected')).toContainText(
    'Corrected by you, on this device',
  );
  await expect(card.locator('.what strong').first()).toHaveText('3/10');
  await card.getByText('Earlier versions (1)').click();
  await expect(card.locator('details')).toContainText('7/10');
  await axe(patient);

  // A misclicked urgent yes: the banner appears; withdrawing it takes the banner away.
  await answerFlags(patient, 'New problems controlling');
  await expect(patient.getByTestId('urgent-banner')).toBeVisible();
  await expect(patient.getByTestId('urgent-banner')).toContainText('Get medical help today');
  const flagsCard = patient.locator('[data-entry-type="red-flags"]');
  await expect(flagsCard.locator('.yes')).toHaveCount(1);
  await flagsCard.getByRole('button', { name: /^Change this entry/ }).click();
  await flagsCard.getByRole('button', { name: 'Withdraw' }).click();
  await flagsCard.getByLabel('Why withdraw it?').fill('I pressed yes by mistake');
  await flagsCard.getByRole('button', { name: 'Withdraw entry' }).click();
  await expect(patient.getByTestId('urgent-banner')).toHaveCount(0);
  await expect(flagsCard.getByTestId('entry-withdrawn')).toContainText('I pressed yes by mistake');

  // A real one: numbness around the genitals, with night pain.
  await answerFlags(patient, 'Numbness around');
  await expect(patient.getByTestId('urgent-banner')).toBeVisible();
  await fits(patient, 360);
  await axe(patient);
  await patient.screenshot({ path: 'test-results/correct/patient-banner-360.png', fullPage: true });

  // The physiotherapist reads neutral wording and marks it reviewed.
  const physio = await newPerson(browser);
  const physioPrint = await setUpWorkspace(physio, {
    kind: 'professional',
    name: 'Ana Jensen',
    profession: 'Physiotherapist',
    org: 'Fysio Nord',
  });
  await invite(patient, physio, physioPrint, 'Ana Jensen');
  const theirs = physio
    .locator('[data-entry-type="red-flags"]')
    .filter({ hasText: 'Not reviewed yet' });
  await expect(theirs).toContainText('Reports numbness around the genitals or back passage', {
    timeout: 15_000,
  });
  // A professional cannot withdraw the patient's warning signs.
  await expect(theirs.getByRole('button', { name: /^Change this entry/ })).toHaveCount(0);
  await theirs.getByRole('button', { name: 'Mark as reviewed' }).click();
  await theirs.getByLabel('referred for urgent assessment').check();
  await theirs.getByLabel('Note (optional)').fill('Sent to the emergency department.');
  await axe(physio);
  await theirs.getByRole('button', { name: 'Mark reviewed' }).click();
  await expect(physio.getByTestId('entry-reviewed')).toContainText('Reviewed by you');
  await physio.screenshot({ path: 'test-results/correct/physio-1280.png', fullPage: true });
  await expect(patient.getByTestId('urgent-banner')).toHaveCount(0, { timeout: 15_000 });
  await expect(patient.getByTestId('entry-reviewed')).toContainText(
    'Reviewed by Ana Jensen · professional, Physiotherapy',
  );

  // A sister who acts for the patient enters a check-in from the shared view.
  const sister = await newPerson(browser, 360);
  const sisterPrint = await setUpWorkspace(sister, { kind: 'relative', name: 'Maja' });
  await invite(patient, sister, sisterPrint, 'Maja', /^relative who acts/);
  // The "Sent, the patient now checks…" status is stale once she is let in, so it is gone.
  await expect(sister.getByText(/^Sent\. The patient now checks/)).toHaveCount(0);
  await sister.getByText('Check in for the patient').click();
  await sister.getByRole('radio', { name: '5 — Leg pain' }).click();
  await sister.getByRole('button', { name: 'Save check-in' }).click();
  await expect(sister.getByTestId('delegate-checkin').getByRole('status')).toHaveText(
    'Saved: Leg pain 5/10.',
  );
  await fits(sister, 360);
  await axe(sister);
  await sister.screenshot({ path: 'test-results/correct/sister-360.png', fullPage: true });
  await expect(
    patient.getByTestId('timeline-entry').filter({ hasText: 'entered for' }),
  ).toContainText('Maja · relative who acts for the patient, Family, entered for', {
    timeout: 15_000,
  });

  // The private journal: write, then correct it.
  await patient.getByRole('link', { name: 'Private journal' }).click();
  await patient.getByLabel('Write in your journal').fill('Slept badly; the walk helped.');
  await patient.getByRole('button', { name: 'Save in journal' }).click();
  await expect(patient.getByText('Saved in your journal.')).toBeVisible();
  const diary = patient.getByTestId('timeline-entry');
  await expect(diary).toContainText('Slept badly; the walk helped.');
  await diary.getByRole('button', { name: 'Change this entry: Diary' }).click();
  await diary.getByRole('button', { name: 'Correct' }).click();
  await diary.getByLabel('Diary').fill('Slept badly; the short walk helped.');
  await diary.getByRole('button', { name: 'Save correction' }).click();
  await expect(diary.getByTestId('entry-corrected')).toBeVisible();
  await fits(patient, 360);
  await axe(patient);
  await patient.screenshot({ path: 'test-results/correct/journal-360.png', fullPage: true });
  await patient.setViewportSize({ width: 1280, height: 800 });
  await patient.getByRole('link', { name: 'Record' }).first().click();
  await patient.screenshot({ path: 'test-results/correct/patient-1280.png', fullPage: true });
});
