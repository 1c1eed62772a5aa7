import { expect, test, type Page } from '@playwright/test';
import { setUpWorkspace, startRecord } from './helpers';

/** On a small phone nothing is wider than the screen: no sideways scrolling on any main page. */
test.use({ viewport: { width: 360, height: 740 } });

async function fits(page: Page, where: string): Promise<void> {
  await page.waitForTimeout(200);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, where).toBeLessThanOrEqual(360);
}

test('every main page fits a 360 px wide phone', async ({ page }) => {
  await page.goto('/');
  await fits(page, 'welcome');
  await startRecord(page);
  await fits(page, 'record');
  await page.getByRole('link', { name: 'Check in now' }).click();
  await fits(page, 'check-in');
  // The 0–10 scale reads as one scale: all eleven on one row, each at least 24 px wide.
  const boxes = await page
    .getByRole('radiogroup', { name: 'Low back pain' })
    .getByRole('radio')
    .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as DOMRect));
  expect(boxes).toHaveLength(11);
  expect(new Set(boxes.map((b) => Math.round(b.top))).size).toBe(1);
  for (const b of boxes) expect(Math.min(b.width, b.height)).toBeGreaterThanOrEqual(24);
  await page.screenshot({ path: 'test-results/checkin-360.png', fullPage: true });
  await page.getByRole('radio', { name: '7 — Low back pain' }).click();
  await page.getByRole('button', { name: 'Save check-in' }).click();
  for (const name of ['Measure', 'Share', 'Messages', 'Record']) {
    await page.getByRole('link', { name }).first().click();
    await fits(page, name);
  }
  await page.getByRole('link', { name: /^Questionnaires/ }).click();
  await fits(page, 'questionnaires');
  await page.getByRole('button', { name: 'Answer ÖMPSQ-10' }).click();
  await fits(page, 'ÖMPSQ-10 form (11-point items)');
  await page.getByRole('link', { name: 'Record' }).first().click();
  await page.getByRole('link', { name: 'Summary for your next visit' }).click();
  await fits(page, 'summary');
  await page.getByRole('link', { name: 'Record' }).first().click();
  await page.getByRole('link', { name: 'Outlook and what if' }).click();
  await fits(page, 'outlook');
});

test('a professional’s workspace fits a 360 px wide phone', async ({ page }) => {
  await page.goto('/');
  await setUpWorkspace(page, {
    kind: 'professional',
    name: 'Ana Jensen',
    profession: 'Physiotherapist',
    org: 'Fysio Nord',
  });
  await fits(page, 'workspace');
  await page.getByRole('button', { name: 'Show my contact code instead' }).click();
  await fits(page, 'contact code');
});
