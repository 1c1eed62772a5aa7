import { expect, test, type BrowserContext, type CDPSession, type Page } from '@playwright/test';
import { axe, startRecord } from './helpers';

/**
 * The guided neck test driven through Chromium's virtual sensors (CDP Emulation), as a phone on
 * the patient's head would report it: a scripted flexion of known amplitude must read within 1°.
 */

const TYPE = 'relative-orientation';

/** Rotation of `deg` degrees about the phone's x axis (flexion is negative x, see MOT-2). */
const aboutX = (deg: number) => {
  const h = (deg * Math.PI) / 360;
  return { x: Math.sin(h), y: 0, z: 0, w: Math.cos(h) };
};

/** Grants the sensors and puts Chromium's virtual orientation sensor in the test's hands. */
async function virtualSensor(page: Page, context: BrowserContext): Promise<CDPSession> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Browser.grantPermissions', { permissions: ['sensors'] });
  await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: true });
  await cdp.send('Emulation.setSensorOverrideEnabled', { enabled: true, type: TYPE });
  return cdp;
}

async function reading(cdp: CDPSession, q: { x: number; y: number; z: number; w: number }) {
  await cdp.send('Emulation.setSensorOverrideReadings', { type: TYPE, reading: { quaternion: q } });
}

test('a scripted 40° neck flexion is measured within 1°', async ({ page, context }) => {
  const cdp = await virtualSensor(page, context);
  await reading(cdp, aboutX(0));
  await startRecord(page);
  await page.getByRole('link', { name: 'Measure' }).first().click();
  await page.getByRole('button', { name: 'Start the neck test' }).click();
  // Keep still a moment (virtual sensors report only changes: nudge by a hair).
  for (const d of [0.01, 0, 0.01, 0]) await reading(cdp, aboutX(d));
  await page.getByRole('button', { name: 'Set neutral' }).click();
  await expect(page.getByRole('heading', { name: /Bending forward and back/ })).toBeVisible();
  await axe(page);

  await page.getByRole('button', { name: 'Record' }).click();
  // Forward to 40° and back over ~1.3 s at the sensor's 60 Hz, then 20° of extension.
  const path = [
    ...Array.from({ length: 41 }, (_, i) => -40 * Math.sin((Math.PI * i) / 40)),
    ...Array.from({ length: 21 }, (_, i) => 20 * Math.sin((Math.PI * i) / 20)),
  ];
  for (const deg of path) {
    await reading(cdp, aboutX(deg));
    await page.waitForTimeout(17);
  }
  await expect(page.getByTestId('live-angle')).toContainText('0°');
  await page.getByRole('button', { name: 'Done' }).click();
  const result = (await page.getByTestId('plane-result').textContent()) ?? '';
  const [flexion, extension] = [...result.matchAll(/(\d+)°/g)].map((m) => Number(m[1]));
  expect(Math.abs(flexion! - 40)).toBeLessThanOrEqual(1);
  expect(Math.abs(extension! - 20)).toBeLessThanOrEqual(1);

  // Skip the other planes quickly: record a small turn each.
  for (const axis of ['y', 'z'] as const) {
    await page.getByRole('button', { name: 'Next movement' }).click();
    await page.getByRole('button', { name: 'Record' }).click();
    for (let i = 0; i <= 20; i++) {
      const h = (15 * Math.sin((Math.PI * i) / 20) * Math.PI) / 360;
      await reading(cdp, {
        x: 0,
        y: axis === 'y' ? Math.sin(h) : 0,
        z: axis === 'z' ? Math.sin(h) : 0,
        w: Math.cos(h),
      });
      await page.waitForTimeout(17);
    }
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByTestId('plane-result')).toBeVisible();
  }
  await page.getByRole('button', { name: 'Next movement' }).click();
  await expect(page.getByRole('heading', { name: 'Your results' })).toBeVisible();
  await expect(page.getByTestId('motion-table')).toContainText(
    'Forward (flexion) (Bending forward and back)',
  );
  // Smoothness (SPARC, negative; from the WASM kernels) is measured for the recorded planes.
  await expect(page.getByTestId('motion-table')).toContainText(/-\d+\.\d\d/);
  await page.getByRole('button', { name: 'Save to my record' }).click();
  await expect(page.getByText(/^Saved\. The measurements are in your record/)).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Your latest measurement' })).toBeVisible();
  await axe(page);
});

