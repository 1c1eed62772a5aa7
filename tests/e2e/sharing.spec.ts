import { expect, test, type Browser, type Page } from '@playwright/test';
import { axe, setUpWorkspace, startRecord } from './helpers';

/**
 * Sharing as three people meet it, each in their own browser: a patient, a physiotherapist and a
 * sister. The patient invites both; the physio reads the check-ins and writes a note the patient
 * sees with its provenance; the sister reads only; the patient ends the physio's access, and from
 * then on the physio gets nothing new while the sister keeps syncing.
 */

async function newPerson(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/');
  return page;
}

/** The patient invites; the person answers; the patient checks the numbers and shares. */
async function invite(patient: Page, person: Page, personPrint: string, name: string) {
  await patient.getByRole('button', { name: 'Invite someone' }).click();
  const code = await patient.getByTestId('link-code').inputValue();
  await person.getByLabel('Invite code from the patient').fill(code);
  await person.getByRole('button', { name: 'Send my answer' }).click();
  await expect(person.getByTestId('ws-status')).toContainText('The patient now checks');
  await expect(patient.getByRole('heading', { name: 'Who is asking' })).toBeVisible({
    timeout: 15_000,
  });
  await expect(patient.getByTestId('invitee')).toContainText(name);
  await expect(patient.getByTestId('invitee-fingerprint')).toHaveText(personPrint);
  await patient.screenshot({
    path: `test-results/consent-${name.split(' ')[0]}.png`,
    fullPage: true,
  });
  await patient.getByRole('button', { name: 'Share', exact: true }).click();
  await expect(patient.getByText(`${name} now has access.`)).toBeVisible();
  // The person's workspace opens the record once the manifest lists them.
  await person.getByRole('button', { name: /^Record / }).click({ timeout: 15_000 });
}

test('a patient shares with a physiotherapist and a sister, then ends the physio’s access', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const patient = await newPerson(browser);
  await startRecord(patient);
  await patient.getByRole('link', { name: 'Check-in' }).first().click();
  await patient.getByRole('radio', { name: '7 — Low back pain' }).click();
  await patient.getByLabel('Anything to add? (optional)').fill('sore after lifting boxes');
  await patient.getByRole('button', { name: 'Save check-in' }).click();
  await expect(patient.getByTestId('checkin-saved')).toHaveText(
    'Saved: Low back pain 7/10, with your note.',
  );

  const physio = await newPerson(browser);
  const physioPrint = await setUpWorkspace(physio, {
    kind: 'professional',
    name: 'Ana Jensen',
    profession: 'Physiotherapist',
    org: 'Fysio Nord',
  });
  const sister = await newPerson(browser);
  const sisterPrint = await setUpWorkspace(sister, { kind: 'relative', name: 'Maja' });
  await axe(physio);

  await patient.getByRole('link', { name: 'Share' }).first().click();
  await invite(patient, physio, physioPrint, 'Ana Jensen');
  await invite(patient, sister, sisterPrint, 'Maja');

  // Both read the check-in; the physio may write, the sister only reads.
  await expect(physio.getByText('sore after lifting boxes')).toBeVisible({ timeout: 15_000 });
  await expect(sister.getByText('sore after lifting boxes')).toBeVisible({ timeout: 15_000 });
  await expect(sister.getByTestId('shared-role')).toHaveText('You can read this record.');
  await expect(sister.getByRole('button', { name: 'Add note' })).toHaveCount(0);
  // The physio's one-page summary of the record, each fact with its source.
  await expect(physio.getByText('Low back pain: 7/10')).toBeVisible();
  await expect(physio.getByRole('heading', { name: 'Summary' })).toBeVisible();
  // Printed for the consultation: the summary stays, the forms and the workspace chrome go.
  await physio.emulateMedia({ media: 'print' });
  await expect(physio.getByLabel('New note')).toBeHidden();
  await expect(physio.getByText('Low back pain: 7/10')).toBeVisible();
  await physio.emulateMedia({ media: 'screen' });
  await physio.getByLabel('New note').fill('Graded walking, 10 minutes a day.');
  await physio.getByRole('button', { name: 'Add note' }).click();
  await physio.getByLabel('Message to the patient').fill('How did the walking go?');
  await physio.getByRole('button', { name: 'Send message' }).click();
  await physio.screenshot({ path: 'test-results/workspace.png', fullPage: true });
  await axe(physio);

  // The patient sees the note with who wrote it, in which role and sector.
  await patient.getByRole('link', { name: 'Record' }).first().click();
  await expect(patient.getByText('Graded walking, 10 minutes a day.')).toBeVisible({
    timeout: 15_000,
  });
  await expect(patient.getByText('Ana Jensen · professional, Physiotherapy').first()).toBeVisible();
  await expect(sister.getByText('Graded walking, 10 minutes a day.', { exact: true })).toBeVisible({
    timeout: 15_000,
  });

  // The Messages tab counts the physio's unread message on every page, until it is read.
  await expect(patient.getByTestId('unread-count')).toHaveText('1', { timeout: 15_000 });
  await expect(patient.getByRole('link', { name: /Messages.*1 new message/ })).toBeVisible();
  await patient.screenshot({ path: 'test-results/unread-badge.png' });
  // The physio's message reaches the patient's dialogue; the patient answers.
  await patient.getByRole('link', { name: 'Messages' }).first().click();
  await expect(patient.getByTestId('messages')).toContainText('How did the walking go?');
  await expect(patient.getByTestId('new-count')).toHaveText('1 new message');
  await expect(patient.getByTestId('unread-count')).toHaveCount(0);
  await expect(patient.getByTestId('messages')).toContainText('Ana Jensen · professional');
  await patient.getByLabel('Your question or message').fill('Better, thank you.');
  await patient.getByRole('button', { name: 'Send message' }).click();
  await expect(physio.getByTestId('messages')).toContainText('Better, thank you.', {
    timeout: 15_000,
  });
  await expect(physio.getByTestId('new-count')).toHaveText('1 new message');

  // A question for the next visit; the physio answers it, and the summary shows the answer.
  await patient.getByLabel('Your question or message').fill('Can I start running again?');
  await patient.getByLabel('A question for my next visit').check();
  await patient.getByRole('button', { name: 'Send message' }).click();
  const question = physio
    .getByTestId('messages')
    .getByRole('listitem')
    .filter({ hasText: 'Can I start running again?' });
  await expect(question).toContainText('for the next visit', { timeout: 15_000 });
  await question.getByRole('button', { name: 'Reply to the patient' }).click();
  await expect(physio.getByText('Replying to: “Can I start running again?”')).toBeVisible();
  await physio
    .getByLabel('Message to the patient')
    .fill('Yes: start with 5 minutes, every other day.');
  await physio.getByRole('button', { name: 'Send message' }).click();
  await expect(physio.getByTestId('visit-question')).toContainText(
    'Answered by Ana Jensen: Yes: start with 5 minutes, every other day.',
  );
  await expect(patient.getByTestId('messages')).toContainText(
    'In reply to “Can I start running again?”',
    { timeout: 15_000 },
  );

  // The access page: who has what; end the physio's access.
  await patient.getByRole('link', { name: 'Share' }).first().click();
  await expect(patient.getByTestId('access-row')).toHaveCount(2);
  await expect(patient.getByTestId('access-list')).toContainText('Physiotherapist');
  await patient.screenshot({ path: 'test-results/access.png', fullPage: true });
  await axe(patient);
  await patient.getByRole('button', { name: 'End access for Ana Jensen' }).click();
  await expect(patient.getByText('What they have already seen cannot be recalled.')).toBeVisible();
  await patient.getByRole('button', { name: 'End access now' }).click();
  await expect(patient.getByText('Access ended.')).toBeVisible();
  await expect(patient.getByTestId('access-row')).toHaveCount(1);
  await expect(patient.getByTestId('audit')).toContainText('Ended access for Ana Jensen');

  // The physio is cut off; what comes after reaches only the sister.
  await expect(physio.getByTestId('access-ended')).toBeVisible({ timeout: 20_000 });
  await patient.getByRole('link', { name: 'Check-in' }).first().click();
  await patient.getByRole('radio', { name: '3 — Low back pain' }).click();
  await patient.getByLabel('Anything to add? (optional)').fill('better after the walks');
  await patient.getByRole('button', { name: 'Save check-in' }).click();
  await expect(sister.getByText('better after the walks')).toBeVisible({ timeout: 20_000 });
  await physio.waitForTimeout(1500);
  await expect(physio.getByText('better after the walks')).toHaveCount(0);
  await expect(physio.getByText('sore after lifting boxes')).toBeVisible();
});

