import { readFileSync } from 'node:fs';
import { type Page } from '@playwright/test';
import { test, expect, hydrated, open, signUp } from './support';

// The catalog: find an entry, set its parameters, see the manifests change, download them,
// compare versions. Once with JavaScript (live, as you type) and once without (plain GET forms).

test.beforeEach(async ({ page }, testInfo) => {
  await signUp(page, testInfo);
});

const manifests = (page: Page) => page.getByRole('region', { name: 'Rendered manifests' });
const difference = (page: Page) => page.getByRole('region', { name: 'Difference between versions' });
const entries = (page: Page) => page.getByRole('list', { name: 'Catalog entries' });

test('search as you type, change parameters, watch the manifests follow, download them', async ({ page, context }, testInfo) => {
  test.skip(!hydrated(testInfo), 'live rendering needs JavaScript; the no-js project has its own test');
  await open(page, testInfo, '/catalog');
  await expect(page.getByText(/^(\d+) of \1 entries$/)).toBeVisible();

  // Typing filters the list and keeps the search in the address.
  await page.getByLabel('Search the catalog').fill('web app');
  await expect(page).toHaveURL(/\/catalog\?q=web%20app$/);
  await expect(page.getByText(/^1 of \d+ entries$/)).toBeVisible();
  await expect(entries(page).getByRole('link', { name: 'Sample web application' })).toBeVisible();
  await expect(entries(page).getByRole('link', { name: 'Metrics Server' })).toHaveCount(0);

  // No match says so, and clearing brings everything back.
  await page.getByLabel('Search the catalog').fill('zzz-nothing');
  await expect(page.getByRole('heading', { name: 'No entry matches “zzz-nothing”' })).toBeVisible();
  await page.getByRole('link', { name: 'clear the search' }).click();
  await expect(page).toHaveURL(/\/catalog$/);
  await expect(page.getByLabel('Search the catalog')).toHaveValue('');
  await expect(page.getByText(/^(\d+) of \1 entries$/)).toBeVisible();

  // A category narrows the list.
  await page.getByRole('group', { name: 'Category' }).getByText('Applications', { exact: true }).click();
  await expect(page).toHaveURL(/category=apps/);
  await expect(entries(page).getByRole('link', { name: 'Sample web application' })).toBeVisible();
  await expect(entries(page).getByRole('link', { name: 'cert-manager with Let\'s Encrypt' })).toHaveCount(0);

  await entries(page).getByRole('link', { name: 'Sample web application' }).click();
  await expect(page).toHaveURL(/\/catalog\/sample-web-app$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Sample web application' })).toBeVisible();
  await expect(manifests(page)).toContainText('app.kubernetes.io/name: web');
  await expect(manifests(page)).toContainText('kind: Deployment');

  // A parameter changes the manifests, and the address keeps it.
  await page.getByLabel('Application name').fill('shop');
  await expect(manifests(page)).toContainText('app.kubernetes.io/name: shop');
  await expect(manifests(page)).not.toContainText('app.kubernetes.io/name: web');
  await expect(page).toHaveURL(/p\.name=shop/);
  await page.getByLabel('Maximum replicas').fill('9');
  await expect(manifests(page)).toContainText('maxReplicas: 9');

  // A refused value is marked at its field, and no stale YAML stays on screen.
  const name = page.getByLabel('Application name');
  await name.fill('Shop!');
  await expect(name).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText(/^Application name must be a DNS label/)).toBeVisible();
  await expect(page.getByText('One value is refused: fix the field marked in Parameters.', { exact: false })).toBeVisible();
  await expect(manifests(page)).toHaveCount(0);
  await name.fill('shop');
  await expect(name).toHaveAttribute('aria-invalid', 'false');
  await expect(manifests(page)).toContainText('app.kubernetes.io/name: shop');

  // Copy puts the manifests on the clipboard.
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('button', { name: 'Copy the manifests' }).click();
  await expect(page.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toContain('maxReplicas: 9');

  // Download gives the same YAML as a file.
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download the manifests' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('sample-web-app-1.1.0.yaml');
  const yaml = readFileSync(await file.path(), 'utf8');
  expect(yaml).toContain('name: shop');
  expect(yaml).toContain('kind: Deployment');
  expect(yaml).toContain('maxReplicas: 9');

  // The install commands name that file and, before a cluster is chosen, a placeholder.
  await expect(page.getByRole('region', { name: 'Install commands' })).toHaveText(
    'kubectl --kubeconfig <cluster>-admin.kubeconfig apply -f sample-web-app-1.1.0.yaml',
  );

  // Versions: the difference for the same values, and another version shown.
  await expect(page.getByText(/^From 1\.0\.0 to 1\.1\.0 with these values: \d+ lines? added, \d+ removed\.$/)).toBeVisible();
  await expect(difference(page)).toContainText('+kind: PodDisruptionBudget');
  await page.getByLabel('Version shown').selectOption('1.0.0');
  await expect(page.getByRole('heading', { name: /^Manifests version 1\.0\.0/ })).toBeVisible();
  await expect(manifests(page)).not.toContainText('PodDisruptionBudget');
  await expect(manifests(page)).toContainText('app.kubernetes.io/name: shop');
  await expect(page.getByLabel('Compared with')).toHaveValue('1.1.0');
  await expect(difference(page)).toContainText('-kind: PodDisruptionBudget');
  await expect(page.getByRole('region', { name: 'Install commands' })).toContainText('sample-web-app-1.0.0.yaml');

  // Reloading keeps everything: it is all in the address.
  await expect(page).toHaveURL(/version=1\.0\.0/);
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByLabel('Application name')).toHaveValue('shop');
  await expect(page.getByLabel('Maximum replicas')).toHaveValue('9');
  await expect(page.getByLabel('Version shown')).toHaveValue('1.0.0');
  await expect(manifests(page)).toContainText('maxReplicas: 9');
});

