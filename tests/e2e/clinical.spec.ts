import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { axe, PASSPHRASE, startRecord } from './helpers';

/**
 * The clinical side as a patient meets it: a quick daily check-in, questionnaires when due with
 * drafts that survive a reload, warning signs, the dashboard's trends with what they mean, and
 * the one-page summary for the visit.
 */

async function openQuestionnaires(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Record' }).first().click();
  await page.getByRole('link', { name: /^Questionnaires/ }).click();
}

async function unlockAfterReload(page: Page): Promise<void> {
  await page.reload();
  await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
}

test('check-ins, questionnaires with drafts, warning signs, trends and the summary', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.clock.setFixedTime(new Date('2026-03-02T09:00:00'));
  await startRecord(page);

  // This browser's clock is set months back, so the relay (the server) refuses its tokens: the app says why
  // and what to do, and keeps everything on the device meanwhile.
  await expect(page.getByTestId('sync-why')).toHaveText(
    'This device’s date and time are wrong, so the server refuses it. Set the date and time to automatic in the device’s settings.',
    { timeout: 15_000 },
  );
  await expect(page.getByTestId('sync-status')).toHaveText('Sync problem');

  // A daily check-in is three taps from the record, well under ten seconds.
  const started = Date.now();
  await page.getByRole('link', { name: 'Check in now' }).click();
  await page.getByRole('radio', { name: '7 — Low back pain' }).click();
  await page.getByRole('button', { name: 'Save check-in' }).click();
  await expect(page.getByTestId('checkin-saved')).toHaveText('Saved: Low back pain 7/10.');
  expect(Date.now() - started).toBeLessThan(10_000);

  // A half-done check-in survives a reload (kept encrypted on the device).
  await page.getByRole('button', { name: 'Add another' }).click();
  await page.getByRole('radio', { name: '4 — Neck pain' }).click();
  await page.waitForTimeout(300);
  await unlockAfterReload(page);
  await page.getByRole('link', { name: 'Check-in' }).first().click();
  await expect(page.getByRole('radio', { name: '4 — Neck pain' })).toHaveAttribute(
    'aria-checked',
    'true',
  );

  // Questionnaires: due ones are listed; STarT Back has its wording pack with Keele's notice.
  await openQuestionnaires(page);
  await expect(page.getByRole('heading', { name: 'Questionnaires', level: 1 })).toBeVisible();
  await axe(page);
  await page.getByRole('button', { name: 'Answer STarT Back' }).click();
  await expect(page.getByText('My back pain has spread down my leg(s)')).toBeVisible();
  await expect(page.getByText(/©2007.*Keele University/)).toBeVisible();
  await axe(page);
  const item = (n: number) => page.getByRole('group', { name: new RegExp(`^${n}\\.`) });
  await item(1).getByLabel('Agree', { exact: true }).check();
  await item(2).getByLabel('Disagree', { exact: true }).check();
  await item(3).getByLabel('Agree', { exact: true }).check();
  await page.waitForTimeout(300);
  await unlockAfterReload(page);
  await openQuestionnaires(page);
  await page.getByRole('button', { name: 'Answer STarT Back' }).click();
  await expect(page.getByText('Your unfinished answers were kept on this device.')).toBeVisible();
  await expect(item(1).getByLabel('Agree', { exact: true })).toBeChecked();
  await expect(item(3).getByLabel('Agree', { exact: true })).toBeChecked();
  // Saving with items missing names them, and saves nothing.
  await page.getByRole('button', { name: 'Save answers' }).click();
  await expect(page.getByText('Please answer item(s) 4, 5, 6, 7, 8, 9.')).toBeVisible();
  await item(4).getByLabel('Agree', { exact: true }).check();
  for (const n of [5, 6, 7, 8]) await item(n).getByLabel('Disagree', { exact: true }).check();
  await item(9).getByLabel('Moderately', { exact: true }).check();
  await page.getByRole('button', { name: 'Save answers' }).click();
  // 3 of items 1–4 agree, psychosocial 0: total 3 → low risk (SBT-4).
  await expect(page.getByTestId('score-result')).toContainText('STarT Back: 3/9');
  await expect(page.getByTestId('score-result')).toContainText('low risk');
  // The code is for professionals: behind a disclosure, not in the patient's main text.
  await expect(page.getByTestId('score-code')).toBeHidden();
  await page.getByTestId('score-result').getByText('Details for professionals').click();
  await expect(page.getByTestId('score-code')).toHaveText('LOINC 91351-7');
  await page.getByRole('button', { name: 'Back to questionnaires' }).click();

  // The ODI's wording is licensed: without a pack it shows structure and still scores.
  await page.getByRole('button', { name: 'Answer ODI' }).click();
  await expect(page.getByTestId('no-wording')).toContainText('wording pack required');
  for (let n = 1; n <= 10; n++)
    await item(n)
      .getByLabel(n <= 8 ? '2' : '1', { exact: true })
      .check();
  await page.getByRole('button', { name: 'Save answers' }).click();
  // 8×2 + 2×1 = 18 of 50 → 36.0 %, moderate (ODI-2..4).
  await expect(page.getByTestId('score-result')).toContainText('ODI: 36.0 %');
  await expect(page.getByTestId('score-result')).toContainText('moderate disability');
  await page.getByRole('button', { name: 'Back to questionnaires' }).click();

  // PSFS: the patient's own activities, rated 0–10; the score is their mean (PSFS-2).
  await page.getByRole('button', { name: 'Rate my activities' }).click();
  await page.getByLabel('Activity', { exact: true }).fill('Lifting my daughter');
  await page.getByRole('radio', { name: '3 — How well can you do activity 1 today?' }).click();
  await page.getByRole('button', { name: 'Add an activity' }).click();
  await page.locator('#psfs-activity-1').fill('Driving for an hour');
  await page.getByRole('radio', { name: '6 — How well can you do activity 2 today?' }).click();
  await axe(page);
  await page.getByRole('button', { name: 'Save answers' }).click();
  await expect(page.getByTestId('psfs-result')).toHaveText('Average 4.5 of 10');
  await page.getByRole('button', { name: 'Back to questionnaires' }).click();

  // Warning signs: a yes to fever asks to see the doctor soon; the summary shows it first.
  await page.getByRole('button', { name: 'Check warning signs' }).click();
  const flags = page.getByRole('group');
  const count = await flags.count();
  for (let i = 0; i < count; i++) {
    const g = flags.nth(i);
    const name = (await g.locator('legend').textContent()) ?? '';
    await g.getByLabel(name.startsWith('Fever') ? 'Yes' : 'No', { exact: true }).check();
  }
  await page.getByRole('button', { name: 'Save answers' }).click();
  await expect(page.getByTestId('rf-soon')).toBeVisible();

  // Five days later the back pain is 4: a meaningful drop of 3 points (NRS-3).
  await page.clock.setFixedTime(new Date('2026-03-07T09:00:00'));
  await page.getByRole('link', { name: 'Check-in' }).first().click();
  await page.getByRole('radio', { name: '4 — Low back pain' }).click();
  // The optional extras take one tap each.
  await page
    .getByRole('group', { name: /Sleep last night/ })
    .getByLabel('Poor')
    .check();
  await page
    .getByRole('group', { name: /Pain medicine today/ })
    .getByLabel('Taken')
    .check();
  await page.getByRole('button', { name: 'Save check-in' }).click();
  // The neck rating kept in the draft since the reload is saved with it, and said back.
  await expect(page.getByTestId('checkin-saved')).toHaveText(
    'Saved: Low back pain 4/10, Neck pain 4/10, slept poorly, pain medicine taken.',
  );
  await page.getByRole('link', { name: 'Record' }).first().click();
  await expect(page.getByTestId('checkin-extras').first()).toHaveText(
    'slept poorly · pain medicine taken',
  );
  await expect(page.getByTestId('insight-back')).toHaveText(
    'Low back pain: down 3 since March 2, 2026. That is a meaningful change.',
  );
  await expect(page.getByRole('img', { name: 'Low back pain' })).toBeVisible();
  // Dates and numbers follow the language.
  await page.getByLabel('Language').selectOption('da');
  await expect(page.getByTestId('insight-back')).toContainText('2. marts 2026');
  await page.getByLabel('Sprog').selectOption('en');
  await axe(page);

  // The summary: every fact with its source; printable.
  await page.getByRole('link', { name: 'Summary for your next visit' }).click();
  await expect(page.getByTestId('summary-flags')).toContainText('Fever');
  await expect(page.getByTestId('summary-score-startback')).toContainText('low risk');
  await expect(page.getByTestId('summary-score-odi')).toContainText('the patient');
  await expect(page.getByTestId('summary-psfs')).toContainText('Lifting my daughter 3/10');
  await page.getByLabel('Medication', { exact: true }).fill('Ibuprofen');
  await page.getByLabel('Dose (optional)').fill('400 mg up to 3 times a day');
  await page.getByRole('button', { name: 'Add medication' }).click();
  await expect(page.getByText('Ibuprofen', { exact: true })).toBeVisible();
  await page.getByLabel('Description').fill('Physiotherapy, first session');
  await page.getByRole('button', { name: 'Add to the record' }).click();
  await expect(page.getByText('Visit: Physiotherapy, first session')).toBeVisible();
  await axe(page);
  // A third day of ratings adds the personal fit to the pain chart (INS-4), labelled as such.
  await page.clock.setFixedTime(new Date('2026-03-12T09:00:00'));
  await page.getByRole('link', { name: 'Check-in' }).first().click();
  await page.getByRole('radio', { name: '3 — Low back pain' }).click();
  await page.getByRole('button', { name: 'Save check-in' }).click();
  await page.getByRole('link', { name: 'Record' }).first().click();
  await expect(page.getByTestId('fit-line')).toHaveCount(1);
  await expect(page.getByText(/a curve fitted to your own ratings/)).toBeVisible();
  // The visit was entered by its date alone: the chart lists it by its day, with no invented time
  // of day, and the timeline says no time was given.
  await expect(
    page.getByRole('list', { name: 'Marked on the chart' }).first().getByRole('listitem'),
  ).toHaveText(['1 Physiotherapy, first session, Mar 7, 2026']);
  await expect(
    page.locator('[data-entry-type="care-event"]').getByText('No time given'),
  ).toBeVisible();
  await page.getByRole('link', { name: 'Summary for your next visit' }).click();

  await page.emulateMedia({ media: 'print' });
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeHidden();
  await expect(page.getByRole('button', { name: 'Print' })).toBeHidden();
  await page.screenshot({ path: 'test-results/summary-print.png', fullPage: true });
});

