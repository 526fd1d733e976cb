import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, type Response, type TestInfo } from '@playwright/test';
import { test, expect, createCluster, hydrated, signUp } from './support';

// The first-load budget: what a browser with an empty cache transfers (HTML, JS, WASM and CSS,
// compressed as the server sends them, headers included) to show the cluster list, a cluster's
// page and the wizard, hydrated. The budgets are in end2end/budget.json; a page over its budget
// fails the suite. The figures are printed for each page either way.

interface Budget {
  pages: Record<string, number>;
}
const BUDGET: Budget = JSON.parse(readFileSync(path.join(__dirname, '..', 'budget.json'), 'utf8'));

type Kind = 'html' | 'js' | 'wasm' | 'css';
const KINDS: Kind[] = ['html', 'js', 'wasm', 'css'];

/** The kind of a response that counts, or `undefined` for one that does not (data, the live stream, icons). */
function kind(response: Response): Kind | undefined {
  const type = (response.headers()['content-type'] ?? '').split(';')[0].trim();
  if (response.request().resourceType() === 'document') return 'html';
  if (type === 'application/wasm') return 'wasm';
  if (type === 'text/javascript' || type === 'application/javascript') return 'js';
  if (type === 'text/css') return 'css';
  return undefined;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Opens `path` in a new context (empty cache) with the session `cookies`; bytes received per kind. */
async function firstLoad(browser: Browser, testInfo: TestInfo, cookies: Awaited<ReturnType<BrowserContext['cookies']>>, pagePath: string) {
  const context = await browser.newContext({ baseURL: testInfo.project.use.baseURL, javaScriptEnabled: true });
  await context.addCookies(cookies);
  const page = await context.newPage();
  const responses: Response[] = [];
  page.on('response', (response) => responses.push(response));
  await page.goto(pagePath);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');

  const bytes: Record<Kind, number> = { html: 0, js: 0, wasm: 0, css: 0 };
  const encodings: string[] = [];
  for (const response of responses) {
    const which = kind(response);
    if (!which) continue;
    const sizes = await response.request().sizes();
    bytes[which] += sizes.responseHeadersSize + sizes.responseBodySize;
    const encoding = response.headers()['content-encoding'] ?? 'identity';
    encodings.push(`${new URL(response.url()).pathname} ${encoding}`);
    if (which === 'wasm') {
      expect(encoding, 'the WASM bundle is sent compressed').toMatch(/^(gzip|br|zstd)$/);
    }
  }
  await context.close();
  return { bytes, encodings };
}

test('first loads stay within their budgets', async ({ page, browser }, testInfo) => {
  test.skip(!hydrated(testInfo), 'the budget counts the hydrated page (HTML, JS, WASM, CSS)');
  test.setTimeout(90_000);
  await signUp(page, testInfo);
  const detail = await createCluster(page, testInfo, 'budget-e2e');
  const cookies = await page.context().cookies();

  const pages: [string, string][] = [
    ['cluster list', '/clusters'],
    ['cluster page', detail],
    ['wizard', '/clusters/new'],
  ];
  const lines: string[] = [];
  for (const [name, pagePath] of pages) {
    const { bytes, encodings } = await firstLoad(browser, testInfo, cookies, pagePath);
    const total = KINDS.reduce((sum, k) => sum + bytes[k], 0);
    const budget = BUDGET.pages[name];
    lines.push(
      `${name} ${pagePath}: ${kib(total)} of ${budget ? kib(budget) : 'no budget'} ` +
        `(${KINDS.map((k) => `${k} ${kib(bytes[k])}`).join(', ')}; ${encodings.join(', ')})`,
    );
    expect.soft(budget, `end2end/budget.json has a budget for "${name}"`).toBeGreaterThan(0);
    expect.soft(total, `first load of the ${name} (${pagePath}) in bytes, budget ${budget}`).toBeLessThanOrEqual(budget);
  }
  console.log(`First load, as transferred:\n  ${lines.join('\n  ')}`);
  await testInfo.attach('first-load.txt', { body: lines.join('\n'), contentType: 'text/plain' });
});
