import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { axe, PASSPHRASE, startRecord } from './helpers';

/**
 * Sharing by SMART Health Link (issue 13 item 4): the patient makes a link with a passcode; a
 * professional in a fresh browser with no Backpack opens it, is refused with a wrong passcode
 * (and told how many tries are left), then sees the summary; the patient sees who opened it and
 * revokes it, and the link then says it was revoked.
 */

async function startRecordWithProfile(page: Page): Promise<void> {
  await page.goto('/');
  await page.getByRole('button', { name: 'Start a new record' }).click();
  await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await page.getByLabel('Repeat the passphrase').fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Create my record' }).click();
  await page.getByLabel('I have printed or written down my recovery code').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Full name').fill('Mette Sørensen');
  await page.getByLabel('Date of birth').fill('1981-04-12');
  await page.getByRole('button', { name: 'Save my details' }).click();
}

test('a patient shares a summary by link; a professional without Backpack opens it with the passcode', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const patientContext = await browser.newContext();
  const patient = await patientContext.newPage();
  await startRecordWithProfile(patient);
  await patient.getByRole('link', { name: 'Check-in' }).first().click();
  await patient.getByRole('radio', { name: '7 — Low back pain' }).click();
  await patient.getByRole('button', { name: 'Save check-in' }).click();
  await expect(patient.getByTestId('checkin-saved')).toHaveText('Saved: Low back pain 7/10.');

  await patient.getByRole('link', { name: 'Share' }).first().click();
  const panel = patient.getByTestId('shl-panel');
  await expect(panel.getByRole('heading', { name: 'Share by link' })).toBeVisible();
  await expect(panel.getByLabel('The link works for')).toHaveValue('7');
  await expect(panel.getByLabel(/Protect the link with a passcode/)).toBeChecked();
  await axe(patient);
  await panel.getByTestId('shl-create').click();
  await expect(panel.getByTestId('shl-made')).toBeVisible({ timeout: 20_000 });
  const passcode = (await panel.getByTestId('shl-passcode').textContent())!.trim();
  expect(passcode).toMatch(/^[A-Z2-9]{6}$/);
  const link = await panel.getByTestId('shl-link-text').first().inputValue();
  expect(link).toMatch(/\/shl#shlink:\//);
  await expect(panel.getByRole('img', { name: 'The link as a QR code' })).toBeVisible();
  await axe(patient);
  await patient.setViewportSize({ width: 360, height: 740 });
  await patient.screenshot({ path: 'test-results/shl-share-360.png', fullPage: true });
  expect(await patient.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
    360,
  );

  // A professional with no Backpack: a fresh context, straight to the link.
  const proContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const pro = await proContext.newPage();
  await pro.goto(link);
  await expect(pro.getByRole('heading', { name: 'Shared health summary' })).toBeVisible();
  await pro.getByLabel('Your name and workplace').fill('Dr Lars Holm, Lægehuset Nord');
  await pro.getByLabel('Passcode').fill('WRONG1');
  await pro.getByTestId('shl-open').click();
  await expect(pro.getByTestId('shl-viewer-error')).toContainText('The passcode is wrong.');
  await expect(pro.getByTestId('shl-viewer-error')).toContainText('9 tries left.');
  await axe(pro);
  await pro.getByLabel('Passcode').fill(passcode.toLowerCase());
  await pro.getByTestId('shl-open').click();
  await expect(pro.getByTestId('ips-patient')).toHaveText('Mette Sørensen');
  await expect(pro.getByTestId('ips-results')).toContainText('7');
  await expect(pro.getByRole('heading', { name: 'Problems' })).toBeVisible();
  await axe(pro);
  await pro.screenshot({ path: 'test-results/shl-viewer-1280.png', fullPage: true });
  await pro.setViewportSize({ width: 360, height: 740 });
  expect(await pro.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await pro.screenshot({ path: 'test-results/shl-viewer-360.png', fullPage: true });

  // The patient sees who opened it, then revokes it.
  await patient.getByRole('button', { name: 'Check who opened the links' }).click();
  await expect(patient.getByTestId('shl-log')).toContainText('Dr Lars Holm, Lægehuset Nord');
  await patient.getByRole('button', { name: 'Revoke link' }).click();
  await patient.getByTestId('shl-revoke-now').click();
  await expect(patient.getByText('The link is revoked.')).toBeVisible();
  await expect(patient.getByTestId('shl-link').first()).toContainText('Revoked');
  await axe(patient);

  const late = await (await browser.newContext()).newPage();
  await late.goto(link);
  await late.getByLabel('Your name and workplace').fill('Someone else');
  await late.getByLabel('Passcode').fill(passcode);
  await late.getByTestId('shl-open').click();
  await expect(late.getByTestId('shl-viewer-error')).toContainText('expired or was revoked');
});

test('the viewer explains a missing or damaged link', async ({ page }) => {
  await page.goto('/shl');
  await expect(page.getByTestId('shl-viewer-error')).toContainText('no SMART Health Link');
  await axe(page);
  await page.goto('/shl#shlink:/not-a-payload');
  await expect(page.getByTestId('shl-viewer-error')).toContainText('damaged or incomplete');
});

test('the patient imports a Danish IPS file and sees the new conditions with their source, once', async ({
  page,
}) => {
  test.setTimeout(90_000);
  await startRecord(page);
  await page.getByRole('link', { name: 'Share' }).first().click();
  const panel = page.getByTestId('fhir-import');
  const file = fileURLToPath(
    new URL('../../src/lib/core/fhir/fixtures/dk-ips.json', import.meta.url),
  );
  // A malformed file: a clear error, nothing to add.
  await panel.getByLabel('FHIR or IPS file (.json)').setInputFiles({
    name: 'broken.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"resourceType": "Bund'),
  });
  await expect(panel.getByRole('alert')).toContainText('This file cannot be imported');
  await panel.getByLabel('FHIR or IPS file (.json)').setInputFiles(file);
  const preview = panel.getByTestId('import-preview');
  await expect(preview).toContainText('Problem: Low back pain');
  await expect(preview).toContainText('Imported from Bispebjerg Hospital, Region Hovedstaden');
  await expect(preview).toContainText('Result: HbA1c 38 mmol/mol');
  await expect(preview).toContainText('Allergy: No known allergies');
  await expect(panel.getByTestId('import-skipped')).toContainText(
    'Vaccine given: Vaccine given is not a kind of data Backpack records yet',
  );
  await axe(page);
  await page.setViewportSize({ width: 360, height: 740 });
  await page.screenshot({ path: 'test-results/fhir-import-360.png', fullPage: true });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await panel.getByTestId('import-add').click();
  await expect(panel.getByTestId('import-status')).toHaveText('7 items added to your record.');

  // Twice: nothing new.
  await panel.getByLabel('FHIR or IPS file (.json)').setInputFiles(file);
  await expect(preview).toContainText('Nothing new to add.');
  await expect(preview).toContainText('7 items are already in your record.');

  // The record's summary lists them, each with where it came from.
  await page.getByRole('link', { name: 'Record' }).first().click();
  await page.getByRole('link', { name: 'Summary for your next visit' }).click();
  const problems = page.getByTestId('summary-problems');
  await expect(problems).toContainText('Low back pain');
  await expect(problems).toContainText('Tidligere knæoperation (menisk), venstre knæ');
  await expect(problems.getByTestId('imported-from').first()).toContainText(
    'Imported from Bispebjerg Hospital, Region Hovedstaden',
  );
  await expect(page.getByTestId('summary-results')).toContainText('HbA1c 38 mmol/mol');
  await axe(page);
  // In Danish, the skip reasons read in Danish too.
  await page.getByRole('link', { name: 'Share' }).first().click();
  await page.getByLabel('Language').selectOption('da');
  await panel.getByLabel('FHIR- eller IPS-fil (.json)').setInputFiles(file);
  await expect(panel.getByTestId('import-skipped')).toContainText(
    'Givet vaccine: Givet vaccine er ikke en slags data, Backpack registrerer endnu',
  );
});

