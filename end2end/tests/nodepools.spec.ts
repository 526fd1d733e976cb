import { type Page, type TestInfo } from '@playwright/test';
import { test, expect, hydrated, open, signUp, createCluster } from './support';

// Day two on a running cluster, with and without JavaScript: the Nodepools tab, adding a pool
// with labels and a taint (bad input refused first, what was typed kept), watching it come up,
// editing its labels and instance type (the changes shown before saving), recycling it (every
// node with surge 1, then one node), and removing it with its name typed back.

/** A nodepool's card on the Nodepools tab. */
function pool(page: Page, name: string) {
  return page.getByRole('region', { name: `Nodepool ${name}`, exact: true });
}

/** The names of a pool's nodes, as its instance table lists them. */
async function nodes(page: Page, name: string): Promise<string[]> {
  const cells = pool(page, name).locator('tbody tr td:first-child');
  return (await cells.allTextContents()).map((n) => n.trim());
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

test('add a nodepool to a running cluster, watch it come up, edit it, recycle it, remove it', async ({ page }, testInfo) => {
  test.setTimeout(360_000);
  await signUp(page, testInfo);
  const detail = await createCluster(page, testInfo, 'pools-e2e', 1);
  const tab = `${detail}/nodepools`;
  await open(page, testInfo, tab);
  await until(page, testInfo, tab, (timeout) =>
    expect(pool(page, 'workers')).toContainText('1 of 1 running', { timeout }),
  );

  // The Overview's Health card: the service's checks, asked again on demand.
  await open(page, testInfo, detail);
  const health = page.getByRole('region', { name: 'Health' });
  await expect(health.getByRole('row', { name: /nodes-ready/ })).toContainText('1 of 1 nodes ready');
  await expect(health.getByRole('row', { name: /security-groups/ })).toBeVisible();
  await health.getByRole('button', { name: 'Check again' }).click();
  await expect(health.getByRole('row', { name: /control-plane/ })).toContainText('ok');
  await open(page, testInfo, tab);

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
  await page.getByLabel('New nodepool size (nodes)').fill('2');
  if (hydrated(testInfo)) {
    await expect(page.getByTestId('pool-cost')).toContainText('+€');
    await expect(page.getByText('exo compute sks nodepool add pools-e2e batch')).toBeVisible();
  }
  await page.getByRole('button', { name: 'Add nodepool' }).click();
  await expect(page).toHaveURL(tab);
  await until(page, testInfo, tab, (timeout) =>
    expect(pool(page, 'batch')).toContainText('2 of 2 running', { timeout }),
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

  // Recycled, every node with surge 1: the plan shows on the tab until each node is replaced.
  const before = await nodes(page, 'batch');
  expect(before).toHaveLength(2);
  await pool(page, 'batch').getByRole('link', { name: 'Recycle nodepool batch' }).click();
  await expect(page.getByRole('heading', { name: 'Recycle nodepool batch' })).toBeVisible();
  if (hydrated(testInfo)) {
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  }
  await page.getByLabel('Extra nodes at a time (surge)').fill('1');
  if (hydrated(testInfo)) {
    await expect(page.getByRole('status').filter({ hasText: 'round(s)' })).toContainText('2 node(s) replaced in 2 round(s) of up to 1');
  }
  await page.getByRole('button', { name: 'Start recycle' }).click();
  await expect(page).toHaveURL(tab);
  const rolling = page.getByRole('region', { name: 'Recycle nodepool batch, 1 node(s) at a time' });
  await until(page, testInfo, tab, (timeout) => expect(rolling).toContainText('1 of 1 steps done', { timeout }));
  await expect(rolling).toContainText('2 of 2 nodes replaced');
  await until(page, testInfo, tab, (timeout) =>
    expect(pool(page, 'batch')).toContainText('2 of 2 running', { timeout }),
  );
  const after = await nodes(page, 'batch');
  expect(after).toHaveLength(2);
  for (const old of before) expect(after).not.toContain(old);

  // One node: its "Replace" link preselects it; the other node stays.
  const [gone, kept] = after;
  await pool(page, 'batch').getByRole('link', { name: `Replace node ${gone}` }).click();
  await expect(page.getByLabel('Node', { exact: true })).toHaveValue(/.+/);
  await page.getByRole('button', { name: 'Start recycle' }).click();
  await expect(page).toHaveURL(tab);
  const single = page.getByRole('region', { name: `Recycle node ${gone} of nodepool batch` });
  await until(page, testInfo, tab, (timeout) => expect(single).toContainText('1 of 1 steps done', { timeout }));
  await until(page, testInfo, tab, (timeout) =>
    expect(pool(page, 'batch')).toContainText('2 of 2 running', { timeout }),
  );
  const last = await nodes(page, 'batch');
  expect(last).toContain(kept);
  expect(last).not.toContain(gone);

  // Removed once its name is typed back.
  await pool(page, 'batch').getByRole('link', { name: 'Remove nodepool batch' }).click();
  await expect(page.getByRole('heading', { name: 'Remove nodepool batch' })).toBeVisible();
  await page.getByLabel('Type batch to confirm').fill('batch');
  await page.getByRole('button', { name: 'Remove nodepool' }).click();
  await expect(page).toHaveURL(tab);
  await until(page, testInfo, tab, (timeout) => expect(pool(page, 'batch')).toHaveCount(0, { timeout }));
  await expect(pool(page, 'workers')).toBeVisible();
});
