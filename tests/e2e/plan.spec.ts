import { expect, test, type Page } from '@playwright/test';
import { axe, fits, newPerson, setUpWorkspace, startRecord } from './helpers';

/**
 * The plan (issue 12 items 4, 5; issue 14 item 10): a physiotherapist, on a laptop, writes a
 * home-exercise plan and books the next visit; the patient, on a phone-sized screen, logs the
 * exercise done from the check-in in one tap, adds a goal, a question for the visit and a work
 * status on the Plan page; the physiotherapist sees the adherence, the question with the
 * appointment and the work status. axe on every new page and state; /plan fits 360 px.
 */

async function invite(patient: Page, person: Page, personPrint: string, name: string) {
  await patient.getByRole('button', { name: 'Invite someone' }).click();
  const code = await patient.getByTestId('link-code').inputValue();
  await person.getByLabel('Invite code from the patient').fill(code);
  await person.getByRole('button', { name: 'Send my answer' }).click();
  await expect(patient.getByRole('heading', { name: 'Who is asking' })).toBeVisible({
    timeout: 15_000,
  });
  await expect(patient.getByTestId('invitee-fingerprint')).toHaveText(personPrint);
  await patient.getByRole('button', { name: 'Share', exact: true }).click();
  await expect(patient.getByText(`${name} now has access.`)).toBeVisible();
  await person.getByRole('button', { name: /^Record / }).click({ timeout: 15_000 });
}

test('physiotherapist writes a home-exercise plan, the patient logs it done from the phone, the physiotherapist sees adherence', async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const patient = await newPerson(browser, 360, 740);
  await startRecord(patient);
  const physio = await newPerson(browser, 1280, 800);
  const physioPrint = await setUpWorkspace(physio, {
    kind: 'professional',
    name: 'Ana Jensen',
    profession: 'Physiotherapist',
    org: 'Fysio Nord',
  });
  await patient.getByRole('link', { name: 'Share' }).first().click();
  await invite(patient, physio, physioPrint, 'Ana Jensen');

  // The physiotherapist writes a home exercise and books the next visit (laptop).
  const panel = physio.getByTestId('plan-panel');
  await expect(panel).toBeVisible({ timeout: 15_000 });
  const form = panel.getByTestId('plan-item-form');
  await form.getByLabel('Kind').selectOption('exercise');
  await form.getByLabel('Exercise', { exact: true }).fill('Bird dog');
  await form.getByLabel('Sets', { exact: true }).fill('3');
  await form.getByLabel('Repetitions', { exact: true }).fill('10');
  await form.getByLabel('How often').fill('1');
  await form.getByLabel('Per', { exact: true }).selectOption('day');
  await form.getByRole('button', { name: 'Add to the plan' }).click();
  await expect(form.getByRole('status')).toHaveText('Bird dog is in the plan.');
  await expect(panel.getByTestId('plan-item')).toContainText('Home exercise: Bird dog');
  await expect(panel.getByTestId('plan-item')).toContainText('3 × 10 repetitions, once a day');
  // A bad dose is refused with a clear message, and nothing is added.
  await form.getByLabel('Exercise', { exact: true }).fill('Plank');
  await form.getByLabel('Sets', { exact: true }).fill('0');
  await form.getByRole('button', { name: 'Add to the plan' }).click();
  await expect(form.getByRole('alert')).toContainText('Check the fields');
  await expect(panel.getByTestId('plan-item')).toHaveCount(1);

  const next = new Date(Date.now() + 7 * 86_400_000);
  const day = `${next.getFullYear()}-${String(next.getMonth() + 1).padStart(2, '0')}-${String(next.getDate()).padStart(2, '0')}`;
  const appts = panel.getByTestId('appointments');
  await appts.getByLabel('With whom').fill('Ana Jensen, physiotherapist');
  await appts.getByLabel('Where (optional)').fill('Fysio Nord');
  await appts.getByLabel('Date').fill(day);
  await appts.getByLabel('Time').fill('14:30');
  await appts.getByRole('button', { name: 'Add appointment' }).click();
  await expect(appts.getByTestId('appointment')).toContainText('Ana Jensen, physiotherapist');
  await expect(panel.getByTestId('adherence-words')).toHaveText('Done on 0 of 1 days');
  await axe(physio);

  // The patient logs it done from the check-in, in one tap (phone).
  await patient.getByRole('link', { name: 'Check-in' }).first().click();
  const extras = patient.getByTestId('exercises-done');
  await expect(extras.getByTestId('exercise')).toContainText('Bird dog', { timeout: 15_000 });
  const done = extras.getByRole('button', { name: 'Done today: Bird dog' });
  await expect(done).toHaveAttribute('aria-pressed', 'false');
  await done.click();
  await expect(done).toHaveAttribute('aria-pressed', 'true');
  await expect(extras.getByRole('status')).toHaveText('Bird dog: marked done for today.');
  await fits(patient, 360);
  await axe(patient);
  await patient.screenshot({ path: 'test-results/plan/checkin-360.png', fullPage: true });

  // The physiotherapist sees the adherence.
  await expect(panel.getByTestId('adherence-words')).toHaveText('Done on 1 of 1 days', {
    timeout: 15_000,
  });
  await expect(panel.getByTestId('adherence')).toContainText('1 of 1');

  // The Plan page: the exercise is done today; a goal, a question and a work status.
  await patient.getByRole('link', { name: 'Plan', exact: true }).first().click();
  await expect(patient.getByRole('heading', { name: 'Your plan', level: 1 })).toBeVisible();
  await expect(patient.getByRole('button', { name: 'Done today: Bird dog' })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expect(patient.getByTestId('exercise-recent')).toHaveText(
    'done on 1 of 1 days in the last 2 weeks',
  );
  const goals = patient.getByTestId('goals');
  await goals.getByLabel('Your goal, in your own words').fill('Walk to work again');
  await goals.getByRole('button', { name: 'Add goal' }).click();
  await expect(goals.getByTestId('goal')).toContainText('Walk to work again');
  await expect(goals.getByTestId('goal')).toContainText('Working on it');

  const mine = patient.getByTestId('appointments');
  await expect(mine.getByTestId('appointment')).toContainText('Fysio Nord');
  await mine.getByLabel('A question for your next visit').fill('Can I start running again?');
  await mine.getByRole('button', { name: 'Add question' }).click();
  await expect(mine.getByTestId('appointment').getByTestId('plan-question')).toContainText(
    'Can I start running again?',
  );

  const work = patient.getByTestId('work');
  await work.getByLabel('Your work status').selectOption('reduced-hours');
  await work.getByLabel('Hours, as a percentage of usual').fill('50');
  await work.getByRole('button', { name: 'Save work status' }).click();
  await expect(work.getByTestId('work-now')).toContainText('Working reduced hours (50%)');
  await fits(patient, 360);
  await axe(patient);
  await patient.screenshot({ path: 'test-results/plan/plan-360.png', fullPage: true });
  await patient.setViewportSize({ width: 1280, height: 800 });
  await patient.screenshot({ path: 'test-results/plan/plan-1280.png', fullPage: true });

  // The physiotherapist sees the question with the appointment, the goal and the work status.
  await expect(appts.getByTestId('plan-question')).toContainText('Can I start running again?', {
    timeout: 15_000,
  });
  await expect(appts).toContainText('The patient’s questions for this visit');
  await expect(panel.getByTestId('goals')).toContainText('Walk to work again');
  await expect(panel.getByTestId('work-now')).toContainText('Working reduced hours (50%)');
  await expect(physio.getByTestId('summary-plan')).toContainText('Bird dog');
  await axe(physio);
  await physio.screenshot({ path: 'test-results/plan/physio-1280.png', fullPage: true });
});

