import { expect, test, type Browser, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { axe, PASSPHRASE, setUpWorkspace } from './helpers';

/**
 * The patient profile, problems, allergies and medicines (issue 12 items 2, 3), as a patient on
 * a phone (360 px) and a physiotherapist at a desk meet them: onboarding asks for the profile
 * and can be skipped; the patient adds it later from the summary, with a condition, an allergy
 * and medicines started, changed and stopped; the physiotherapist's workspace lists the patient
 * by name and date of birth, search finds them, the shared record is headed by the name, and
 * everything the patient added is there; a condition the physio records reaches the patient.
 */

const SHOTS = 'test-results/profile';

async function newPerson(browser: Browser, width: number): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  await page.goto('/');
  return page;
}

/** Nothing sticks out sideways at the page's width. */
async function fits(page: Page): Promise<void> {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  expect(scroll).toBeLessThanOrEqual(width);
}

test('profile, problems, allergies and medicines travel from the patient to the physiotherapist', async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const patient = await newPerson(browser, 360);
  await patient.getByRole('button', { name: 'Start a new record' }).click();
  await patient.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await patient.getByLabel('Repeat the passphrase').fill(PASSPHRASE);
  await patient.getByRole('button', { name: 'Create my record' }).click();
  await patient.getByLabel('I have printed or written down my recovery code').check();
  await patient.getByRole('button', { name: 'Continue' }).click();

  // Onboarding asks for the profile; it can be skipped.
  await expect(patient.getByRole('heading', { name: 'Your details' })).toBeVisible();
  await expect(patient.getByLabel('Full name')).toBeVisible();
  await expect(patient.getByLabel('National identity number (optional)')).toBeVisible();
  await axe(patient);
  await fits(patient);
  await patient.screenshot({ path: `${SHOTS}/onboarding-360.png`, fullPage: true });
  // A missing date of birth is refused with a clear message, nothing is written.
  await patient.getByLabel('Full name').fill('Mette Jensen');
  await patient.getByRole('button', { name: 'Save my details' }).click();
  await expect(patient.getByRole('alert')).toContainText('real date of birth');
  await patient.getByRole('button', { name: 'Skip for now' }).click();
  await expect(patient.getByRole('heading', { name: 'Your record' })).toBeVisible();

  // Later, from the summary: the profile, a condition, an allergy, medicines.
  await patient.getByRole('link', { name: 'Summary' }).click();
  await expect(patient.getByTestId('summary-profile')).toContainText('No details yet.');
  await patient.getByRole('button', { name: 'Add details' }).click();
  await patient.getByLabel('Full name').fill('Mette Jensen');
  await patient.getByLabel('Date of birth').fill('1984-05-17');
  await patient.getByLabel('Preferred language').selectOption('da');
  await patient.getByLabel('GP or clinic (optional)').fill('Lægehuset Nord');
  await patient.getByRole('button', { name: 'Save my details' }).click();
  await expect(patient.getByTestId('profile-name')).toHaveText('Mette Jensen');
  await expect(patient.getByTestId('profile-born')).toHaveText('born May 17, 1984');

  await patient.getByLabel('Condition', { exact: true }).selectOption('sciatica');
  await patient.getByLabel('Side').selectOption('left');
  await patient.getByRole('button', { name: 'Add problem' }).click();
  await expect(patient.getByTestId('summary-problems')).toContainText(
    'Sciatica (radiating leg pain)',
  );
  await expect(patient.getByTestId('summary-problems')).toContainText('ICD-10 M54.3');

  await patient.getByLabel('Substance').fill('Penicillin');
  await patient.getByLabel('Reaction (optional)').fill('Rash');
  await patient.getByRole('button', { name: 'Add allergy' }).click();
  await expect(patient.getByTestId('summary-allergies')).toContainText('Penicillin');

  await patient.getByLabel('Medication', { exact: true }).fill('Ibuprofen');
  await patient.getByLabel('Dose (optional)').fill('400 mg');
  await patient.getByRole('button', { name: 'Add medication' }).click();
  await patient.getByLabel('Medication', { exact: true }).fill('Diclofenac');
  await patient.getByLabel('Dose (optional)').fill('50 mg');
  await patient.getByRole('button', { name: 'Add medication' }).click();
  await patient.getByRole('button', { name: 'Change dose: Ibuprofen' }).click();
  await patient.getByLabel('New dose of Ibuprofen').fill('200 mg twice a day');
  await patient.getByRole('button', { name: 'Save new dose' }).click();
  await patient.getByRole('button', { name: 'Stop: Diclofenac' }).click();
  const current = patient.getByTestId('current-medicines');
  await expect(current).toContainText('Ibuprofen · 200 mg twice a day');
  await expect(current).not.toContainText('Diclofenac');
  await expect(patient.getByTestId('past-medicines')).toContainText('Diclofenac');
  await expect(patient.getByTestId('past-medicines')).toContainText('Started: 50 mg');
  await axe(patient);
  await fits(patient);
  await patient.screenshot({ path: `${SHOTS}/summary-360.png`, fullPage: true });

  // The physiotherapist joins; the workspace lists the patient by name and date of birth.
  const physio = await newPerson(browser, 1280);
  const physioPrint = await setUpWorkspace(physio, {
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
  await expect(patient.getByTestId('invitee-fingerprint')).toHaveText(physioPrint, {
    timeout: 15_000,
  });
  await patient.getByRole('button', { name: 'Share', exact: true }).click();
  await expect(patient.getByText('Ana Jensen now has access.')).toBeVisible();

  const list = physio.getByTestId('ws-records');
  await expect(list.getByRole('button', { name: 'Mette Jensen' })).toBeVisible({
    timeout: 20_000,
  });
  await expect(list).toContainText('born May 17, 1984');
  await expect(list).toContainText('Record ');
  await physio.getByLabel('Search by name or date of birth').fill('nobody like this');
  await expect(physio.getByText('No record matches your search.')).toBeVisible();
  await physio.getByLabel('Search by name or date of birth').fill('jensen 1984');
  await expect(list.getByRole('button', { name: 'Mette Jensen' })).toBeVisible();
  await physio.getByLabel('Sort by').selectOption('activity');
  await list.getByRole('button', { name: 'Mette Jensen' }).click();

  // The shared record is headed by the name; problems, allergy and medicines are there.
  await expect(physio.getByTestId('shared-title')).toHaveText('Mette Jensen');
  await expect(physio.getByTestId('shared-born')).toContainText('born May 17, 1984');
  await expect(physio.getByTestId('summary-problems')).toContainText('Sciatica');
  await expect(physio.getByTestId('summary-allergies')).toContainText('Penicillin');
  await expect(physio.getByTestId('current-medicines')).toContainText('200 mg twice a day');
  await expect(physio.getByTestId('past-medicines')).toContainText('Diclofenac');
  // A professional does not write medicines or allergies, but records a condition.
  await expect(physio.getByRole('button', { name: 'Add medication' })).toHaveCount(0);
  await expect(physio.getByRole('button', { name: 'Add allergy' })).toHaveCount(0);
  await physio.getByLabel('Condition', { exact: true }).selectOption('neck-pain');
  await physio.getByRole('button', { name: 'Add problem' }).click();
  await expect(physio.getByTestId('summary-problems')).toContainText('Neck pain');
  // The physiotherapist writes to the patient, and reads the record, by the patient's name.
  await expect(physio.getByLabel('Message to Mette Jensen')).toBeVisible();
  await expect(physio.getByRole('heading', { name: 'Mette Jensen’s record' })).toBeVisible();
  await axe(physio);
  await fits(physio);
  await physio.screenshot({ path: `${SHOTS}/workspace-1280.png`, fullPage: true });

  // The physiotherapist's Print gives the patient's summary alone: no workspace page first.
  const pdf = await physio.pdf({ format: 'A4', preferCSSPageSize: true });
  writeFileSync(`${SHOTS}/professional-print.pdf`, pdf);
  const paper = execFileSync('pdftotext', ['-layout', `${SHOTS}/professional-print.pdf`, '-'], {
    encoding: 'utf8',
  });
  expect(paper).toMatch(/Mette Jensen, born /);
  expect(paper).toContain('Sciatica');
  expect(paper).toContain('Penicillin');
  expect(paper).toMatch(/Page 1 of \d/);
  // Written for the professional who reads it, not as if to the patient.
  expect(paper).toContain('No check-ins yet: trends appear after a few.');
  for (const chrome of ['Your workspace', 'Records shared with you', 'Join a record', 'Add note'])
    expect(paper).not.toContain(chrome);

  // The patient sees the physio's condition with who recorded it.
  await patient.getByRole('link', { name: 'Record' }).first().click();
  await patient.getByRole('link', { name: 'Summary' }).click();
  await expect(patient.getByTestId('summary-problems')).toContainText('Neck pain', {
    timeout: 15_000,
  });
  await expect(patient.getByTestId('summary-problems')).toContainText('Ana Jensen');

  // The workspace at phone width too.
  await physio.setViewportSize({ width: 360, height: 900 });
  await fits(physio);
  await physio.screenshot({ path: `${SHOTS}/workspace-360.png`, fullPage: true });
  await patient.setViewportSize({ width: 1280, height: 900 });
  await patient.screenshot({ path: `${SHOTS}/summary-1280.png`, fullPage: true });
});
