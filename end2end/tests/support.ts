import { test as base, expect, type BrowserContext, type Page, type TestInfo } from '@playwright/test';

export { expect };

/**
 * Content-Security-Policy violations the browser reported during the current test, from every
 * context (the test's own and any it opened).
 */
const violations: string[] = [];
const guarded = new WeakSet<BrowserContext>();
/** Violations a test causes on purpose (to show the policy holds), by what they say. */
const expected: RegExp[] = [];

/** Lets the current test cause violations matching `pattern` (and only those). */
export function expectCspViolation(pattern: RegExp) {
  expected.push(pattern);
}

/** Records what `context`'s pages report about the Content-Security-Policy. */
function guard(context: BrowserContext) {
  if (guarded.has(context)) return;
  guarded.add(context);
  context.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      violations.push(`${message.location().url}: ${message.text()}`);
    }
  });
}

/**
 * Playwright's `test`, failing any test during which a page reported a Content-Security-Policy
 * violation (an inline script without the nonce, a blocked load, a blocked wasm compile…).
 * Every spec imports `test` from here.
 */
export const test = base.extend<{ cspGuard: void }, { cspBrowser: void }>({
  cspBrowser: [
    async ({ browser }, use) => {
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const context = await newContext(options);
        guard(context);
        return context;
      };
      await use();
    },
    { scope: 'worker', auto: true },
  ],
  context: async ({ context }, use) => {
    guard(context);
    await use(context);
  },
  cspGuard: [
    async ({}, use) => {
      violations.length = 0;
      expected.length = 0;
      await use();
      const unexpected = violations.filter((v) => !expected.some((pattern) => pattern.test(v)));
      expect(unexpected, 'Content-Security-Policy violations reported by the browser').toEqual([]);
    },
    { auto: true },
  ],
});

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

/**
 * Creates a cluster in ch-gva-2 with one nodepool `workers` of `size` nodes through the wizard
 * (its steps when hydrated, its single form without JavaScript), and waits for its page.
 * Returns the path of the cluster's page.
 */
export async function createCluster(page: Page, testInfo: TestInfo, name: string, size = 2): Promise<string> {
  await open(page, testInfo, '/clusters/new');
  await page.getByLabel('Name', { exact: true }).fill(name);
  if (hydrated(testInfo)) {
    for (let i = 0; i < 3; i++) {
      await page.getByRole('button', { name: 'Next' }).click();
    }
  }
  await page.getByLabel('Nodepool 1 name').fill('workers');
  await page.getByLabel('Nodepool 1 size (nodes)').fill(String(size));
  if (hydrated(testInfo)) {
    await page.getByRole('button', { name: 'Next' }).click();
  }
  await page.getByRole('button', { name: 'Create cluster' }).click();
  await expect(page).toHaveURL(/\/clusters\/ch-gva-2\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  return new URL(page.url()).pathname;
}
