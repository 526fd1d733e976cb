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
