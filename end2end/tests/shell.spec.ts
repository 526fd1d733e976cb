import { test, expect, expectCspViolation, hydrated, open, signUp } from './support';

test.beforeEach(async ({ page }, testInfo) => {
  await signUp(page, testInfo);
});

const SECTIONS = [
  { name: 'Catalog', path: '/catalog' },
  { name: 'Activity', path: '/activity' },
  { name: 'Settings', path: '/settings' },
  { name: 'Clusters', path: '/clusters' },
];

test('the shell renders: product, navigation, page, footer with version', async ({ page }, testInfo) => {
  const response = await open(page, testInfo, '/');
  expect(response?.status()).toBe(200);

  await expect(page.getByRole('banner').getByRole('link', { name: 'Capstan' })).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Primary' });
  for (const { name } of SECTIONS) {
    await expect(nav.getByRole('link', { name })).toBeVisible();
  }
  await expect(nav.getByRole('link', { name: 'Clusters' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('heading', { level: 1, name: 'Clusters' })).toBeVisible();
  await expect(page.getByRole('contentinfo')).toContainText(/Capstan v\d+\.\d+\.\d+/);

  // The stylesheet is served and applied: links are laid out as a styled list, not bullets.
  const listStyle = await nav.locator('ul').evaluate((ul) => getComputedStyle(ul).listStyleType);
  expect(listStyle).toBe('none');
});

test('navigation reaches every section and marks the current one', async ({ page }, testInfo) => {
  await open(page, testInfo, '/');
  if (hydrated(testInfo)) {
    // After hydration, moving between sections must not reload the document.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  }
  const nav = page.getByRole('navigation', { name: 'Primary' });
  for (const { name, path } of SECTIONS) {
    await nav.getByRole('link', { name }).click();
    await expect(page).toHaveURL(path);
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
    await expect(page).toHaveTitle(`${name} · Capstan`);
    await expect(nav.getByRole('link', { name })).toHaveAttribute('aria-current', 'page');
    await expect(nav.locator('[aria-current="page"]')).toHaveCount(1);
  }
  if (hydrated(testInfo)) {
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  }
});

test('the cluster list downloads no other page\'s code; a page\'s code comes on its first visit', async ({ page }, testInfo) => {
  test.skip(!hydrated(testInfo), 'code is only downloaded with JavaScript');
  // The wasm of every page but the cluster list is split out of the main bundle (`--split`).
  const pageCode: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (/^\/pkg\/split_.*\.wasm$/.test(path)) pageCode.push(path);
  });
  await open(page, testInfo, '/');
  expect(pageCode).toEqual([]);

  // Going to the catalog fetches its code, and the page works with it: typing filters the list.
  await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Catalog' }).click();
  await expect(page).toHaveURL('/catalog');
  await page.getByLabel('Search the catalog').fill('web app');
  await expect(page).toHaveURL(/\/catalog\?q=web%20app$/);
  expect(pageCode).toEqual([expect.stringMatching(/^\/pkg\/split___catalog_route_view_\d+\.wasm$/)]);
});

test('settings shows facts read from the portal database', async ({ page }, testInfo) => {
  await open(page, testInfo, '/settings');
  const about = page.getByRole('region', { name: 'About this portal' });
  await expect(about.getByRole('definition').nth(1)).toHaveText('SQLite');
  // Every migration applied: the newest is 0008 (the kubeconfigs issued).
  await expect(about).toContainText(/Schema version\s*8/);
  await expect(about).toContainText(/Schema version\s*\d+/);
  await expect(about).toContainText(/Installed\s*\d{4}-\d{2}-\d{2}T/);
  // A new organization runs on the built-in local orchestrator.
  await expect(page.getByTestId('credentials-summary')).toContainText('The built-in local orchestrator');
  // Asked of the embedded local orchestrator, over HTTP, by the server.
  await expect(about).toContainText(/Orchestration\s*Local orchestrator \(http:\/\/127\.0\.0\.1:\d+/);
  await expect(about).toContainText(/Kubernetes versions\s*\d+\.\d+\.\d+(, \d+\.\d+\.\d+)+/);
});

test('an unknown address is a 404 page with a way back', async ({ page }, testInfo) => {
  const response = await open(page, testInfo, '/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Primary' })).toBeVisible();
  await page.getByRole('link', { name: 'Back to clusters' }).click();
  await expect(page).toHaveURL('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Clusters' })).toBeVisible();
});

test('keyboard users can skip to the content', async ({ page }, testInfo) => {
  await open(page, testInfo, '/');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
});

test('the activity page lists what the account did', async ({ page }, testInfo) => {
  await open(page, testInfo, '/activity');
  const table = page.getByRole('table', { name: 'Activity, newest first' });
  await expect(table).toContainText('account.sign-up');
  await page.getByLabel('Action').fill('no.such.action');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/action=no.such.action/);
  await expect(page.getByText('Nothing here yet.')).toBeVisible();
});

test('a new organization sees an empty cluster list that says what will be there', async ({ page }, testInfo) => {
  await open(page, testInfo, '/clusters');
  await expect(page.getByRole('heading', { name: 'No clusters yet' })).toBeVisible();
});

test('pages carry their Content-Security-Policy and still hydrate under it', async ({ page }, testInfo) => {
  const response = await open(page, testInfo, '/');
  const headers = response?.headers() ?? {};
  const policy = headers['content-security-policy'] ?? '';
  expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]+' 'wasm-unsafe-eval'/);
  expect(policy).toContain("frame-ancestors 'none'");
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['cache-control']).toBe('no-store');
  // A script the page did not bring (no nonce) is refused by the browser; the test's guard would
  // report the violation, so it is caught here instead.
  if (hydrated(testInfo)) {
    expectCspViolation(/inline script/);
    const ran = await page.evaluate(
      () =>
        new Promise<boolean>((resolve) => {
          const w = window as unknown as { injected?: boolean };
          document.addEventListener('securitypolicyviolation', () => resolve(w.injected === true), { once: true });
          const script = document.createElement('script');
          script.textContent = 'window.injected = true';
          document.body.appendChild(script);
          setTimeout(() => resolve(w.injected === true), 2000);
        }),
    );
    expect(ran, 'an injected inline script must not run').toBe(false);
  }
});
