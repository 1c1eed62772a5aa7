import { expect, test } from '@playwright/test';

test('after one visit the app loads offline, deep links included', async ({ context, page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Welcome to Backpack' })).toBeVisible();
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise<void>((resolve) =>
        navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), {
          once: true,
        }),
      );
    }
  });
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Welcome to Backpack' })).toBeVisible();
  await page.goto('/check-in');
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Check-in' }).first()).toHaveAttribute(
    'aria-current',
    'page',
  );
  // The other languages are separate chunks, precached: switching works offline too.
  await page.getByLabel('Language').selectOption('es');
  await expect(page.getByLabel('Idioma')).toBeVisible();
  await context.setOffline(false);
});

test('a browser set to Norwegian opens in Norwegian at once, its catalogue loaded on demand', async ({
  browser,
}) => {
  const context = await browser.newContext({ locale: 'nb-NO' });
  const page = await context.newPage();
  await page.goto('/');
  // Never an English first paint: the layout waits for the catalogue.
  await expect(page.getByLabel('Språk')).toBeVisible();
  await expect(page.getByText('Welcome to Backpack')).toHaveCount(0);
  await context.close();
});
