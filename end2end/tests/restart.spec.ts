import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Page } from '@playwright/test';
import { test, expect, createCluster, hydrated, open, signUp } from './support';

// The portal (and the orchestrator embedded in it) killed with SIGKILL in the middle of an
// operation and started again on the same port and data directory: the page left open in the
// browser says it lost the connection, comes back by itself and follows the operation to its
// end, without a reload. Once while a cluster is created, once while a nodepool scales up.
//
// This spec runs its own portal, so it can kill it: the release binary at CAPSTAN_BIN (by
// default target/release/capstan), started from the workspace root where target/site and the
// catalog are (LEPTOS_SITE_ROOT overrides the site's place, as for any run of the portal).

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = process.env.CAPSTAN_BIN ?? path.join(ROOT, 'target/release/capstan');
// Slow enough that an operation is still under way when the portal is killed (a node boots in
// about 15 s), fast enough for the test.
const SPEED = '8';

/** A free TCP port on the loopback interface. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** One portal process on a fixed port and data directory, which can be killed and started again. */
class Portal {
  private child?: ChildProcess;
  private stderr = '';

  constructor(
    readonly port: number,
    readonly dataDir: string,
  ) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the process and waits until `/readyz` answers 200. */
  async start() {
    this.stderr = '';
    const child = spawn(
      BIN,
      ['--listen', `127.0.0.1:${this.port}`, '--data-dir', this.dataDir, '--orchestrator-speed', SPEED, '--signup', 'open'],
      { cwd: ROOT, env: { ...process.env, CAPSTAN_LOG: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    child.stderr!.on('data', (chunk) => (this.stderr += chunk));
    let exited: string | undefined;
    child.once('exit', (code, signal) => (exited = `exited (${code ?? signal})`));
    child.once('error', (error) => (exited = `could not start ${BIN}: ${error.message}`));
    await expect
      .poll(
        async () => {
          if (exited) {
            throw new Error(`the portal ${exited} before it was ready:\n${this.stderr}`);
          }
          try {
            return (await fetch(`${this.url}/readyz`)).status;
          } catch {
            return 0;
          }
        },
        { message: `the portal at ${this.url} gets ready`, timeout: 60_000, intervals: [100] },
      )
      .toBe(200);
  }

  /** Kills the process at once (no graceful shutdown) and waits until it is gone. */
  async kill() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }
}

let portal: Portal;

test.beforeAll(async () => {
  portal = new Portal(await freePort(), mkdtempSync(path.join(tmpdir(), 'capstan-restart-')));
});

test.afterAll(async () => {
  await portal?.kill();
  if (portal) {
    rmSync(portal.dataDir, { recursive: true, force: true });
  }
});

/** The nodepool's section on the cluster page. */
function pool(page: Page, name: string) {
  return page.getByRole('region', { name: `Nodepool ${name}` });
}

/** The page's live indicator. */
function indicator(page: Page) {
  return page.getByRole('status').filter({ hasText: /Live|Reconnecting|Connecting|stopped/ });
}

/** Marks the document so a reload (which would lose the mark) is noticed. */
async function markDocument(page: Page) {
  await page.evaluate(() => ((window as unknown as { capstanMark: boolean }).capstanMark = true));
}

async function stillSameDocument(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { capstanMark?: boolean }).capstanMark)).toBe(true);
}

/** Kills the portal, sees the open page notice, starts it again. */
async function restart(page: Page) {
  await portal.kill();
  await expect(indicator(page)).toHaveText('Reconnecting…');
  await portal.start();
  await expect(indicator(page)).toHaveText('Live', { timeout: 30_000 });
}

test('a portal killed mid-create and mid-scale comes back, and the open page follows to the end', async ({ browser }, testInfo) => {
  test.skip(!hydrated(testInfo), 'live progress needs JavaScript');
  test.setTimeout(300_000);
  await portal.start();
  const context = await browser.newContext({ baseURL: portal.url, javaScriptEnabled: true });
  const page = await context.newPage();
  await signUp(page, testInfo);

  // Killed while the cluster is being created.
  const detail = await createCluster(page, testInfo, 'restart-e2e', 2);
  await expect(indicator(page)).toHaveText('Live');
  await expect(page.getByTestId('cluster-state')).toHaveText('creating');
  await expect(page.getByRole('region', { name: 'Current operation' })).toContainText('cluster creating');
  await markDocument(page);
  await restart(page);
  await expect(pool(page, 'workers')).toContainText('2 of 2 instances running', { timeout: 120_000 });
  await expect(page.getByTestId('cluster-state')).toHaveText('running');
  await expect(page.getByRole('region', { name: 'Current operation' })).toContainText('Nothing under way.', {
    timeout: 30_000,
  });
  await stillSameDocument(page);

  // Killed while the nodepool scales from 2 to 4 nodes.
  await open(page, testInfo, detail);
  await pool(page, 'workers').getByRole('link', { name: 'Scale' }).click();
  await page.getByLabel('New size (nodes)').fill('4');
  await page.getByRole('button', { name: 'Scale', exact: true }).click();
  await expect(page).toHaveURL(detail);
  await expect(indicator(page)).toHaveText('Live');
  await expect(pool(page, 'workers')).toContainText(/[23] of 4 instances running/);
  await markDocument(page);
  await restart(page);
  await expect(pool(page, 'workers')).toContainText('4 of 4 instances running', { timeout: 120_000 });
  await expect(pool(page, 'workers').getByRole('row')).toHaveCount(5);
  await stillSameDocument(page);
  await context.close();
});
