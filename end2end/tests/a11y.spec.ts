import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, type Page, type TestInfo } from '@playwright/test';
import { test, expect, createCluster, open, PASSWORD, uniqueEmail } from './support';

// axe-core audits of every page of the portal, in the light and the dark theme: no violation of
// impact `serious` or `critical` (WCAG 2.x A and AA rules and axe's best practices). A failure
// lists each violation with its rule, impact, help text and the elements it found.
//
// One account and one cluster serve every test: the tests run in order in one worker, and a
// worker that starts over (after a failure) makes them again when first needed.

const THEMES = ['light', 'dark'] as const;
type ThemeName = (typeof THEMES)[number];
const BLOCKING = new Set(['serious', 'critical']);
const CLUSTER = 'audit-e2e';

/** Runs axe on the page as it is and records (softly) the blocking violations found. */
async function audit(page: Page, what: string) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  // One line per element found, so a failure reads as a list of what to fix.
  const found = results.violations
    .filter((v) => BLOCKING.has(v.impact ?? ''))
    .flatMap((v) =>
      v.nodes.map((n) => {
        const why = (n.failureSummary ?? '').split('\n').slice(1).join(' ').trim();
        return `${v.id} (${v.impact}): ${v.help} — ${n.target.join(' ')}${why ? ` — ${why}` : ''}`;
      }),
    );
  expect.soft(found, `${what}: serious or critical accessibility violations`).toEqual([]);
}

/** Sets the theme cookie, as the theme switch does. */
async function useTheme(context: BrowserContext, testInfo: TestInfo, theme: ThemeName) {
  await context.addCookies([{ name: 'capstan_theme', value: theme, url: testInfo.project.use.baseURL! }]);
}

/** Opens `path` in each theme and audits it; `prepare` brings the page to the state to audit. */
async function auditPage(
  page: Page,
  testInfo: TestInfo,
  path: string,
  what: string,
  prepare?: (page: Page) => Promise<void>,
) {
  for (const theme of THEMES) {
    await useTheme(page.context(), testInfo, theme);
    await open(page, testInfo, path);
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    if (prepare) {
      await prepare(page);
    }
    await audit(page, `${what} (${theme})`);
  }
}

// State shared by the tests of one worker, made when first needed.
let session: Awaited<ReturnType<BrowserContext['cookies']>> | undefined;
let clusterPath: string | undefined;

/** A context of the test's project. */
function newContext(browser: Browser, testInfo: TestInfo) {
  return browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    javaScriptEnabled: testInfo.project.use.javaScriptEnabled,
  });
}

/** Signs the page's context in with the shared account, signing it up first if needed. */
async function signIn(page: Page, browser: Browser, testInfo: TestInfo) {
  if (!session) {
    const context = await newContext(browser, testInfo);
    const setup = await context.newPage();
    await setup.goto('/sign-up');
    await setup.getByLabel('Name').fill('Audit Person');
    await setup.getByLabel('Email').fill(uniqueEmail('audit'));
    await setup.getByLabel('Password').fill(PASSWORD);
    await setup.getByRole('button', { name: 'Create account' }).click();
    await expect(setup).toHaveURL('/');
    session = await context.cookies();
    await context.close();
  }
  await page.context().addCookies(session);
}

/** Creates the shared cluster through the wizard (if not yet made); its page's path. */
async function ensureCluster(page: Page, testInfo: TestInfo): Promise<string> {
  clusterPath ??= await createCluster(page, testInfo, CLUSTER);
  return clusterPath;
}