test('a wording pack installed from a file shows its wording; a bad file changes nothing', async ({
  page,
}) => {
  await startRecord(page);
  await page.getByRole('link', { name: 'Check in now' }).click();
  await page.getByRole('radio', { name: '6 — Neck pain' }).click();
  await page.getByRole('button', { name: 'Save check-in' }).click();
  await openQuestionnaires(page);

  // A made-up pack for the NDI's structure (test wording, not the licensed text).
  const pack = {
    format: 'backpack-instrument-pack',
    version: 1,
    instrument: 'ndi',
    language: 'en',
    title: 'Test neck form',
    instructions: 'Test instructions.',
    notice: 'Test notice: not the licensed wording.',
    items: Array.from({ length: 10 }, (_, i) => ({
      key: `item-${i + 1}`,
      text: `Test neck question ${i + 1}`,
      options: ['A0', 'A1', 'A2', 'A3', 'A4', 'A5'],
    })),
  };
  const upload = (name: string, body: unknown) =>
    page.getByLabel('Wording pack file (.json)').setInputFiles({
      name,
      mimeType: 'application/json',
      buffer: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    });
  await upload('broken.json', { ...pack, items: pack.items.slice(0, 9) });
  await expect(page.getByRole('alert')).toHaveText(
    'This file was not installed: NDI has 10 items; the pack does not.',
  );
  await upload('garbage.json', '{not json');
  await expect(page.getByRole('alert')).toHaveText(
    'This file was not installed: The file is not JSON.',
  );
  await page.getByRole('button', { name: 'Answer NDI' }).click();
  await expect(page.getByTestId('no-wording')).toBeVisible();
  await page.getByRole('button', { name: 'Finish later' }).click();

  await upload('ndi-en.json', pack);
  await expect(page.getByText('Installed the wording for NDI (en).')).toBeVisible();
  await page.getByRole('button', { name: 'Answer NDI' }).click();
  await expect(page.getByRole('heading', { name: 'Test neck form' })).toBeVisible();
  await expect(page.getByText('Test neck question 10')).toBeVisible();
  await expect(page.getByText('Test notice: not the licensed wording.')).toBeVisible();
});