test('the demo record’s plan: exercises, goals, work and the next visit with its questions', async ({
  page,
}) => {
  test.setTimeout(90_000);
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto('/');
  await page.getByRole('button', { name: 'Explore a demo record' }).click();
  await expect(page.getByRole('heading', { name: 'Your record' })).toBeVisible({
    timeout: 60_000,
  });
  await page.getByRole('link', { name: 'Plan', exact: true }).first().click();
  await expect(page.getByTestId('exercise')).toHaveCount(2);
  await expect(page.getByTestId('plan-items')).toContainText('Home exercise: Glute bridge');
  await expect(page.getByTestId('plan-items')).toContainText('3 × 12 repetitions, 3 times a week');
  await expect(page.getByTestId('goal')).toHaveCount(2);
  await expect(page.getByTestId('goals')).toContainText('Achieved');
  const next = page.getByTestId('appointment');
  await expect(next).toHaveCount(1);
  await expect(next.getByTestId('plan-question')).toHaveCount(2);
  await expect(page.getByTestId('work-now')).toContainText('Now: Working');
  await fits(page, 360);
  await axe(page);
  await page.screenshot({ path: 'test-results/plan/demo-plan-360.png', fullPage: true });
  // The patient cancels the visit: it leaves the list, and its two questions wait for the next.
  await next.getByRole('button', { name: 'Cancel appointment' }).click();
  await expect(page.getByTestId('appointments').getByRole('status')).toContainText(
    'cancelled. Its questions move to the next visit.',
  );
  await expect(page.getByTestId('appointment')).toHaveCount(0);
  await expect(page.getByTestId('appointments')).toContainText(
    'For your next visit (no appointment yet)',
  );
  await expect(page.getByTestId('plan-question')).toHaveCount(2);
  await axe(page);
});
