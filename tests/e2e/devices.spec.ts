import { chromium, expect as baseExpect, test } from '@playwright/test';
import { axe, PASSPHRASE, setUpWorkspace, startRecord, shots } from './helpers';
import { qrVideo } from './qr-video';

/**
 * The patient's devices (issue 14 items 3 and 11): a laptop is linked by scanning its code with
 * the phone's camera (Chromium's fake camera plays the laptop's real link code), named, and
 * removed; the removed laptop reads "access ended". A revoked physiotherapist removes the
 * record from their device.
 */

test.use({ actionTimeout: 15_000 });
/** The machine is shared: give every page change up to 15 s. */
const expect = baseExpect.configure({ timeout: 15_000 });

test('the phone links the laptop by scanning, names it, and removes it', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  // The new laptop shows its link code.
  const laptop = await (await browser.newContext()).newPage();
  await laptop.goto('/');
  await laptop.getByRole('button', { name: 'Link this device to my record' }).click();
  await laptop.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await laptop.getByLabel('Repeat the passphrase').fill(PASSPHRASE);
  await laptop.getByRole('button', { name: 'Show link code' }).click();
  const code = await laptop.getByTestId('link-code').inputValue();
  const laptopPrint = await laptop.getByTestId('fingerprint').textContent();

  const camera = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${qrVideo(code)}`,
    ],
  });
  try {
    const context = await camera.newContext({ baseURL, permissions: ['camera'] });
    const phone = await context.newPage();
    await startRecord(phone);
    await phone.getByRole('link', { name: 'Share' }).first().click();
    await expect(phone.getByTestId('device-row')).toHaveCount(1);
    await expect(phone.getByTestId('device-list')).toContainText('This device');

    await phone.getByRole('button', { name: 'Scan the new device’s code' }).click();
    await expect(phone.getByTestId('link-fingerprint')).toHaveText(laptopPrint ?? 'missing', {
      timeout: 20_000,
    });
    await phone.getByRole('button', { name: 'The numbers match: link it' }).click();
    await expect(phone.getByText('The device is linked.')).toBeVisible();
    await expect(phone.getByTestId('device-row')).toHaveCount(2);
    // The laptop opens the record and names itself.
    await expect(laptop.getByRole('link', { name: 'Share' }).first()).toBeVisible({
      timeout: 20_000,
    });
    await expect(phone.getByTestId('device-row').nth(1)).toContainText('Computer', {
      timeout: 15_000,
    });
    await axe(phone);
    await shots(phone, 'devices');

    // Rename the laptop on the phone; the laptop's own list shows the name.
    const laptopRow = phone.getByTestId('device-row').filter({ hasNotText: 'This device' });
    await laptopRow.getByRole('button', { name: /^Rename/ }).click();
    await phone.getByLabel('Name', { exact: true }).fill('Work laptop');
    await phone.getByRole('button', { name: 'Save name' }).click();
    await expect(phone.getByText('Renamed to Work laptop.')).toBeVisible();
    await laptop.getByRole('link', { name: 'Share' }).first().click();
    await expect(laptop.getByTestId('device-row').filter({ hasText: 'This device' })).toContainText(
      'Work laptop',
      { timeout: 15_000 },
    );

    // Remove it: keys rotate; the laptop reads "access ended", not a sync problem.
    await expect(laptopRow).toContainText('Work laptop');
    await phone.getByRole('button', { name: /^Remove.*Work laptop/ }).click();
    await expect(phone.getByText('Remove Work laptop?')).toBeVisible();
    await axe(phone);
    await phone.getByRole('button', { name: 'Remove the device' }).click();
    await expect(phone.getByText('Work laptop is removed. The record has new keys.')).toBeVisible();
    await expect(phone.getByTestId('device-row')).toHaveCount(1);
    await expect(laptop.getByTestId('sync-why')).toContainText(/access/i, { timeout: 10_000 });
    await expect(laptop.getByTestId('sync-why')).not.toContainText(/refused/i);
    await expect(laptop.getByTestId('sync-status').first()).toHaveText('Access ended');
    await expect(laptop.getByTestId('device-removed')).toBeVisible();
    await axe(laptop);
    await shots(laptop, 'devices-removed');
    await laptop.getByRole('button', { name: 'Delete the record from this device' }).click();
    await expect(laptop.getByRole('button', { name: 'Start a new record' })).toBeVisible();
  } finally {
    await camera.close();
  }
});

test('the unlock screen leads to the recovery kit', async ({ page }) => {
  await startRecord(page);
  await page.getByRole('button', { name: 'Lock' }).first().click();
  await page.getByRole('button', { name: 'Forgot your passphrase? Use your recovery kit' }).click();
  await expect(page.getByRole('heading', { name: 'Restore your record' })).toBeVisible();
  await axe(page);
  await page.getByRole('button', { name: 'Back' }).click();
  await expect(page.getByRole('heading', { name: 'Unlock your record' })).toBeVisible();
});

test('a revoked physiotherapist removes the record from their device', async ({ browser }) => {
  test.setTimeout(120_000);
  const patient = await (await browser.newContext()).newPage();
  await startRecord(patient);
  const physio = await (await browser.newContext()).newPage();
  await physio.goto('/');
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
  await physio.getByRole('button', { name: /^Record / }).click({ timeout: 15_000 });

  await patient.getByRole('button', { name: 'End access for Ana Jensen' }).click();
  await patient.getByRole('button', { name: 'End access now' }).click();
  await expect(physio.getByTestId('access-ended')).toBeVisible({ timeout: 15_000 });
  await expect(physio.getByTestId('sync-why')).not.toContainText(/refused/i);
  await expect(physio.getByTestId('sync-status').first()).toHaveText('Access ended');
  await physio.getByRole('button', { name: 'Remove this record from this device' }).click();
  await axe(physio);
  await shots(physio, 'devices-wipe');
  await physio.getByRole('button', { name: 'Delete it from this device' }).click();
  await expect(physio.getByRole('button', { name: /^Record / })).toHaveCount(0);
  await expect(physio.getByTestId('access-ended')).toHaveCount(0);
});

test('a new phone restores by scanning the kit and removes the lost device', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const lost = await (await browser.newContext()).newPage();
  await lost.goto('/');
  await lost.getByRole('button', { name: 'Start a new record' }).click();
  await lost.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await lost.getByLabel('Repeat the passphrase').fill(PASSPHRASE);
  await lost.getByRole('button', { name: 'Create my record' }).click();
  const kit = ((await lost.getByTestId('recovery-code').textContent()) ?? '').trim();
  await lost.getByLabel('I have printed or written down my recovery code').check();
  await lost.getByRole('button', { name: 'Continue' }).click();
  await lost.getByRole('button', { name: 'Skip for now' }).click();
  await expect(lost.getByTestId('sync-status').first()).toHaveAttribute('data-state', 'synced');

  const camera = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${qrVideo(kit)}`,
    ],
  });
  try {
    const context = await camera.newContext({ baseURL, permissions: ['camera'] });
    const phone = await context.newPage();
    await phone.goto('/');
    await phone.getByRole('button', { name: 'Restore from a recovery kit' }).click();
    await phone.getByRole('button', { name: 'Scan the QR code on your kit' }).click();
    await expect(phone.getByLabel('Recovery code')).toHaveValue(kit, { timeout: 20_000 });
    await phone.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await phone.getByLabel('Repeat the passphrase').fill(PASSPHRASE);
    await phone.getByRole('button', { name: 'Restore my record' }).click();
    await expect(phone.getByRole('heading', { name: 'Remove a lost device?' })).toBeVisible({
      timeout: 20_000,
    });
    await axe(phone);
    await shots(phone, 'devices-lost');
    const prompt = phone.getByRole('region', { name: 'Remove a lost device?' });
    await prompt.getByRole('button', { name: /^Remove/ }).click();
    await expect(phone.getByText(/is removed\. The record has new keys\./)).toBeVisible();
    await expect(phone.getByText('No other device of yours is linked to it.')).toBeVisible();
    await prompt.getByRole('button', { name: 'Continue' }).click();
    await expect(prompt).toHaveCount(0);
    await expect(phone.getByRole('heading', { name: 'Your record' })).toBeVisible();
    // The lost device, if it is ever opened again, reads "access ended".
    await expect(lost.getByTestId('sync-status').first()).toHaveText('Access ended');
  } finally {
    await camera.close();
  }
});