test('without JavaScript: search with the form, render with the button, download with the link', async ({ page }, testInfo) => {
  test.skip(hydrated(testInfo), 'this is the page as browsers without JavaScript get it');
  await open(page, testInfo, '/catalog');
  await page.getByLabel('Search the catalog').fill('web app');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page).toHaveURL(/q=web\+app/);
  await expect(page.getByText(/^1 of \d+ entries$/)).toBeVisible();
  await expect(entries(page).getByRole('link', { name: 'Metrics Server' })).toHaveCount(0);
  await entries(page).getByRole('link', { name: 'Sample web application' }).click();
  // As a person sees it: with the stylesheet applied, which hides the README's own first heading
  // (it repeats the title). A click does not wait for that; the stylesheet is revalidated on
  // every page (`no-cache`), so it can arrive after the document.
  await page.waitForLoadState('load');
  await expect(page.getByRole('heading', { level: 1, name: 'Sample web application' })).toBeVisible();

  await page.getByLabel('Application name').fill('shop');
  await page.getByLabel('Maximum replicas').fill('9');
  await page.getByRole('button', { name: 'Render' }).click();
  await expect(page).toHaveURL(/p\.name=shop/);
  await expect(page.getByLabel('Application name')).toHaveValue('shop');
  await expect(manifests(page)).toContainText('app.kubernetes.io/name: shop');
  await expect(manifests(page)).toContainText('maxReplicas: 9');

  // A refused value comes back marked, as typed.
  await page.getByLabel('Application name').fill('Shop!');
  await page.getByRole('button', { name: 'Render' }).click();
  await expect(page.getByLabel('Application name')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Application name')).toHaveValue('Shop!');
  await expect(page.getByText(/^Application name must be a DNS label/)).toBeVisible();
  await expect(manifests(page)).toHaveCount(0);
  await page.getByLabel('Application name').fill('shop');
  await page.getByRole('button', { name: 'Render' }).click();
  await expect(manifests(page)).toContainText('app.kubernetes.io/name: shop');

  // The download is a plain link to the server.
  const href = await page.getByRole('link', { name: 'Download the manifests' }).getAttribute('href');
  expect(href).toMatch(/^\/catalog\/sample-web-app\/download\?version=1\.1\.0&/);
  const response = await page.request.get(href!);
  expect(response.status()).toBe(200);
  expect(response.headers()['content-disposition']).toContain('sample-web-app-1.1.0.yaml');
  const body = await response.text();
  expect(body).toContain('name: shop');
  expect(body).toContain('kind: Deployment');
  expect(body).toContain('maxReplicas: 9');

  // Another version, compared, with the same values.
  await page.getByLabel('Version shown').selectOption('1.0.0');
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(page).toHaveURL(/version=1\.0\.0/);
  await expect(page.getByLabel('Application name')).toHaveValue('shop');
  await expect(page.getByRole('heading', { name: /^Manifests version 1\.0\.0/ })).toBeVisible();
  await expect(difference(page)).toContainText('-kind: PodDisruptionBudget');
});