test('the back test reads a scripted 60° trunk flexion at the chest within 1°', async ({
  page,
  context,
}) => {
  const cdp = await virtualSensor(page, context);
  // Held upright against the chest: the neutral is a 90° tilt from flat (MOT-6).
  const upright = (deg: number) => {
    const h = ((90 + deg) * Math.PI) / 360;
    return { x: Math.sin(h), y: 0, z: 0, w: Math.cos(h) };
  };
  await reading(cdp, upright(0));
  await startRecord(page);
  await page.getByRole('link', { name: 'Measure' }).first().click();
  await page.getByRole('button', { name: 'Start the back test' }).click();
  await expect(page.getByText('Hold the phone flat against your breastbone')).toBeVisible();
  for (const d of [0.01, 0, 0.01, 0]) await reading(cdp, upright(d));
  await page.getByRole('button', { name: 'Set neutral' }).click();
  await page.getByRole('button', { name: 'Record' }).click();
  for (let i = 0; i <= 40; i++) {
    await reading(cdp, upright(60 * Math.sin((Math.PI * i) / 40)));
    await page.waitForTimeout(17);
  }
  await page.getByRole('button', { name: 'Done' }).click();
  const result = (await page.getByTestId('plane-result').textContent()) ?? '';
  const [flexion, extension] = [...result.matchAll(/(\d+)°/g)].map((m) => Number(m[1]));
  expect(Math.abs(flexion! - 60)).toBeLessThanOrEqual(1);
  expect(extension).toBe(0);
});

test('without a sensor the test says so, and goniometer values can be typed', async ({ page }) => {
  await page.addInitScript(() => {
    // A desktop browser without motion sensors.
    delete (window as { RelativeOrientationSensor?: unknown }).RelativeOrientationSensor;
    delete (window as { DeviceOrientationEvent?: unknown }).DeviceOrientationEvent;
  });
  await startRecord(page);
  await page.getByRole('link', { name: 'Measure' }).first().click();
  await page.getByRole('button', { name: 'Start the neck test' }).click();
  await expect(page.getByRole('alert')).toContainText('cannot read the phone’s motion sensors');
  await page.getByRole('button', { name: 'Type neck goniometer values' }).click();
  await page.getByLabel('Forward (flexion) (°)').fill('250');
  await page.getByRole('button', { name: 'Save to my record' }).click();
  await expect(page.getByRole('alert')).toHaveText('Angles must be between 0 and 180 degrees.');
  await page.getByLabel('Forward (flexion) (°)').fill('45');
  await page.getByLabel('Back (extension) (°)').fill('50');
  await axe(page);
  await page.getByRole('button', { name: 'Save to my record' }).click();
  await expect(page.getByText(/^Saved\./)).toBeVisible();
  await expect(page.getByTestId('motion-table')).toContainText('45°');
  // A second measurement later: the change against the first, and the trend chart.
  await page.getByRole('button', { name: 'Measure again' }).click();
  await page.getByRole('button', { name: 'Type neck goniometer values' }).click();
  await page.getByLabel('Forward (flexion) (°)').fill('55');
  await page.getByLabel('Back (extension) (°)').fill('50');
  await page.getByRole('button', { name: 'Save to my record' }).click();
  await expect(page.getByTestId('motion-table')).toContainText('+10° since your first');
  await expect(
    page.getByRole('img', { name: 'Bending forward and back: total range over time' }),
  ).toBeVisible();
  await axe(page);
});

