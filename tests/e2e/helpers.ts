import AxeBuilder from '@axe-core/playwright';
import { expect, type Browser, type Page } from '@playwright/test';

/** Steps several browser tests share. */

export const PASSPHRASE = 'a long and calm passphrase';

/** Opens the app and starts a new patient record, ending on the record page. */
export async function startRecord(page: Page): Promise<void> {
  await page.goto('/');
  await page.getByRole('button', { name: 'Start a new record' }).click();
  await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await page.getByLabel('Repeat the passphrase').fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Create my record' }).click();
  await page.getByLabel('I have printed or written down my recovery code').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  // The profile is asked next (issue 12 item 2); these journeys skip it.
  await page.getByRole('button', { name: 'Skip for now' }).click();
}

/** Sets up a professional's or relative's workspace; returns its device fingerprint. */
export async function setUpWorkspace(
  page: Page,
  who: { kind: 'professional' | 'relative'; name: string; profession?: string; org?: string },
): Promise<string> {
  await page.getByRole('button', { name: 'I am a professional or a relative' }).click();
  await page
    .getByRole('radio', {
      name: who.kind === 'professional' ? 'a professional' : 'a relative or friend',
    })
    .check();
  await page.getByLabel('Your name', { exact: true }).fill(who.name);
  if (who.kind === 'professional') {
    await page.getByLabel('Profession', { exact: true }).fill(who.profession ?? '');
    await page.getByLabel('Organisation', { exact: true }).fill(who.org ?? '');
    await page.getByLabel('Sector', { exact: true }).selectOption('physiotherapy');
  }
  await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await page.getByLabel('Repeat the passphrase').fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Create my workspace' }).click();
  await expect(page.getByRole('heading', { name: 'Your workspace' })).toBeVisible();
  return (await page.getByTestId('ws-fingerprint').textContent()) ?? 'missing';
}

/** No WCAG 2.2 A/AA violations on the page as it is now. */
export async function axe(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

/**
 * Screenshots at a phone's and a laptop's width (saved under test-results as `<name>-<width>.png`),
 * failing when the page scrolls sideways at either.
 */
export async function shots(page: Page, name: string): Promise<void> {
  for (const [w, h] of [
    [360, 740],
    [1280, 800],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: `test-results/${name}-${w}.png`, fullPage: true });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
    );
    expect(overflow, `${name} fits ${w} px`).toBe(false);
  }
}

/** A person on their own browser context (their own device), at the app's start page. */
export async function newPerson(browser: Browser, width = 1280, height = 800): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  await page.goto('/');
  return page;
}

/** The page is no wider than `width`: nothing scrolls sideways. */
export async function fits(page: Page, width: number): Promise<void> {
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scroll).toBeLessThanOrEqual(width);
}