/** Saves STarT Back answers scoring total 7, psychosocial 5 (high risk) and opens the outlook. */
async function openOutlookHighRisk(page: Page): Promise<void> {
  await startRecord(page);
  await page.getByRole('link', { name: 'Check in now' }).click();
  await page.getByRole('radio', { name: '8 — Low back pain' }).click();
  await page.getByRole('button', { name: 'Save check-in' }).click();
  await openQuestionnaires(page);
  await page.getByRole('button', { name: 'Answer STarT Back' }).click();
  const item = (n: number) => page.getByRole('group', { name: new RegExp(`^${n}\\.`) });
  for (const n of [1, 2, 3, 4, 5, 6, 7, 8]) {
    await item(n)
      .getByLabel(n <= 2 ? 'Disagree' : 'Agree', { exact: true })
      .check();
  }
  await item(9).getByLabel('Very much', { exact: true }).check();
  await page.getByRole('button', { name: 'Save answers' }).click();
  // Total 7, psychosocial 5 → high risk (SBT-4).
  await expect(page.getByTestId('score-result')).toContainText('high risk');

  await page.getByRole('link', { name: 'Record' }).first().click();
  await page.getByRole('link', { name: 'Outlook and what if' }).click();
}

async function lessWorryAndCatastrophising(page: Page): Promise<void> {
  await page
    .getByLabel('Worrying thoughts have been going through my mind a lot of the time')
    .selectOption({ label: 'Disagree' });
  await page
    .getByLabel('I feel that my back pain is terrible and it’s never going to get any better')
    .selectOption({ label: 'Disagree' });
  await expect(page.getByTestId('after-startback-stratification')).toHaveText(
    'With these changes: medium risk (score 5; now high risk, score 7).',
  );
}

