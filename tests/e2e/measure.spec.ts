import { expect, test, type CDPSession } from '@playwright/test';
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

async function reading(cdp: CDPSession, q: { x: number; y: number; z: number; w: number }) {
  await cdp.send('Emulation.setSensorOverrideReadings', { type: TYPE, reading: { quaternion: q } });
}

test('a scripted 40° neck flexion is measured within 1°', async ({ page, context }) => {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Browser.grantPermissions', { permissions: ['sensors'] });
  await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: true });
  await cdp.send('Emulation.setSensorOverrideEnabled', { enabled: true, type: TYPE });
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
  const cdp = await context.newCDPSession(page);
  await cdp.send('Browser.grantPermissions', { permissions: ['sensors'] });
  await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: true });
  await cdp.send('Emulation.setSensorOverrideEnabled', { enabled: true, type: TYPE });
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