test('issue 14 item 9: the error sits by its button, odd angles are asked about, planes are named, and 360 px fits', async ({
  page,
}) => {
  await page.addInitScript(() => {
    delete (window as { RelativeOrientationSensor?: unknown }).RelativeOrientationSensor;
    delete (window as { DeviceOrientationEvent?: unknown }).DeviceOrientationEvent;
  });
  await page.setViewportSize({ width: 360, height: 800 });
  await startRecord(page);
  await page.getByRole('link', { name: 'Measure' }).first().click();

  // The intro says how to hold the phone for each test.
  await expect(page.getByTestId('motion-hold-neck')).toContainText('flat on top of your head');
  await expect(page.getByTestId('motion-hold-back')).toContainText('flat against your chest');

  // The no-sensor message appears right below the button that was pressed, in its card.
  const backStart = page.getByRole('button', { name: 'Start the back test' });
  await backStart.click();
  const alert = page.getByRole('alert');
  await expect(alert).toHaveCount(1);
  await expect(alert).toContainText('cannot read the phone’s motion sensors');
  const backCard = page.locator('.card').filter({ has: backStart });
  await expect(backCard.getByRole('alert')).toBeVisible();
  await expect(backStart).toHaveAttribute('aria-describedby', (await alert.getAttribute('id'))!);
  const [button, message] = [await backStart.boundingBox(), await alert.boundingBox()];
  expect(message!.y).toBeGreaterThan(button!.y);
  expect(message!.y - (button!.y + button!.height)).toBeLessThan(60);
  await page.screenshot({ path: 'test-results/measure/no-sensor-360.png', fullPage: true });
  await axe(page);

  // Typed values: an implausible neck flexion asks "Is 95° right?" before saving.
  await page.getByRole('button', { name: 'Type neck goniometer values' }).click();
  await expect(page.getByRole('alert')).toHaveCount(0); // the stale sensor message is gone
  await page.getByLabel('Forward (flexion) (°)').fill('95');
  await page.getByLabel('Back (extension) (°)').fill('50');
  await page.getByRole('button', { name: 'Save to my record' }).click();
  const doubt = page.getByRole('group', { name: 'Is 95° right?' });
  await expect(doubt).toBeVisible();
  await expect(doubt).toBeFocused();
  await expect(doubt).toContainText('Flexion 95° is more than almost anyone can move (over 90°)');
  await axe(page);
  await page.screenshot({ path: 'test-results/measure/doubt-360.png', fullPage: true });
  // "No, change it" goes back to the field.
  await doubt.getByRole('button', { name: 'No, change it' }).click();
  await expect(page.getByLabel('Forward (flexion) (°)')).toBeFocused();
  await page.getByLabel('Forward (flexion) (°)').fill('45');
  await page.getByLabel('Left (°)').first().fill('40');
  await page.getByLabel('Right (°)').first().fill('38');
  await page.getByLabel('Left (°)').nth(1).fill('70');
  await page.getByLabel('Right (°)').nth(1).fill('115');
  await page.getByRole('button', { name: 'Save to my record' }).click();
  // A value the patient confirms is saved as typed.
  await page
    .getByRole('group', { name: 'Is 115° right?' })
    .getByRole('button', { name: 'Yes, 115° is right' })
    .click();
  // Saved: no word of a raw recording, no smoothness column, and no stale message.
  await expect(page.getByTestId('motion-saved')).toHaveText(
    'Saved. The measurements are in your record.',
  );
  await expect(page.getByText(/recording/)).toHaveCount(0);
  await expect(page.getByRole('alert')).toHaveCount(0);
  const table = page.getByTestId('motion-table');
  await expect(table).toContainText('115°');
  await expect(table).not.toContainText('SPARC');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await axe(page);
  await page.screenshot({ path: 'test-results/measure/saved-360.png', fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: 'test-results/measure/saved-1280.png', fullPage: true });
  await page.setViewportSize({ width: 360, height: 800 });

  // The timeline names each plane and direction.
  await page.getByRole('link', { name: 'Record' }).first().click();
  const entry = page.getByTestId('timeline-entry').filter({ hasText: 'Neck movement test' });
  await expect(entry).toContainText('Neck movement test (goniometer)');
  await expect(entry).toContainText(
    'Flexion 45°, extension 50°, side bending left 40°, side bending right 38°, rotation left 70°, rotation right 115°',
  );
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await axe(page);
});