/** The WASM kernel's own evaluation counter, as the outlook writes it after evaluating. */
async function kernelEvaluations(page: Page): Promise<number> {
  const value = await page.getByTestId('engine').getAttribute('data-wasm-evaluations');
  return value === null ? -1 : Number(value);
}

test('the outlook runs the STarT Back model locally, with what if and its model card', async ({
  page,
}) => {
  await openOutlookHighRisk(page);
  await expect(page.getByTestId('engine')).toHaveText('Calculated on this device (WebAssembly).');
  await expect(page.getByTestId('now-startback-stratification')).toContainText('high risk group');
  // The label is backed by the kernel's own counter: it ran, and it runs again for a what-if.
  await expect(page.getByTestId('engine')).toHaveAttribute('data-wasm-evaluations', /^[1-9]\d*$/);
  const before = await kernelEvaluations(page);
  await lessWorryAndCatastrophising(page);
  await expect.poll(() => kernelEvaluations(page)).toBeGreaterThan(before);
  // The model card carries the published validation, and PICKUP is withheld with the reason.
  // Plain words first: how it was worked out, with the engine behind "Details for professionals".
  await expect(page.getByText('Worked out on this device from your answers.')).toBeVisible();
  await expect(page.getByTestId('engine')).toBeHidden();
  await page.getByText('About this model (model card)').first().click();
  await expect(page.getByTestId('plain-startback-stratification')).toContainText(
    'about three times in four',
  );
  await expect(page.getByText('0.74 (95% CI 0.66–0.82), n = 821')).toBeVisible();
  await expect(page.getByText(/does not run this model/)).toBeVisible();
  await axe(page);
});

