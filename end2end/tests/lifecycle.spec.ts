import { type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { test, expect, hydrated, open, signUp } from './support';

// A cluster's whole life in the browser, against the portal as `make run` starts it with a fast
// orchestrator: create through the wizard, watch it come up live (no reloads), scale a pool up
// and down choosing the node that leaves, upgrade, download a kubeconfig, delete.

const NAME = 'life-e2e';

/** A tab of the cluster's pages. */
function tab(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Cluster sections' }).getByRole('link', { name });
}

/** The nodepool's section on the cluster page. */
function pool(page: Page, name: string) {
  return page.getByRole('region', { name: `Nodepool ${name}` });
}

test('create, watch, scale, upgrade, get a kubeconfig and delete a cluster', async ({ page }, testInfo) => {
  test.skip(!hydrated(testInfo), 'live progress needs JavaScript');
  test.setTimeout(240_000);
  await signUp(page, testInfo);

  // The wizard: two nodepools, a version one minor behind the newest so it can be upgraded.
  await open(page, testInfo, '/clusters/new');
  await page.getByLabel('Name', { exact: true }).fill(NAME);
  await page.getByLabel('Kubernetes version').selectOption('1.35.6');
  for (let i = 0; i < 3; i++) {
    await page.getByRole('button', { name: 'Next' }).click();
  }
  await page.getByLabel('Nodepool 1 name').fill('workers');
  await page.getByLabel('Nodepool 1 size (nodes)').fill('2');
  await page.getByRole('button', { name: 'Add a nodepool' }).click();
  await page.getByLabel('Nodepool 2 name').fill('batch');
  await page.getByLabel('Nodepool 2 size (nodes)').fill('1');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Create cluster' }).click();
  await expect(page).toHaveURL(/\/clusters\/ch-gva-2\/[0-9a-f-]{36}$/);
  const detail = page.url();

  // It comes up without a reload: the cluster runs, every instance of both pools runs.
  await expect(page.getByRole('heading', { level: 1, name: NAME })).toBeVisible();
  await expect(pool(page, 'workers')).toContainText('2 of 2 instances running', { timeout: 60_000 });
  await expect(pool(page, 'batch')).toContainText('1 of 1 instances running', { timeout: 60_000 });
  await expect(page.getByTestId('cluster-state')).toHaveText('running', { timeout: 60_000 });

  // Scale up.
  await pool(page, 'workers').getByRole('link', { name: 'Scale' }).click();
  await expect(page.getByRole('heading', { name: 'Scale nodepool workers' })).toBeVisible();
  await page.getByLabel('New size (nodes)').fill('3');
  await expect(page.getByText('Adds 1 node(s): 2 → 3.')).toBeVisible();
  await expect(page.getByTestId('scale-cost')).toContainText('+€');
  await page.getByRole('button', { name: 'Scale', exact: true }).click();
  await expect(page).toHaveURL(detail);
  await expect(pool(page, 'workers')).toContainText('3 of 3 instances running', { timeout: 60_000 });

  // Scale down, choosing the node that leaves.
  await pool(page, 'workers').getByRole('link', { name: 'Scale' }).click();
  await page.getByLabel('New size (nodes)').fill('2');
  const leaving = page.getByRole('group', { name: /nodes to remove/ }).getByRole('checkbox').first();
  const leavingName = (await leaving.locator('xpath=..').innerText()).trim().split(/\s+/)[0];
  await leaving.check();
  await expect(page.getByText(/Removes 1 node\(s\): 3 → 2; the ones you chose\./)).toBeVisible();
  await page.getByRole('button', { name: 'Scale', exact: true }).click();
  await expect(page).toHaveURL(detail);
  await expect(pool(page, 'workers')).toContainText('2 of 2 instances running', { timeout: 60_000 });
  await expect(pool(page, 'workers').getByText(leavingName)).toHaveCount(0);

  // Upgrade: the control plane, then every node replaced, progress shown as it goes.
  await tab(page, 'Settings').click();
  await page.getByRole('link', { name: 'Upgrade Kubernetes version…' }).click();
  await expect(page.getByLabel('Kubernetes 1.36.3')).toBeChecked();
  const checked = page.getByLabel('I have checked these');
  if (await checked.count()) {
    await checked.check();
  }
  await page.getByRole('button', { name: 'Start upgrade' }).click();
  const plan = page.getByRole('region', { name: 'Upgrade 1.35.6 → 1.36.3' });
  await expect(plan).toBeVisible();
  await expect(plan.getByText('done', { exact: true }).first()).toBeVisible({ timeout: 120_000 });
  await expect(plan).toContainText('3 of 3 steps done.', { timeout: 120_000 });

  // Access: a kubeconfig for the default user, downloaded.
  await page.goto(`${detail}/access`);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('button', { name: 'Issue kubeconfig' }).click();
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: `Download ${NAME}-admin.kubeconfig` }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`${NAME}-admin.kubeconfig`);
  const kubeconfig = readFileSync(await file.path(), 'utf8');
  expect(kubeconfig).toContain('client-certificate-data');
  // Listed as issued here (who, for whom, how long it has left), never with its key.
  const issued = page.getByRole('region', { name: 'Kubeconfigs issued here' });
  await expect(issued.getByRole('row', { name: /admin/ })).toContainText('system:masters');
  await expect(issued.getByRole('row', { name: /admin/ })).toContainText(/\d+ days? left/);

  // Delete, nodepools first, after typing the name.
  await tab(page, 'Settings').click();
  await page.getByRole('link', { name: 'Delete cluster…' }).click();
  await page.getByLabel('Delete its 2 nodepool(s) first, then the cluster').check();
  await page.getByLabel(`Type ${NAME} to confirm`).fill(NAME);
  await page.getByRole('button', { name: 'Delete cluster' }).click();
  await expect(page).toHaveURL(/\/clusters$/);
  // The list came from the client-side router, and follows the deletion live.
  await expect(page.getByRole('row', { name: new RegExp(NAME) })).toContainText('deleted', { timeout: 60_000 });
});