test('issue 14 item 9: the results table of a sensor test fits 360 px', async ({
  page,
  context,
}) => {
  const cdp = await virtualSensor(page, context);
  await reading(cdp, aboutX(0));
  await page.setViewportSize({ width: 360, height: 800 });
  await startRecord(page);
  await page.getByRole('link', { name: 'Measure' }).first().click();
  await page.getByRole('button', { name: 'Start the neck test' }).click();
  for (const d of [0.01, 0, 0.01, 0]) await reading(cdp, aboutX(d));
  await page.getByRole('button', { name: 'Set neutral' }).click();
  for (let plane = 0; plane < 3; plane++) {
    await page.getByRole('button', { name: 'Record' }).click();
    for (let i = 0; i <= 40; i++) {
      await reading(cdp, aboutX(-30 * Math.sin((Math.PI * i) / 40)));
      await page.waitForTimeout(17);
    }
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Next movement' }).click();
  }
  await expect(page.getByRole('heading', { name: 'Your results' })).toBeVisible();
  await expect(page.getByTestId('motion-table')).toContainText('Smoothness (SPARC)');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  // The table stays inside its card, and the card inside the page's margins.
  const inCard = await page.getByTestId('motion-table').evaluate((table) => {
    const card = table.closest('.card')!;
    const cardBox = card.getBoundingClientRect();
    const page = card.parentElement!.getBoundingClientRect();
    return table.getBoundingClientRect().right <= cardBox.right && cardBox.right <= page.right;
  });
  expect(inCard).toBe(true);
  await expect
    .poll(() =>
      page
        .locator('.card')
        .last()
        .evaluate((c) => c.scrollWidth <= c.clientWidth),
    )
    .toBe(true);
  await page.screenshot({ path: 'test-results/measure/results-360.png', fullPage: true });
  await page.getByRole('button', { name: 'Save to my record' }).click();
  await expect(
    page.getByText(/^Saved\. The measurements are in your record; the raw/),
  ).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await axe(page);
  // The latest-measurement table (with smoothness) fits in every language, too.
  for (const lang of ['da', 'nl', 'es', 'nb']) {
    await page.getByLabel(/Language|Sprog|Taal|Idioma|Språk/).selectOption(lang);
    await expect(page.locator('html')).toHaveAttribute('lang', lang);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      360,
    );
  }
  await page.screenshot({ path: 'test-results/measure/history-360-nb.png', fullPage: true });
});

test('issue 14 item 9: an implausible measured angle is asked about, and can be measured again', async ({
  page,
  context,
}) => {
  const cdp = await virtualSensor(page, context);
  await reading(cdp, aboutX(0));
  await startRecord(page);
  await page.getByRole('link', { name: 'Measure' }).first().click();
  await page.getByRole('button', { name: 'Start the neck test' }).click();
  for (const d of [0.01, 0, 0.01, 0]) await reading(cdp, aboutX(d));
  await page.getByRole('button', { name: 'Set neutral' }).click();
  const sweep = async (peak: number) => {
    await page.getByRole('button', { name: 'Record' }).click();
    for (let i = 0; i <= 40; i++) {
      await reading(cdp, aboutX(-peak * Math.sin((Math.PI * i) / 40)));
      await page.waitForTimeout(17);
    }
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByTestId('plane-result')).toBeVisible();
  };
  // The phone slipped: 100° of "flexion". The other planes are skipped quickly.
  await sweep(100);
  for (let plane = 1; plane < 3; plane++) {
    await page.getByRole('button', { name: 'Next movement' }).click();
    await sweep(10);
  }
  await page.getByRole('button', { name: 'Next movement' }).click();
  await page.getByRole('button', { name: 'Save to my record' }).click();
  const doubt = page.getByRole('group', { name: /^Is 10\d° right\?$/ });
  await expect(doubt).toBeFocused();
  await axe(page);
  // Measure that movement again: back to the starting position, then straight to that plane.
  await doubt.getByRole('button', { name: 'No, measure it again' }).click();
  await expect(page.getByRole('heading', { name: 'First, the starting position' })).toBeVisible();
  for (const d of [0.01, 0, 0.01, 0]) await reading(cdp, aboutX(d));
  await page.getByRole('button', { name: 'Set neutral' }).click();
  await expect(page.getByRole('heading', { name: /Bending forward and back/ })).toBeVisible();
  await sweep(40);
  await page.getByRole('button', { name: 'Next movement' }).click();
  await expect(page.getByRole('heading', { name: 'Your results' })).toBeVisible();
  await expect(page.getByTestId('motion-table')).toContainText('40°');
  await page.getByRole('button', { name: 'Save to my record' }).click();
  await expect(page.getByTestId('motion-saved')).toContainText('raw recording stays encrypted');
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.getByTestId('motion-doubt')).toHaveCount(0);
});