test('with the WebAssembly blocked, the outlook says JavaScript and no kernel count', async ({
  page,
}) => {
  // The context's route also sees the service worker's requests (Chromium).
  await page.context().route('**/*.wasm', (route) => route.abort());
  await openOutlookHighRisk(page);
  await expect(page.getByTestId('engine')).toHaveText('Calculated on this device (JavaScript).');
  await expect(page.getByTestId('now-startback-stratification')).toContainText('high risk group');
  await lessWorryAndCatastrophising(page);
  await expect(page.getByTestId('engine')).not.toHaveAttribute('data-wasm-evaluations');
});

/** The test fixture pack (made-up coefficients, never shipped), served as if deployed. */
function fixturePack(): Record<string, unknown> {
  return JSON.parse(
    readFileSync(
      fileURLToPath(new URL('../fixtures/model-packs/test-fixture-pack.json', import.meta.url)),
      'utf8',
    ),
  ) as Record<string, unknown>;
}

async function openOutlookWithPack(page: Page, pack: unknown): Promise<void> {
  await page
    .context()
    .route('**/models/pickup.json', (route) =>
      route.fulfill({ contentType: 'application/json', body: JSON.stringify(pack) }),
    );
  await startRecord(page);
  await page.getByRole('link', { name: 'Record' }).first().click();
  await page.getByRole('link', { name: 'Outlook and what if' }).click();
}

test('a deployed model pack runs in WebAssembly once its vectors reproduce, with its card', async ({
  page,
}) => {
  await openOutlookWithPack(page, fixturePack());
  await expect(page.getByTestId('pack-installed-pickup')).toContainText(
    'Its 5 test vectors reproduced on this device (WebAssembly)',
  );
  await expect(page.getByTestId('pack-fixture-pickup')).toBeVisible();
  await expect(page.getByText(/does not run this model/)).toHaveCount(0);
  await expect(page.getByTestId('pack-result-pickup')).toHaveText('Estimated probability: 13%');
  await page.getByLabel('age (years)').fill('45');
  await page.getByLabel('pain (0–10, higher = worse)').fill('6');
  await page.getByLabel('leg-pain (0 = no, 1 = yes)').fill('1');
  await expect(page.getByTestId('pack-result-pickup')).toHaveText('Estimated probability: 57%');
  await page.getByText('About this model (model card)').last().click();
  await expect(page.getByTestId('pack-numbers-pickup')).toContainText('Made up for the test suite');
  await axe(page);
});

test('a model pack whose vectors do not reproduce is refused with the reason; PICKUP stays withheld', async ({
  page,
}) => {
  const pack = fixturePack();
  (pack.vectors as Array<{ probability: number }>)[1]!.probability = 0.5;
  await openOutlookWithPack(page, pack);
  await expect(page.getByTestId('pack-refused-pickup')).toContainText(
    'Test vector 2 does not reproduce on this device',
  );
  await expect(page.getByText(/does not run this model/)).toBeVisible();
  await expect(page.getByTestId('pack-result-pickup')).toHaveCount(0);
});
