import { chromium, expect, test } from '@playwright/test';
import { setUpWorkspace, startRecord } from './helpers';
import { qrVideo } from './qr-video';

/**
 * The patient scans a professional's contact QR with the camera. Chromium's fake camera plays a
 * Y4M file; the test renders the professional's real contact code into it, so the app decodes
 * exactly what a phone camera would see on the professional's screen.
 */

test('a patient scans a physiotherapist’s contact code with the camera', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(90_000);
  // The physiotherapist shows a contact code in their workspace.
  const physio = await (await browser.newContext()).newPage();
  await physio.goto('/');
  const physioPrint = await setUpWorkspace(physio, {
    kind: 'professional',
    name: 'Ana Jensen',
    profession: 'Physiotherapist',
    org: 'Fysio Nord',
  });
  await physio.getByRole('button', { name: 'Show my contact code instead' }).click();
  const contact = await physio.getByTestId('link-code').inputValue();
  expect(contact.length).toBeGreaterThan(50);

  // The patient's phone: a camera that sees the physio's screen.
  const phone = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${qrVideo(contact)}`,
    ],
  });
  try {
    const context = await phone.newContext({ baseURL, permissions: ['camera'] });
    const patient = await context.newPage();
    await startRecord(patient);
    await patient.getByRole('link', { name: 'Share' }).first().click();

    await patient.getByRole('button', { name: 'Scan their contact code with the camera' }).click();
    await expect(patient.getByRole('heading', { name: 'Who is asking' })).toBeVisible({
      timeout: 20_000,
    });
    await expect(patient.getByTestId('invitee')).toContainText('Ana Jensen');
    await expect(patient.getByTestId('invitee-fingerprint')).toHaveText(physioPrint ?? 'missing');
    // The camera is off once the code is read.
    await expect(patient.getByLabel('Camera view')).toHaveCount(0);
  } finally {
    await phone.close();
  }
});