test.describe('accessibility', () => {
  // axe runs as a script in the page, which a context without JavaScript cannot do.
  test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, 'axe needs JavaScript in the page');

  test('signed-out pages: sign-in, sign-up, an invitation, 404', async ({ page, browser }, testInfo) => {
    test.setTimeout(120_000);
    await auditPage(page, testInfo, '/sign-in', 'sign-in');
    await auditPage(page, testInfo, '/sign-in', 'sign-in with an error', async (page) => {
      await page.getByLabel('Email').fill('nobody@example.com');
      await page.getByLabel('Password').fill('not the password at all');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('alert')).toBeVisible();
    });
    await auditPage(page, testInfo, '/sign-up', 'sign-up');
    await auditPage(page, testInfo, '/no-such-page', '404');

    // An invitation as someone without an account sees it, made by the shared account.
    const owner = await newContext(browser, testInfo);
    const ownerPage = await owner.newPage();
    await signIn(ownerPage, browser, testInfo);
    await ownerPage.goto('/settings');
    const members = ownerPage.getByRole('region', { name: 'Members' });
    await members.getByRole('button', { name: 'Create invitation link' }).click();
    await expect(ownerPage.getByTestId('invitation-link')).toContainText('/invite/');
    const link = (await ownerPage.getByTestId('invitation-link').textContent()) ?? '';
    await owner.close();
    await auditPage(page, testInfo, new URL(link).pathname, 'invitation (signed out)');
  });

  test('the cluster list while empty, and the wizard at each step', async ({ page, browser }, testInfo) => {
    test.setTimeout(120_000);
    await signIn(page, browser, testInfo);
    await auditPage(page, testInfo, '/clusters', 'cluster list, empty', async (page) => {
      await expect(page.getByText('No clusters yet')).toBeVisible();
    });
    await auditPage(page, testInfo, '/', 'home (cluster list), empty');

    const steps = ['1. Basics', '2. Networking', '3. Add-ons', '4. Nodepools', '5. Review'];
    for (const theme of THEMES) {
      await useTheme(page.context(), testInfo, theme);
      await open(page, testInfo, '/clusters/new');
      // The first step's errors, as Next shows them.
      await page.getByRole('button', { name: 'Next' }).click();
      await expect(page.getByRole('alert')).toBeVisible();
      await audit(page, `wizard, step 1 with errors (${theme})`);
      await page.getByLabel('Name', { exact: true }).fill(CLUSTER);
      for (const [index, step] of steps.entries()) {
        await expect(page.getByRole('navigation', { name: 'Steps' }).locator('[aria-current="step"]')).toHaveText(step);
        if (step === '4. Nodepools') {
          await page.getByLabel('Nodepool 1 name').fill('workers');
          await page.getByLabel('Nodepool 1 size (nodes)').fill('2');
        }
        await audit(page, `wizard, step ${step} (${theme})`);
        if (index < steps.length - 1) {
          await page.getByRole('button', { name: 'Next' }).click();
        }
      }
    }
  });

  test('a cluster: each tab and flow, and the list with it', async ({ page, browser }, testInfo) => {
    test.setTimeout(180_000);
    await signIn(page, browser, testInfo);
    const cluster = await ensureCluster(page, testInfo);
    // Right after creation, with the operation under way (when the orchestrator is not too fast).
    await audit(page, 'cluster overview, just created');
    await auditPage(page, testInfo, cluster, 'cluster overview', async (page) => {
      await expect(page.getByRole('region', { name: 'Nodepool workers' })).toContainText('2 of 2 instances running', {
        timeout: 60_000,
      });
    });
    await auditPage(page, testInfo, `${cluster}/access`, 'cluster access');
    await auditPage(page, testInfo, `${cluster}/activity`, 'cluster activity');
    await auditPage(page, testInfo, `${cluster}/settings`, 'cluster settings');
    await auditPage(page, testInfo, `${cluster}/upgrade`, 'cluster upgrade');
    await auditPage(page, testInfo, `${cluster}/delete`, 'cluster delete');

    await open(page, testInfo, cluster);
    await page.getByRole('region', { name: 'Nodepool workers' }).getByRole('link', { name: 'Scale' }).click();
    await expect(page.getByRole('heading', { name: 'Scale nodepool workers' })).toBeVisible();
    await auditPage(page, testInfo, new URL(page.url()).pathname, 'nodepool scale', async (page) => {
      await page.getByLabel('New size (nodes)').fill('1');
    });
    // The Nodepools tab and each nodepool flow (add, edit, recycle, remove).
    const pool = new URL(page.url()).pathname.replace(/\/scale$/, '');
    await auditPage(page, testInfo, `${cluster}/nodepools`, 'cluster nodepools');
    await auditPage(page, testInfo, `${cluster}/nodepools/new`, 'nodepool add');
    await auditPage(page, testInfo, `${pool}/edit`, 'nodepool edit');
    await auditPage(page, testInfo, `${pool}/recycle`, 'nodepool recycle');
    await auditPage(page, testInfo, `${pool}/delete`, 'nodepool remove');

    await auditPage(page, testInfo, '/clusters', 'cluster list, one cluster', async (page) => {
      await expect(page.getByRole('row', { name: new RegExp(CLUSTER) })).toBeVisible();
    });
  });

  test('catalog, settings, account, activity, an invitation and 404 when signed in', async ({ page, browser }, testInfo) => {
    test.setTimeout(180_000);
    await signIn(page, browser, testInfo);
    const cluster = await ensureCluster(page, testInfo);
    await auditPage(page, testInfo, '/catalog', 'catalog');
    await auditPage(page, testInfo, '/catalog?q=zzz-nothing', 'catalog, no match');
    await auditPage(page, testInfo, '/catalog/cert-manager', 'catalog entry');
    const target = cluster.replace(/^\/clusters\//, '');
    await auditPage(page, testInfo, `/catalog/cert-manager?cluster=${target}`, 'catalog entry for a cluster');
    await auditPage(page, testInfo, '/settings', 'settings', async (page) => {
      await page.getByRole('region', { name: 'Members' }).getByRole('button', { name: 'Create invitation link' }).click();
      await expect(page.getByTestId('invitation-link')).toContainText('/invite/');
    });
    const link = (await page.getByTestId('invitation-link').textContent()) ?? '';
    await auditPage(page, testInfo, '/account', 'account');
    await auditPage(page, testInfo, '/activity', 'activity');
    await auditPage(page, testInfo, new URL(link).pathname, 'invitation (signed in)');
    await auditPage(page, testInfo, '/no-such-page', '404 (signed in)');
    await auditPage(page, testInfo, '/clusters/ch-gva-2/00000000-0000-0000-0000-000000000000', 'cluster not found');
  });
});
