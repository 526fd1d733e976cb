import { test, expect } from '@playwright/test';
import { PASSWORD, hydrated, signUp, uniqueEmail } from './support';

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
