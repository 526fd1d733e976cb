import { test, expect, PASSWORD, hydrated, signUp, uniqueEmail } from './support';

test('a signed-out visitor signs in and comes back to the page asked for', async ({ page }, testInfo) => {
  const email = await signUp(page, testInfo, 'Grace Hopper');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL('/sign-in');

  await page.goto('/settings');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fsettings$/);
  await expect(page.getByRole('heading', { name: 'Sign in to Capstan' })).toBeVisible();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL('/settings');
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await expect(page.getByRole('banner').getByRole('link', { name: 'Grace Hopper' })).toBeVisible();
});

test('a wrong password gets a clear message that names no account', async ({ page }, testInfo) => {
  const email = await signUp(page, testInfo);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('The email or the password is wrong.');
  await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');
  await expect(page).toHaveURL(/\/sign-in/);

  // An address without an account gets the very same answer.
  await page.getByLabel('Email').fill(uniqueEmail('nobody'));
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('The email or the password is wrong.');
});

test('sign-up explains what is wrong with each field and creates nothing', async ({ page }, testInfo) => {
  await page.goto('/sign-up');
  if (hydrated(testInfo)) {
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  }
  const email = uniqueEmail('short');
  await page.getByLabel('Name').fill('Short Password');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toContainText('Use at least 10 characters.');
  await expect(page).toHaveURL(/\/sign-up/);

  // Nothing was created: signing in with that address fails.
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('The email or the password is wrong.');
});

test('the account page changes the password', async ({ page }, testInfo) => {
  const email = await signUp(page, testInfo);
  await page.getByRole('banner').getByRole('link', { name: 'Test Person' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Account' })).toBeVisible();
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByLabel('New password').fill('an even longer new password');
  await page.getByRole('button', { name: 'Change password' }).click();
  if (hydrated(testInfo)) {
    await expect(page.getByRole('status')).toContainText('Password changed.');
  }
  await page.goto('/account');
  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(page).toHaveURL('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('an even longer new password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL('/');
});

test('an invited viewer joins and sees only what a viewer may', async ({ page, browser }, testInfo) => {
  await signUp(page, testInfo, 'Owner Person');
  await page.goto('/settings');
  const members = page.getByRole('region', { name: 'Members' });
  await members.getByLabel('Role', { exact: true }).selectOption('viewer');
  await members.getByRole('button', { name: 'Create invitation link' }).click();
  const linkText = page.getByTestId('invitation-link');
  await expect(linkText).toContainText('/invite/');
  const link = (await linkText.textContent()) ?? '';

  const context = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    javaScriptEnabled: testInfo.project.use.javaScriptEnabled,
  });
  const guest = await context.newPage();
  await guest.goto(link);
  await expect(guest.getByRole('heading', { name: 'You are invited' })).toBeVisible();
  await expect(guest.getByText(/as viewer/)).toBeVisible();
  await guest.getByRole('link', { name: 'Create an account' }).click();
  await expect(guest.getByText('You were invited to an organization.')).toBeVisible();
  const guestEmail = uniqueEmail('viewer');
  await guest.getByLabel('Name').fill('Viewer Person');
  await guest.getByLabel('Email').fill(guestEmail);
  await guest.getByLabel('Password').fill(PASSWORD);
  await guest.getByRole('button', { name: 'Create account' }).click();
  await expect(guest).toHaveURL('/');
  await expect(guest.getByRole('banner')).toContainText('viewer');

  // A viewer sees the members but cannot change them or invite anyone.
  await guest.goto('/settings');
  const theirMembers = guest.getByRole('region', { name: 'Members' });
  await expect(theirMembers).toContainText(guestEmail);
  await expect(theirMembers.getByRole('button', { name: 'Save' })).toHaveCount(0);
  await expect(guest.getByRole('button', { name: 'Create invitation link' })).toHaveCount(0);
  await context.close();

  // The owner sees the new member, and the invitation in the activity.
  await page.goto('/settings');
  await expect(members).toContainText(guestEmail);
  await page.goto('/activity?action=member.invite');
  await expect(page.getByRole('table')).toContainText('member.invite');
  await expect(page.getByRole('table')).not.toContainText('account.sign-up');
});
