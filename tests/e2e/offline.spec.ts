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
  await context.setOffline(false);
});