test('the demo record’s summary prints as one A4 page with name, birth date, print date and page numbers', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await page.getByRole('button', { name: 'Explore a demo record' }).click();
  await expect(page.getByRole('heading', { name: 'Your record' })).toBeVisible({
    timeout: 60_000,
  });
  await page.getByRole('link', { name: 'Summary for your next visit' }).click();
  await expect(page.getByTestId('summary-problems')).toBeVisible();
  const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true });
  writeFileSync('test-results/summary-print.pdf', pdf);
  // Page count from the PDF itself: its page objects.
  const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? [];
  expect(pages).toHaveLength(1);
  const text = execFileSync('pdftotext', ['-layout', 'test-results/summary-print.pdf', '-'], {
    encoding: 'utf8',
  });
  expect(text).toContain('Page 1 of 1');
  expect(text).toMatch(/Mette Demo Jensen, born /);
  expect(text).toMatch(/Printed /);
  // No app chrome or banners on paper.
  expect(text).not.toContain('Check-in');
  expect(text).not.toContain('made-up data');
});

test('the recovery kit prints with its title, the date, the QR code and how to restore', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Start a new record' }).click();
  await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await page.getByLabel('Repeat the passphrase').fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Create my record' }).click();
  await expect(page.getByTestId('recovery-code')).toBeVisible();
  await expect(page.getByRole('img', { name: 'The recovery code as a QR code' })).toBeVisible();
  await expect(page.getByTestId('kit-print-help')).toBeHidden();
  const pdf = await page.pdf({ format: 'A4' });
  writeFileSync('test-results/kit-print.pdf', pdf);
  expect(pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).toHaveLength(1);
  const text = execFileSync('pdftotext', ['test-results/kit-print.pdf', '-'], {
    encoding: 'utf8',
  }).replace(/\s+/g, ' ');
  expect(text).toContain('Your recovery kit');
  expect(text).toMatch(/Printed [A-Z][a-z]{2} \d{1,2}, \d{4}/);
  expect(text).toContain('To restore: open Backpack on a new device');
  const code = (await page.getByTestId('recovery-code').textContent())!.trim();
  // pdftotext drops the hyphen where the code wraps at one: compare without hyphens.
  expect(text.replace(/[\s-]+/g, '')).toContain(code.replace(/[\s-]+/g, ''));
  expect(text).not.toContain('works offline');
  expect(text).not.toContain('Check-in');
  expect(text).not.toContain('I have printed');
  // The QR code is on the page: an image of it in the PDF (drawn as vector paths).
  await page.emulateMedia({ media: 'print' });
  await expect(page.getByRole('img', { name: 'The recovery code as a QR code' })).toBeVisible();
});

