import { expect, test, type Page } from '@playwright/test';
import { axe, startRecord } from './helpers';

/**
 * Charts that read right (issue 14 item 6): several check-ins on one day are spread by their time
 * and told apart by it in the table; care events are numbered on the chart and named below it,
 * so no two labels overlap on a phone.
 */

async function checkIn(page: Page, back: number): Promise<void> {
  await page.getByRole('link', { name: 'Check-in' }).first().click();
  await page.getByRole('radio', { name: `${back} — Low back pain` }).click();
  await page.getByRole('button', { name: 'Save check-in' }).click();
  await expect(page.getByTestId('checkin-saved')).toHaveText(`Saved: Low back pain ${back}/10.`);
}

test('two check-ins on one day are drawn apart and listed with their times', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 800 });
  // Morning and afternoon of one day; timers keep running (only the wall clock is set).
  const morning = new Date();
  morning.setHours(8, 30, 0, 0);
  await page.clock.setFixedTime(morning);
  await startRecord(page);
  await checkIn(page, 6);
  await page.getByRole('link', { name: 'Record' }).first().click();
  await page.clock.setFixedTime(new Date(morning.getTime() + 6 * 3_600_000));
  await checkIn(page, 3);
  await page.getByRole('link', { name: 'Record' }).first().click();
  const chart = page.getByRole('figure').filter({ hasText: 'Low back' }).first();
  await expect(chart.locator('circle.dot')).toHaveCount(2);
  const xs = await chart
    .locator('circle.dot')
    .evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('cx'))));
  expect(Math.abs(xs[1]! - xs[0]!)).toBeGreaterThan(20);
  await chart.getByText('Show as a table').click();
  const cells = await chart.locator('tbody tr td:first-child').allTextContents();
  expect(cells).toHaveLength(2);
  // Same day, so each row carries its time (hh:mm), and the two rows differ.
  for (const c of cells) expect(c).toMatch(/\d{1,2}[:.]\d{2}/);
  expect(cells[0]).not.toBe(cells[1]);
  await axe(page);
});

test('the demo record numbers its care events on the chart and names them below', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 360, height: 800 });
  await page.goto('/');
  await page.getByRole('button', { name: 'Explore a demo record' }).click();
  await expect(page.getByRole('heading', { name: 'Your record' })).toBeVisible({
    timeout: 90_000,
  });
  const chart = page.getByRole('figure').filter({ hasText: 'Low back' }).first();
  const marks = chart.locator('text.event-num');
  const n = await marks.count();
  expect(n).toBeGreaterThan(0);
  const list = chart.getByRole('list', { name: 'Marked on the chart' });
  await expect(list.getByRole('listitem')).toHaveCount(n);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await chart.scrollIntoViewIfNeeded();
  await chart.screenshot({ path: 'test-results/charts/demo-chart-360.png' });
  await page.setViewportSize({ width: 1280, height: 800 });
  await chart.screenshot({ path: 'test-results/charts/demo-chart-1280.png' });
  await axe(page);
});
