import { expect, test } from '@playwright/test';
import { axe } from './helpers';

/**
 * The demo record (issue 12 item 10): from the welcome screen, a full six-month record with a
 * physiotherapist's and a relative's entries, marked as a demo and removable.
 */
test('a professional evaluating Backpack explores the demo record, then removes it', async ({
  page,
}) => {
  test.setTimeout(90_000);
  await page.setViewportSize({ width: 360, height: 800 });
  await page.goto('/');
  await page.getByRole('button', { name: 'Explore a demo record' }).click();
  await expect(page.getByTestId('demo-progress')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Your record' })).toBeVisible({
    timeout: 60_000,
  });
  await expect(page.getByTestId('demo-banner')).toContainText('made-up data');
  // The physiotherapist's note arrived through the relay, with its author.
  await expect(page.getByText('Ana Jensen (demo)').first()).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await page.screenshot({ path: 'test-results/demo/record-360.png', fullPage: false });
  await axe(page);

  await page.getByRole('button', { name: 'Lock' }).click();
  await expect(page.getByTestId('demo-hint')).toContainText('backpack demo record');
  await page.getByLabel('Passphrase', { exact: true }).fill('backpack demo record');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByTestId('demo-banner')).toBeVisible();

  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Remove the demo' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome to Backpack' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Welcome to Backpack' })).toBeVisible();
});
