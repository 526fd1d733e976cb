import { type Page } from '@playwright/test';
import { test, expect, hydrated, open, signUp } from './support';

test.beforeEach(async ({ page }, testInfo) => {
  await signUp(page, testInfo);
});

/** Opens the wizard from the cluster list, as a person would. */
async function openWizard(page: Page, testInfo: Parameters<typeof open>[1]) {
  await open(page, testInfo, '/clusters');
  await page.getByRole('link', { name: 'Create cluster' }).first().click();
  await expect(page).toHaveURL(/\/clusters\/new/);
  await expect(page.getByRole('heading', { level: 1, name: 'Create a cluster' })).toBeVisible();
  if (hydrated(testInfo)) {
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  }
}

test('the wizard walks through its steps and creates a cluster with two nodepools', async ({ page }, testInfo) => {
  test.skip(!hydrated(testInfo), 'the steps need JavaScript; the no-js project tests the long form');
  await openWizard(page, testInfo);
  const steps = page.getByRole('navigation', { name: 'Steps' });
  await expect(steps.locator('[aria-current="step"]')).toHaveText('1. Basics');

  await page.getByLabel('Name', { exact: true }).fill('wizard-e2e');
  await page.getByLabel('Description (optional)').fill('two pools');
  await expect(page.getByLabel('Kubernetes version')).toContainText('(latest)');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(steps.locator('[aria-current="step"]')).toHaveText('2. Networking');
  await expect(page.getByLabel('Container network (CNI)')).toBeVisible();

  // Going back keeps what was typed.
  await page.getByRole('button', { name: 'Back' }).click();
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue('wizard-e2e');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(steps.locator('[aria-current="step"]')).toHaveText('3. Add-ons');

  // Turning the cloud controller off warns; on again for this cluster.
  await page.getByLabel('Exoscale cloud controller').uncheck();
  await expect(page.getByText('Without the cloud controller, nodes stay NotReady')).toBeVisible();
  await page.getByLabel('Exoscale cloud controller').check();
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(steps.locator('[aria-current="step"]')).toHaveText('4. Nodepools');

  await page.getByLabel('Nodepool 1 name').fill('workers');
  await page.getByRole('button', { name: 'Add a nodepool' }).click();
  await page.getByLabel('Nodepool 2 name').fill('batch');
  await page.getByLabel('Nodepool 2 size (nodes)').fill('1');
  await page.getByLabel('Nodepool 2 labels').fill('team=batch');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(steps.locator('[aria-current="step"]')).toHaveText('5. Review');

  // The review: everything, a cost estimate, and the same request three ways.
  await expect(page.getByRole('heading', { name: 'Estimated monthly cost' })).toBeVisible();
  await expect(page.getByTestId('monthly-total')).toContainText('€');
  await expect(page.getByText(/An estimate from list prices as of/)).toBeVisible();
  await expect(page.getByText('POST /v2/sks-cluster (zone ch-gva-2)')).toBeVisible();
  await expect(page.getByText(/exo compute sks create wizard-e2e/)).toBeVisible();
  await expect(page.getByText(/resource "exoscale_sks_cluster" "wizard_e2e"/)).toBeVisible();

  await page.getByRole('button', { name: 'Create cluster' }).click();
  await expect(page).toHaveURL(/\/clusters\/ch-gva-2\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 1, name: 'wizard-e2e' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Nodepool workers' })).toBeVisible();
  // Each pool's settings are on its card.
  await expect(page.getByRole('region', { name: 'Nodepool batch' })).toContainText('Labels: team=batch');
});

test('invalid input shows the messages inline and in a summary, and creates nothing', async ({ page }, testInfo) => {
  await openWizard(page, testInfo);
  if (hydrated(testInfo)) {
    // Next checks the step: the name is required.
    await page.getByRole('button', { name: 'Next' }).click();
    const summary = page.getByRole('alert');
    await expect(summary).toContainText('Name: is required (must be 1 to 255 characters)');
    await expect(summary).toBeFocused();
    await expect(page.getByLabel('Name', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await page.getByLabel('Name', { exact: true }).fill('bad-pools');
    for (let i = 0; i < 3; i++) {
      await page.getByRole('button', { name: 'Next' }).click();
    }
  } else {
    await page.getByLabel('Name', { exact: true }).fill('bad-pools');
  }
  await page.getByLabel('Nodepool 1 name').fill('workers');
  await page.getByLabel('Nodepool 1 size (nodes)').fill('0');
  await page.getByLabel('Nodepool 1 disk size (GiB)').fill('10');
  if (hydrated(testInfo)) {
    await page.getByRole('button', { name: 'Next' }).click();
  } else {
    await page.getByRole('button', { name: 'Create cluster' }).click();
  }
  const summary = page.getByRole('alert');
  await expect(summary).toContainText('Nodepool 1: size: must be at least 1, not 0');
  await expect(summary).toContainText('Nodepool 1: disk size: must be between 20 and 51200, not 10');
  const size = page.getByLabel('Nodepool 1 size (nodes)');
  await expect(size).toHaveAttribute('aria-invalid', 'true');
  await expect(size).toHaveValue('0');
  await expect(page.getByText('must be at least 1, not 0', { exact: true })).toBeVisible();
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue('bad-pools');

  // Nothing was created.
  await open(page, testInfo, '/clusters');
  await expect(page.getByText('No clusters yet')).toBeVisible();
});

test('without JavaScript the whole form is one page and creates the cluster', async ({ page }, testInfo) => {
  test.skip(hydrated(testInfo), 'this is the form as browsers without JavaScript get it');
  await openWizard(page, testInfo);
  // Every section is on the page at once.
  for (const name of ['Basics', 'Networking', 'Add-ons', 'Nodepools']) {
    await expect(page.getByRole('heading', { level: 2, name })).toBeVisible();
  }
  await page.getByLabel('Name', { exact: true }).fill('plain-form');
  await page.getByLabel('Nodepool 1 name').fill('workers');
  // Adding a nodepool reloads the form with what was typed.
  await page.getByRole('button', { name: 'Add a nodepool' }).click();
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue('plain-form');
  await page.getByLabel('Nodepool 2 name').fill('batch');
  await page.getByRole('button', { name: 'Create cluster' }).click();
  await expect(page).toHaveURL(/\/clusters\/ch-gva-2\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 1, name: 'plain-form' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Nodepool workers' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Nodepool batch' })).toBeVisible();
  await expect(page.getByText('Not live: reload for the latest').first()).toBeVisible();

  // The list shows it too, and leads back to it.
  await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Clusters' }).click();
  const row = page.getByRole('row', { name: /plain-form/ });
  await expect(row).toContainText('ch-gva-2');
  await row.getByRole('link', { name: 'plain-form' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'plain-form' })).toBeVisible();
});
