import { defineConfig } from '@playwright/test';

// `make test` picks a free port and a fresh data directory, and Playwright starts the release
// server from the workspace root (where target/site is), waits for /readyz, and stops it after.
// Set CAPSTAN_E2E_BASE_URL instead to test a server that is already running.
const port = process.env.CAPSTAN_E2E_PORT ?? '3100';
const dataDir = process.env.CAPSTAN_E2E_DATA_DIR ?? 'target/e2e-data';
const external = process.env.CAPSTAN_E2E_BASE_URL;
const baseURL = external ?? `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './tests',
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  timeout: 30_000,
  // The whole run is bounded too (about twice what it takes on two cores), so a stuck run ends
  // with the tests that did not finish named.
  globalTimeout: 40 * 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'hydrated', use: { javaScriptEnabled: true } },
    { name: 'no-js', use: { javaScriptEnabled: false } },
  ],
  webServer: external
    ? undefined
    : {
        // The orchestrator runs fast (a node boots in about 2 s) so a cluster's whole life fits
        // in a test; every test signs up a person of their own.
        command: `target/release/capstan --listen 127.0.0.1:${port} --data-dir ${dataDir} --orchestrator-speed 50 --signup open`,
        cwd: '..',
        url: `${baseURL}/readyz`,
        timeout: 60_000,
        reuseExistingServer: false,
        stdout: 'ignore',
        stderr: 'pipe',
        env: { CAPSTAN_LOG: 'warn' },
      },
});
