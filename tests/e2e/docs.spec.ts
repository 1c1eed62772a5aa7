import { expect, test, type Page } from '@playwright/test';
import { axe, fits, newPerson, setUpWorkspace, startRecord } from './helpers';

/**
 * A document travels patient → physiotherapist (issue 12 item 7): the patient attaches a PDF
 * letter on the summary and sees the encryption-and-upload progress; the physiotherapist, in
 * their workspace, fetches it with download progress, opens it and saves a copy that is byte for
 * byte the patient's file; a file that is not a PDF or an image is refused with a clear message.
 * axe on both pages; both fit 360 px.
 */

async function invite(patient: Page, person: Page, personPrint: string, name: string) {
  await patient.getByRole('button', { name: 'Invite someone' }).click();
  const code = await patient.getByTestId('link-code').inputValue();
  await person.getByLabel('Invite code from the patient').fill(code);
  await person.getByRole('button', { name: 'Send my answer' }).click();
  await expect(patient.getByRole('heading', { name: 'Who is asking' })).toBeVisible({
    timeout: 15_000,
  });
  await expect(patient.getByTestId('invitee-fingerprint')).toHaveText(personPrint);
  await patient.getByRole('button', { name: 'Share', exact: true }).click();
  await expect(patient.getByText(`${name} now has access.`)).toBeVisible();
  await person.getByRole('button', { name: /^Record / }).click({ timeout: 15_000 });
}

/** A ~300 KB PDF letter (five chunks). */
function letter(): Buffer {
  const line = '(Discharge letter: lumbar disc herniation L5-S1, discharged home) Tj\n';
  return Buffer.from(`%PDF-1.4\n${line.repeat(4500)}%%EOF\n`);
}

test('a document travels patient → physiotherapist with progress shown', async ({ browser }) => {
  test.setTimeout(150_000);
  const patient = await newPerson(browser, 360, 900);
  await startRecord(patient);
  const physio = await newPerson(browser, 1280, 900);
  const physioPrint = await setUpWorkspace(physio, {
    kind: 'professional',
    name: 'Ana Jensen',
    profession: 'Physiotherapist',
    org: 'Fysio Nord',
  });
  await patient.getByRole('link', { name: 'Share' }).first().click();
  await invite(patient, physio, physioPrint, 'Ana Jensen');

  // The patient attaches the letter on the summary (at 360 px).
  await patient.getByRole('link', { name: 'Record' }).first().click();
  await patient.getByRole('link', { name: 'Summary for your next visit' }).click();
  const docs = patient.getByTestId('documents');
  await expect(docs).toContainText('No documents yet.');
  await expect(docs).toContainText('at most 20.0 MB each');
  // Not a PDF or an image (whatever its name says): refused, nothing is added.
  await docs.getByLabel('Title').fill('Not a letter');
  await docs.getByLabel('File (PDF or photo)').setInputFiles({
    name: 'letter.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from('<html>hi</html>'),
  });
  await docs.getByRole('button', { name: 'Attach' }).click();
  await expect(docs.getByRole('alert')).toHaveText(
    'Only PDF, JPEG, PNG and WebP files can be attached.',
  );
  await expect(docs.getByTestId('document')).toHaveCount(0);

  const file = letter();
  await docs.getByLabel('Title').fill('Discharge letter, Aarhus University Hospital');
  await docs
    .getByLabel('File (PDF or photo)')
    .setInputFiles({ name: 'discharge-letter.pdf', mimeType: 'application/pdf', buffer: file });
  await docs.getByRole('button', { name: 'Attach' }).click();
  await expect(docs.getByTestId('doc-progress')).toContainText(
    /Encrypting and uploading: [\d,.]+ KB of [\d,.]+ KB/,
  );
  await expect(docs.getByTestId('doc-status')).toHaveText(
    'Discharge letter, Aarhus University Hospital is attached.',
  );
  await expect(docs.getByTestId('document')).toContainText('discharge-letter.pdf');
  await expect(docs.getByTestId('document')).toContainText('Added by the patient');
  await fits(patient, 360);
  await axe(patient);
  await patient.screenshot({ path: 'test-results/docs/patient-360.png', fullPage: true });

  // The physiotherapist sees it in the workspace, fetches it with progress and saves a copy.
  const theirs = physio.getByTestId('documents');
  await expect(theirs.getByTestId('document')).toContainText(
    'Discharge letter, Aarhus University Hospital',
    { timeout: 15_000 },
  );
  await expect(theirs.getByTestId('document')).toContainText('Added by the patient');
  await theirs
    .getByRole('button', { name: 'Fetch and open Discharge letter, Aarhus University Hospital' })
    .click();
  await expect(theirs.getByTestId('doc-progress')).toContainText(
    /Downloading: [\d,.]+ KB of [\d,.]+ KB/,
  );
  await expect(theirs.getByRole('link', { name: 'View' })).toBeVisible();
  const [download] = await Promise.all([
    physio.waitForEvent('download'),
    theirs.getByRole('link', { name: 'Save a copy' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('discharge-letter.pdf');
  const path = await download.path();
  const { readFileSync } = await import('node:fs');
  expect(Buffer.compare(readFileSync(path), file)).toBe(0);
  // A professional cannot remove the patient's document.
  await expect(theirs.getByRole('button', { name: /^Remove/ })).toHaveCount(0);
  await axe(physio);
  await physio.screenshot({ path: 'test-results/docs/physio-1280.png', fullPage: true });
  await physio.setViewportSize({ width: 360, height: 800 });
  await fits(physio, 360);
  await physio.screenshot({ path: 'test-results/docs/physio-360.png', fullPage: true });
  await theirs.screenshot({ path: 'test-results/docs/physio-documents-360.png' });
  await expect(physio.getByTestId('timeline-entry').filter({ hasText: 'Document' })).toContainText(
    'Discharge letter, Aarhus University Hospital',
  );

  // The patient removes it; it leaves the physio's list too.
  await docs
    .getByRole('button', { name: 'Remove Discharge letter, Aarhus University Hospital' })
    .click();
  await expect(docs.getByTestId('doc-status')).toHaveText(
    'Discharge letter, Aarhus University Hospital was removed.',
  );
  await expect(theirs.getByTestId('document')).toHaveCount(0, { timeout: 15_000 });
  await patient.setViewportSize({ width: 1280, height: 900 });
  await patient.screenshot({ path: 'test-results/docs/patient-1280.png', fullPage: true });
});
