import { test, expect, bodyBackground, open, signUp } from './support';

// The theme switch is a form: hydrated it applies at once; without JavaScript the server sets the
// cookie and sends the browser back. Either way the choice is kept across reloads.

test.beforeEach(async ({ page }, testInfo) => {
  await signUp(page, testInfo);
});

test.describe('theme', () => {
  test.use({ colorScheme: 'light' });

  test('a choice applies at once and is kept across a reload', async ({ page }, testInfo) => {
    await open(page, testInfo, '/catalog');
    const html = page.locator('html');
    const themes = page.getByRole('group', { name: 'Colour theme' });
    await expect(html).toHaveAttribute('data-theme', 'system');
    await expect(themes.getByRole('button', { name: 'System' })).toHaveAttribute('aria-pressed', 'true');
    const light = await bodyBackground(page);

    await themes.getByRole('button', { name: 'Dark' }).click();
    await expect(html).toHaveAttribute('data-theme', 'dark');
    await expect(themes.getByRole('button', { name: 'Dark' })).toHaveAttribute('aria-pressed', 'true');
    await expect(themes.getByRole('button', { name: 'System' })).toHaveAttribute('aria-pressed', 'false');
    await expect(page).toHaveURL('/catalog');
    const dark = await bodyBackground(page);
    expect(dark).not.toBe(light);

    await page.reload();
    await expect(html).toHaveAttribute('data-theme', 'dark');
    expect(await bodyBackground(page)).toBe(dark);
    await expect(themes.getByRole('button', { name: 'Dark' })).toHaveAttribute('aria-pressed', 'true');

    await open(page, testInfo, '/settings');
    await expect(html).toHaveAttribute('data-theme', 'dark');

    await themes.getByRole('button', { name: 'Light' }).click();
    await expect(html).toHaveAttribute('data-theme', 'light');
    await page.reload();
    await expect(html).toHaveAttribute('data-theme', 'light');
    expect(await bodyBackground(page)).toBe(light);
  });
});

test.describe('theme on a dark system', () => {
  test.use({ colorScheme: 'dark' });

  test('"System" follows the system, and "Light" overrides it', async ({ page }, testInfo) => {
    await open(page, testInfo, '/');
    const html = page.locator('html');
    await expect(html).toHaveAttribute('data-theme', 'system');
    const systemDark = await bodyBackground(page);

    await page.getByRole('group', { name: 'Colour theme' }).getByRole('button', { name: 'Light' }).click();
    await expect(html).toHaveAttribute('data-theme', 'light');
    await expect.poll(() => bodyBackground(page)).not.toBe(systemDark);

    await page.getByRole('group', { name: 'Colour theme' }).getByRole('button', { name: 'System' }).click();
    await expect(html).toHaveAttribute('data-theme', 'system');
    await expect.poll(() => bodyBackground(page)).toBe(systemDark);
  });
});
