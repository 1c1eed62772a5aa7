import { expect as baseExpect, test } from '@playwright/test';
import { axe, startRecord, shots } from './helpers';

/**
 * Reminders on this device (issue 14 item 5) where the browser has no push service (headless
 * Chromium has none): the panel says plainly that push is not available, saves the choice on
 * this device, and the app reminds on open instead (the daily check-in banner at home).
 */

test.use({ actionTimeout: 15_000 });
const expect = baseExpect.configure({ timeout: 15_000 });

test('without a push service, the reminders panel says so and the app reminds on open', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  // Notifications allowed, so the subscription itself is tried (and fails: no push service).
  const context = await browser.newContext({ permissions: ['notifications'] });
  const page = await context.newPage();
  await startRecord(page);
  await expect(page.getByTestId('check-in-reminder')).toHaveCount(0);
  await page.getByRole('link', { name: 'Share' }).first().click();
  const panel = page.getByTestId('reminders');
  await expect(panel.getByRole('heading', { name: 'Reminders on this device' })).toBeVisible();
  await panel.getByRole('checkbox', { name: 'My daily check-in' }).check();
  await panel.getByRole('checkbox', { name: 'A new message or answer' }).check();
  // A time already past today: the reminder is due on the next open.
  await panel.getByLabel('Time of the daily check-in').fill('00:00');
  await panel.getByRole('button', { name: 'Save reminders' }).click();
  const problem = panel.getByTestId('reminders-problem');
  await expect(problem).toContainText('Backpack reminds you when you open it instead');
  // Targets of at least 24 px.
  for (const control of [
    panel.locator('label.check').first(),
    panel.getByLabel('Time of the daily check-in'),
    panel.getByRole('button', { name: 'Save reminders' }),
  ]) {
    const box = await control.boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(24);
  }
  await axe(page);
  await panel.scrollIntoViewIfNeeded();
  await shots(page, 'reminders-no-push');

  // Home reminds of the check-in.
  await page.getByRole('link', { name: 'Record' }).first().click();
  await expect(page.getByTestId('check-in-reminder')).toContainText(
    'Time for your daily check-in.',
  );
  await axe(page);
  await context.close();
});

test('with notifications blocked, the panel says so and how to allow them; nothing is sent', async ({
  browser,
}) => {
  test.setTimeout(90_000);
  // No permission granted: headless Chromium answers the request with "denied".
  const context = await browser.newContext();
  const page = await context.newPage();
  const pushCalls: string[] = [];
  page.on('request', (r) => {
    if (/\/api\/records\/[^/]+\/push/.test(r.url())) pushCalls.push(r.method());
  });
  await startRecord(page);
  await page.getByRole('link', { name: 'Share' }).first().click();
  const panel = page.getByTestId('reminders');
  await panel.getByRole('checkbox', { name: 'A new message or answer' }).check();
  await panel.getByRole('button', { name: 'Save reminders' }).click();
  await expect(panel.getByTestId('reminders-problem')).toContainText(
    'Notifications are blocked for Backpack on this device',
  );
  // No subscription was registered at the relay.
  expect(pushCalls.filter((m) => m === 'PUT')).toEqual([]);
  await axe(page);
  await context.close();
});