test('an SKS add-on links to the create wizard with the add-on chosen', async ({ page }, testInfo) => {
  await open(page, testInfo, '/catalog/metrics-server');
  await expect(page.getByRole('heading', { level: 1, name: 'Metrics Server' })).toBeVisible();
  await expect(page.getByText('SKS add-on', { exact: true })).toBeVisible();
  await expect(page.getByText(/on an existing cluster in the cluster's Settings tab/)).toBeVisible();
  await page.getByRole('link', { name: 'Create a cluster with this add-on' }).click();
  await expect(page).toHaveURL(/\/clusters\/new\?.*metrics_server(%5D|\])=true/);
  await expect(page.getByRole('heading', { level: 1, name: 'Create a cluster' })).toBeVisible();
});

/** Creates a cluster with one nodepool through the create page and returns its address. */
async function createCluster(page: Page, testInfo: Parameters<typeof open>[1], name: string) {
  await open(page, testInfo, '/clusters/new');
  await page.getByLabel('Name', { exact: true }).fill(name);
  if (hydrated(testInfo)) {
    for (let i = 0; i < 3; i++) {
      await page.getByRole('button', { name: 'Next' }).click();
    }
  }
  await page.getByLabel('Nodepool 1 name').fill('workers');
  if (hydrated(testInfo)) {
    await page.getByRole('button', { name: 'Next' }).click();
  }
  await page.getByRole('button', { name: 'Create cluster' }).click();
  await expect(page).toHaveURL(/\/clusters\/ch-gva-2\/[0-9a-f-]{36}$/);
  return new URL(page.url()).pathname;
}

test('choosing a cluster names its kubeconfig, links its Access tab and says whether the entry fits', async ({ page }, testInfo) => {
  const cluster = await createCluster(page, testInfo, 'catalog-e2e');
  const commands = page.getByRole('region', { name: 'Install commands' });

  await open(page, testInfo, '/catalog/sample-web-app');
  await page.getByLabel('Cluster', { exact: true }).selectOption({ label: 'catalog-e2e (ch-gva-2)' });
  if (!hydrated(testInfo)) {
    await page.getByRole('button', { name: 'Show commands' }).click();
  }
  await expect(page).toHaveURL(/cluster=ch-gva-2%2F/);
  await expect(commands).toHaveText('kubectl --kubeconfig catalog-e2e-admin.kubeconfig apply -f sample-web-app-1.1.0.yaml');
  await expect(page.getByText('Fits catalog-e2e.')).toBeVisible();
  await expect(page.getByRole('link', { name: "the cluster's Access tab" })).toHaveAttribute('href', `${cluster}/access`);

  // Karpenter needs its add-on, which a new cluster does not have; the choice carries over in the address.
  await open(page, testInfo, `/catalog/karpenter?${new URL(page.url()).search.slice(1)}`);
  await expect(page.getByLabel('Cluster', { exact: true })).toHaveValue(/^ch-gva-2\//);
  await expect(page.getByText('Does not fit catalog-e2e yet: it needs the Karpenter add-on.')).toBeVisible();
  await expect(commands).toContainText('catalog-e2e-admin.kubeconfig');
});
