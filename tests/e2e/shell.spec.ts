import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';

const pages = [
  { path: '/', nav: 'Record' },
  { path: '/check-in', nav: 'Check-in' },
  { path: '/measure', nav: 'Measure' },
  { path: '/share', nav: 'Share' },
  { path: '/messages', nav: 'Messages' },
];

test('the shell navigates, marks the current page, and switches language', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Welcome to Backpack' })).toBeVisible();
  const nav = page.getByRole('navigation');
  for (const p of pages) {
    await nav.getByRole('link', { name: p.nav }).click();
    await expect(page).toHaveURL(new RegExp(`${p.path}$`));
    await expect(nav.getByRole('link', { name: p.nav })).toHaveAttribute('aria-current', 'page');
  }
  await page.getByLabel('Language').selectOption('da');
  await expect(nav.getByRole('link', { name: 'Tjek ind' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'da');
  await page.reload();
  await expect(nav.getByRole('link', { name: 'Del' })).toBeVisible();
});

for (const p of [
  ...pages,
  { path: '/questionnaires' },
  { path: '/summary' },
  { path: '/outlook' },
]) {
  test(`no axe violations on ${p.path}`, async ({ page }) => {
    await page.goto(p.path);
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    await page.waitForLoadState('networkidle');
    const results = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
      .analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  });
}

test('screenshots of the home page', async ({ page }) => {
  for (const [w, h] of [
    [390, 844],
    [1280, 800],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Welcome to Backpack' })).toBeVisible();
    await page.screenshot({ path: `test-results/home-${w}x${h}.png` });
  }
});