test('a relative opens the invite link, sets up a workspace, and answers it', async ({
  browser,
}) => {
  const patient = await newPerson(browser);
  await startRecord(patient);
  await patient.getByRole('link', { name: 'Share' }).first().click();
  await patient.getByRole('button', { name: 'Invite someone' }).click();
  const link = await patient.getByTestId('link-code').inputValue();
  // The code rides only in the fragment, which browsers never send to a server.
  expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#invite=backpack-invite%3A/);

  const sister = await (await browser.newContext()).newPage();
  await sister.goto(link);
  await expect(sister.getByTestId('invited')).toBeVisible();
  await expect(sister).toHaveURL(/\/$/); // and it left the address bar at once
  const print = await setUpWorkspace(sister, { kind: 'relative', name: 'Maja' });
  await expect(sister.getByLabel('Invite code from the patient')).toHaveValue(/^backpack-invite:/);
  await sister.getByRole('button', { name: 'Send my answer' }).click();
  await expect(patient.getByRole('heading', { name: 'Who is asking' })).toBeVisible({
    timeout: 15_000,
  });
  await expect(patient.getByTestId('invitee-fingerprint')).toHaveText(print);

  // A second invite link, opened in the tab where her workspace is already open, fills in too.
  await patient.getByRole('button', { name: 'Cancel', exact: true }).click();
  await patient.getByRole('button', { name: 'Invite someone' }).click();
  const second = await patient.getByTestId('link-code').inputValue();
  expect(second).not.toBe(link);
  await sister.getByLabel('Invite code from the patient').fill('');
  await sister.goto(second);
  await expect(sister.getByText('The invite from your link is filled in below.')).toBeVisible();
  await expect(sister.getByLabel('Invite code from the patient')).toHaveValue(
    decodeURIComponent(second.split('#invite=')[1]!),
  );
  await expect(sister).toHaveURL(/\/$/);
});