test('an imported pain rating, questionnaire and goal read as from elsewhere, never as the patient’s own check-in', async ({
  page,
}) => {
  test.setTimeout(90_000);
  await startRecord(page);
  await page.getByRole('link', { name: 'Check-in' }).first().click();
  await page.getByRole('radio', { name: '6 — Low back pain' }).click();
  await page.getByRole('button', { name: 'Save check-in' }).click();
  await expect(page.getByTestId('checkin-saved')).toHaveText('Saved: Low back pain 6/10.');

  const when = new Date(Date.now() - 3 * 86_400_000).toISOString();
  const physio = { reference: 'Organization/fysio' };
  const bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    identifier: { system: 'https://fysio-nord.example/bundles', value: 'b1' },
    entry: [
      {
        fullUrl: 'https://fysio-nord.example/fhir/Organization/fysio',
        resource: { resourceType: 'Organization', id: 'fysio', name: 'Fysio Nord' },
      },
      {
        fullUrl: 'https://fysio-nord.example/fhir/Observation/p1',
        resource: {
          resourceType: 'Observation',
          id: 'p1',
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '72514-3' }] },
          bodySite: { coding: [{ system: 'http://snomed.info/sct', code: '37822005' }] },
          effectiveDateTime: when,
          performer: [physio],
          valueInteger: 3,
        },
      },
      {
        fullUrl: 'https://fysio-nord.example/fhir/QuestionnaireResponse/q1',
        resource: {
          resourceType: 'QuestionnaireResponse',
          id: 'q1',
          status: 'completed',
          questionnaire: 'https://backpack.health/fhir/Questionnaire/odi|1',
          authored: when,
          author: physio,
          item: [2, 1, 3, 2, 1, 2, 0, 1, 2, 1].map((v, i) => ({
            linkId: `section-${i + 1}`,
            answer: [{ valueInteger: v }],
          })),
        },
      },
      {
        fullUrl: 'https://fysio-nord.example/fhir/Goal/g1',
        resource: {
          resourceType: 'Goal',
          id: 'g1',
          lifecycleStatus: 'active',
          description: { text: 'Walk to work again' },
          expressedBy: physio,
          startDate: when.slice(0, 10),
        },
      },
    ],
  };
  await page.getByRole('link', { name: 'Share' }).first().click();
  const panel = page.getByTestId('fhir-import');
  await panel.getByLabel('FHIR or IPS file (.json)').setInputFiles({
    name: 'fysio.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(bundle)),
  });
  const preview = panel.getByTestId('import-preview');
  await expect(preview).toContainText('Pain rating: Low back pain 3/10');
  await expect(preview).toContainText('Questionnaire: ODI 30 %');
  await expect(preview).toContainText('Goal: Walk to work again');
  await expect(preview).toContainText('Imported from Fysio Nord');
  await axe(page);
  await panel.getByTestId('import-add').click();
  await expect(panel.getByTestId('import-status')).toHaveText('3 items added to your record.');

  // On the chart: the own check-in on the line, the imported rating a square beside it.
  await page.getByRole('link', { name: 'Record' }).first().click();
  const chart = page.getByRole('figure').filter({ hasText: 'Low back' }).first();
  await expect(chart.locator('circle.dot')).toHaveCount(1);
  await expect(chart.getByTestId('chart-imported')).toHaveCount(1);
  await expect(chart.getByTestId('chart-imported-legend')).toBeVisible();
  await chart.getByText('Show as a table').click();
  await expect(chart.locator('tbody')).toContainText('3 · Imported from Fysio Nord');
  await page.screenshot({ path: 'test-results/fhir-import-pain.png', fullPage: true });
  // On the timeline: "from elsewhere", with its source, and no correction form.
  const card = page.getByTestId('timeline-entry').filter({ hasText: 'Pain rating from elsewhere' });
  await expect(card).toHaveCount(1);
  await expect(card.getByTestId('imported-from')).toContainText('Imported from Fysio Nord');
  // Who added it here, not as if this device had recorded it at that time.
  await expect(card.locator('.meta')).toHaveText('Added to the record by you, on this device');
  const goal = page.getByTestId('timeline-entry').filter({ hasText: 'Walk to work again' });
  await expect(goal).toHaveCount(1);
  await expect(
    page.getByTestId('timeline-entry').filter({ hasText: 'Pain rating from elsewhere' }),
  ).not.toContainText('Pain:');
  await axe(page);
});
