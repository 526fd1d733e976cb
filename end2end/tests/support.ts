import { expect, type Page, type TestInfo } from '@playwright/test';

/** Whether the test runs in the project with JavaScript (and so hydration). */
export function hydrated(testInfo: TestInfo): boolean {
  return testInfo.project.name === 'hydrated';
}

/**
 * Opens `path` and, in the hydrated project, waits until the wasm has taken over the page, so
 * that clicks exercise the interactive app rather than the server-rendered HTML.
 */
export async function open(page: Page, testInfo: TestInfo, path: string) {
  const response = await page.goto(path);
  if (hydrated(testInfo)) {
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  }
  return response;
}

/** The computed background colour of the page body. */
export async function bodyBackground(page: Page): Promise<string> {
  return page.locator('body').evaluate((body) => getComputedStyle(body).backgroundColor);
}

/** A new, unique email address. */
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e9)}@example.com`;
}

export const PASSWORD = 'a long enough password';

/** Creates an account through the sign-up form and waits for the portal's home page. */
export async function signUp(page: Page, testInfo: TestInfo, name = 'Test Person', email = uniqueEmail()) {
  await page.goto('/sign-up');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL('/');
  if (hydrated(testInfo)) {
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  }
  await expect(page.getByRole('banner').getByRole('link', { name })).toBeVisible();
  return email;
}
