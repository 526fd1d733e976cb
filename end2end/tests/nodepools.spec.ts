import { type Page, type TestInfo } from '@playwright/test';
import { test, expect, hydrated, open, signUp, createCluster } from './support';

// Day two on a running cluster, with and without JavaScript: the Nodepools tab, adding a pool
// with labels and a taint (bad input refused first, what was typed kept), watching it come up,
// editing its labels and instance type (the changes shown before saving), and removing it with
// its name typed back.

/** A nodepool's card on the Nodepools tab. */
function pool(page: Page, name: string) {
  return page.getByRole('region', { name: `Nodepool ${name}` });
}

/**
 * Waits until `check` holds on the page at `path`: live when hydrated (the page follows the
 * cluster's stream; `check` gets a minute), by reloading without JavaScript (as a person
 * would; each look gets a second, the whole wait a minute and a half).
 */
async function until(
  page: Page,
  testInfo: TestInfo,
  path: string,
  check: (timeout: number) => Promise<void>,
) {
  if (hydrated(testInfo)) {
    await check(60_000);
    return;
  }
  await expect(async () => {
    await page.goto(path);
    await check(1_000);
  }).toPass({ timeout: 90_000, intervals: [500] });
}

test('add a nodepool to a running cluster, watch it come up, edit it, remove it', async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  await signUp(page, testInfo);
  const detail = await createCluster(page, testInfo, 'pools-e2e', 1);
  const tab = `${detail}/nodepools`;
  await open(page, testInfo, tab);
  await until(page, testInfo, tab, (timeout) =>
    expect(pool(page, 'workers')).toContainText('1 of 1 running', { timeout }),
  );

  // Bad input is refused with the field named, and what was typed stays.
  await page.getByRole('link', { name: 'Add a nodepool' }).click();
  await expect(page).toHaveURL(`${tab}/new`);
  if (hydrated(testInfo)) {
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  }
  await page.getByLabel('New nodepool name').fill('batch');
  await page.getByLabel('New nodepool size (nodes)').fill('many');
  await page.getByLabel('New nodepool labels').fill('tier=batch');
  await page.getByLabel('New nodepool taints').fill('batch=yes:NoSchedule');
  await page.getByRole('button', { name: 'Add nodepool' }).click();
  const summary = page.getByRole('alert').filter({ hasText: 'Please check these fields' });
  await expect(summary).toContainText('Size: must be a whole number of nodes');
  await expect(page.getByLabel('New nodepool name')).toHaveValue('batch');

  // A good one: its cost and the request beside it (as typed, when hydrated), then added.
  await page.getByLabel('New nodepool size (nodes)').fill('1');
  if (hydrated(testInfo)) {
    await expect(page.getByTestId('pool-cost')).toContainText('+€');
    await expect(page.getByText('exo compute sks nodepool add pools-e2e batch')).toBeVisible();
  }
  await page.getByRole('button', { name: 'Add nodepool' }).click();
  await expect(page).toHaveURL(tab);
  await until(page, testInfo, tab, (timeout) =>
    expect(pool(page, 'batch')).toContainText('1 of 1 running', { timeout }),
  );
  await expect(pool(page, 'batch')).toContainText('tier=batch');
  await expect(pool(page, 'batch')).toContainText('batch=yes:NoSchedule');

  // Edited: labels and instance type; before saving, the changes say they wait for new nodes.
  await pool(page, 'batch').getByRole('link', { name: 'Edit nodepool batch' }).click();
  if (hydrated(testInfo)) {
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  }
  await expect(page.getByLabel('Nodepool name')).toHaveValue('batch');
  await page.getByLabel('Nodepool labels').fill('tier=batch\nowner=data');
  const types = page.getByLabel('Nodepool instance type');
  const small = await types.locator('option', { hasText: 'standard.small' }).getAttribute('value');
  await types.selectOption(small!);
  if (hydrated(testInfo)) {
    const changes = page.getByRole('region', { name: 'Changes' });
    await expect(changes.getByRole('row', { name: /Instance type/ })).toContainText('new nodes');
    await expect(changes.getByRole('row', { name: /Labels/ })).toContainText('owner=data');
  }
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page).toHaveURL(tab);
  await until(page, testInfo, tab, (timeout) => expect(pool(page, 'batch')).toContainText('owner=data', { timeout }));
  await expect(pool(page, 'batch')).toContainText('standard.small');

  // Removed once its name is typed back.
  await pool(page, 'batch').getByRole('link', { name: 'Remove nodepool batch' }).click();
  await expect(page.getByRole('heading', { name: 'Remove nodepool batch' })).toBeVisible();
  await page.getByLabel('Type batch to confirm').fill('batch');
  await page.getByRole('button', { name: 'Remove nodepool' }).click();
  await expect(page).toHaveURL(tab);
  await until(page, testInfo, tab, (timeout) => expect(pool(page, 'batch')).toHaveCount(0, { timeout }));
  await expect(pool(page, 'workers')).toBeVisible();
});
