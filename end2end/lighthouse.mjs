// Lighthouse on the cluster list `/` and the wizard `/clusters/new`, signed in, with a few
// clusters in the list, in Lighthouse's mobile and desktop presets. `make bench` runs it
// (scripts/bench.sh); it can be run alone from the repository root after a release build:
//
//   node end2end/lighthouse.mjs
//
// Each page is measured three times per preset and the median run is reported (on a shared
// machine one run's performance score can be off by thirty points).
// Prints one Markdown row `| figure | value | unit | notes |` per page, preset and category
// (performance, accessibility, best practices) on stdout; the performance row's notes carry the
// metrics (FCP, LCP, TBT, CLS, Speed Index, bytes transferred), the other rows name the audits
// that did not pass. Progress goes to stderr. Nothing is asserted on a score; the script fails
// only when it cannot measure (no server, no browser, a page that does not load signed in).
//
// Environment:
//   CAPSTAN_LIGHTHOUSE_URL     measure a server already running there (sign-up must be open)
//   CAPSTAN_BIN                otherwise, the release binary to start (default
//                              $CARGO_TARGET_DIR/release/capstan, else target/release/capstan);
//                              it runs from the repository root with a throw-away data directory
//                              and --orchestrator-speed 50, so the clusters are up in seconds
//   CHROMIUM_PATH              the browser (default /usr/bin/chromium; nothing is downloaded)
//   CAPSTAN_LIGHTHOUSE_PRESETS `mobile,desktop` (default) or one of them
//   CAPSTAN_LIGHTHOUSE_RUNS    runs per page and preset (default 3); the figures are those of
//                              Lighthouse's median run, with every run's performance score
//   CAPSTAN_LIGHTHOUSE_REPORTS where the median runs' HTML reports go (default target/lighthouse)

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as chromeLauncher from 'chrome-launcher';
import lighthouse, { desktopConfig } from 'lighthouse';
import { computeMedianRun } from 'lighthouse/core/lib/median-run.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PRESETS = (process.env.CAPSTAN_LIGHTHOUSE_PRESETS || 'mobile,desktop')
  .split(',')
  .map((p) => p.trim())
  .filter(Boolean);
const RUNS = Number(process.env.CAPSTAN_LIGHTHOUSE_RUNS || 3);
const REPORTS = resolve(ROOT, process.env.CAPSTAN_LIGHTHOUSE_REPORTS || 'target/lighthouse');
const PASSWORD = 'a long enough password';
/** Clusters created before measuring, as `[zone preference, name, nodes]`. */
const CLUSTERS = [
  ['ch-gva-2', 'web-production', 3],
  ['ch-gva-2', 'web-staging', 1],
  ['de-fra-1', 'batch-jobs', 2],
  ['at-vie-1', 'data-platform', 2],
  ['ch-dk-2', 'ci-runners', 1],
];
const PAGES = [
  { name: 'cluster list `/`', path: '/' },
  { name: 'wizard `/clusters/new`', path: '/clusters/new' },
];
const CATEGORIES = [
  ['performance', 'performance'],
  ['accessibility', 'accessibility'],
  ['best-practices', 'best practices'],
];

const log = (message) => process.stderr.write(`lighthouse: ${message}\n`);

function fail(message) {
  process.stderr.write(`lighthouse: FAILED: ${message}\n`);
  process.exit(1);
}

function row(figure, value, unit, notes) {
  const cell = (text) => String(text).replaceAll('|', '/').replaceAll('\n', ' ');
  console.log(`| ${cell(figure)} | ${cell(value)} | ${cell(unit)} | ${cell(notes)} |`);
}

async function freePort() {
  return new Promise((done, failed) => {
    const server = createServer();
    server.on('error', failed);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Starts the release server on a free port with a fresh data directory; its URL and a stop. */
async function startServer() {
  const targetDir = process.env.CARGO_TARGET_DIR
    ? resolve(ROOT, process.env.CARGO_TARGET_DIR)
    : join(ROOT, 'target');
  const bin = process.env.CAPSTAN_BIN || join(targetDir, 'release', 'capstan');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'capstan-lighthouse-'));
  const logPath = join(dataDir, 'server.log');
  const logFile = openSync(logPath, 'w');
  const args = ['--listen', `127.0.0.1:${port}`, '--data-dir', dataDir];
  args.push('--orchestrator-speed', '50', '--log-filter', 'warn');
  const server = spawn(bin, args, { cwd: ROOT, stdio: ['ignore', logFile, logFile] });
  let exited = null;
  server.on('exit', (code, signal) => (exited = signal ?? code));
  server.on('error', (error) => (exited = `${error.message}; build it with \`cargo leptos build --release\` or set CAPSTAN_BIN`));
  const stop = () => {
    if (exited === null) server.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.on('exit', stop);
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (exited !== null) {
      fail(`the server ${bin} stopped (${exited}) before it was ready: ${readFileSync(logPath, 'utf8')}`);
    }
    try {
      if ((await fetch(`${url}/readyz`)).ok) {
        log(`started ${bin} at ${url}`);
        return url;
      }
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  fail(`the server ${bin} did not answer ${url}/readyz within 30 s: ${readFileSync(logPath, 'utf8')}`);
}

/** A server function, posted as a form from the portal's own origin. */
async function post(base, cookie, endpoint, body, extra = {}) {
  return fetch(`${base}/api/${endpoint}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: base,
      ...(cookie ? { cookie } : {}),
      ...extra,
    },
    body,
  });
}

/** Signs up a new account as a browser without JavaScript does; the session cookie. */
async function signUp(base) {
  const email = `lighthouse-${Date.now()}-${process.pid}@example.com`;
  const body = new URLSearchParams({ name: 'Lighthouse', email, password: PASSWORD, invitation: '' });
  const response = await post(base, null, 'sign_up', body.toString(), {
    accept: 'text/html',
    referer: `${base}/sign-up`,
  });
  const cookie = response.headers
    .getSetCookie()
    .find((c) => c.startsWith('capstan_session='))
    ?.split(';')[0];
  if (response.status !== 302 || !cookie) {
    fail(`signing up at ${base} answered ${response.status} without a session: ${await response.text()}`);
  }
  return cookie;
}

/** Creates a cluster with one nodepool through the wizard's plain form post. */
async function createCluster(base, cookie, wantedZone, name, nodes) {
  const options = await post(base, cookie, 'wizard_options', `zone=${wantedZone}`);
  if (!options.ok) fail(`wizard options answered ${options.status}: ${await options.text()}`);
  const choices = await options.json();
  const type =
    choices.instance_types.find((t) => t.name === 'standard.medium') ?? choices.instance_types[0];
  const fields = {
    'form[token]': choices.token,
    'form[name]': name,
    'form[description]': `Created by end2end/lighthouse.mjs`,
    'form[zone]': choices.zone,
    'form[version]': choices.versions[0],
    'form[level]': 'pro',
    'form[cni]': 'calico',
    'form[kube_proxy]': 'true',
    'form[cloud_controller]': 'true',
    'form[metrics_server]': 'true',
    'form[nodepools][0][name]': 'workers',
    'form[nodepools][0][instance_type]': type.id,
    'form[nodepools][0][size]': String(nodes),
    'form[nodepools][0][disk_size]': '50',
  };
  const body = Object.entries(fields)
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&');
  const response = await post(base, cookie, 'create_cluster', body, {
    accept: 'text/html,application/xhtml+xml',
    referer: `${base}/clusters/new`,
  });
  const location = response.headers.get('location') ?? '';
  if (response.status < 300 || response.status > 399 || !location.startsWith('/clusters/')
    || location.startsWith('/clusters/new')) {
    fail(`creating ${name} in ${choices.zone} answered ${response.status} to ${JSON.stringify(location)}`);
  }
  return choices.zone;
}

/**
 * Waits (up to two minutes) until every cluster runs all its nodes, so the list is at rest;
 * says how it found them.
 */
async function waitUntilRunning(base, cookie, count) {
  let rows = [];
  for (let attempt = 0; attempt < 240; attempt += 1) {
    const response = await post(base, cookie, 'list_clusters', '');
    if (!response.ok) fail(`the cluster list answered ${response.status}: ${await response.text()}`);
    rows = (await response.json()).rows;
    if (rows.length >= count
      && rows.every((r) => r.state === 'running' && r.nodes_running === r.nodes_desired)) {
      return `${count} clusters running`;
    }
    await sleep(500);
  }
  const states = rows.map((r) => `${r.name} ${r.state} ${r.nodes_running}/${r.nodes_desired}`);
  log(`clusters still moving after two minutes: ${states.join(', ')}`);
  return `measured while clusters were still moving: ${states.join(', ')}`;
}

/** One Lighthouse run of `url` in `preset`, checked to have measured the page signed in. */
async function audit(port, cookie, preset, url, path) {
  const result = await lighthouse(
    url,
    {
      port,
      logLevel: 'error',
      output: 'html',
      onlyCategories: CATEGORIES.map(([id]) => id),
      extraHeaders: { Cookie: cookie },
    },
    preset === 'desktop' ? desktopConfig : undefined,
  );
  const lhr = result?.lhr;
  if (!lhr) fail(`Lighthouse returned nothing for ${url}`);
  if (lhr.runtimeError) fail(`Lighthouse on ${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  // Signed out, the portal would have sent Lighthouse to the sign-in page instead.
  if (new URL(lhr.finalDisplayedUrl).pathname !== path) {
    fail(`${url} ended on ${lhr.finalDisplayedUrl}: the session cookie was not accepted`);
  }
  return { lhr, report: result.report };
}

const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

/** The element that moved most, when the page moved noticeably (CLS of 0.01 or more). */
function shifted(lhr) {
  if (lhr.audits['cumulative-layout-shift'].numericValue < 0.01) return '';
  const [worst] = (lhr.audits['layout-shifts']?.details?.items ?? [])
    .filter((item) => item.node?.selector)
    .sort((x, y) => y.score - x.score);
  return worst ? ` (mostly \`${worst.node.selector}\`)` : '';
}

/**
 * The audits of a category that did not pass and count in its score, as `id (title: the
 * elements)`. Audits of weight 0 (such as missing source maps) are left to the HTML report.
 */
function failing(lhr, category) {
  return lhr.categories[category].auditRefs
    .filter((ref) => ref.weight > 0)
    .map((ref) => lhr.audits[ref.id])
    .filter((a) => a && a.score !== null && a.score < 1
      && !['notApplicable', 'manual', 'informative'].includes(a.scoreDisplayMode))
    .map((a) => {
      const labels = (a.details?.items ?? [])
        .map((item) => item.node?.nodeLabel?.split('\n')[0])
        .filter(Boolean);
      const where = labels.length ? `: ${[...new Set(labels)].slice(0, 5).join(', ')}` : '';
      return `${a.id} (${a.title}${where})`;
    });
}

async function main() {
  if (!Number.isInteger(RUNS) || RUNS < 1) fail('CAPSTAN_LIGHTHOUSE_RUNS must be a whole number, 1 or more');
  for (const preset of PRESETS) {
    if (!['mobile', 'desktop'].includes(preset)) fail(`unknown preset ${preset}: mobile or desktop`);
  }
  let base = process.env.CAPSTAN_LIGHTHOUSE_URL?.replace(/\/$/, '');
  if (!base) base = await startServer();
  const cookie = await signUp(base);
  const zones = new Set();
  for (const [zone, name, nodes] of CLUSTERS) {
    zones.add(await createCluster(base, cookie, zone, name, nodes));
  }
  log(`signed up, created ${CLUSTERS.length} clusters in ${[...zones].join(', ')}; waiting for them`);
  const rest = await waitUntilRunning(base, cookie, CLUSTERS.length);

  mkdirSync(REPORTS, { recursive: true });
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM_PATH,
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic'],
  });
  try {
    for (const preset of PRESETS) {
      for (const page of PAGES) {
        const url = `${base}${page.path}`;
        const runs = [];
        for (let run = 1; run <= RUNS; run += 1) {
          log(`${preset}: ${url} (run ${run} of ${RUNS})`);
          runs.push(await audit(chrome.port, cookie, preset, url, page.path));
        }
        // Lighthouse's own pick: the run closest to the median FCP and time to interactive.
        const median = computeMedianRun(runs.map((r) => r.lhr));
        const { lhr, report } = runs.find((r) => r.lhr === median);
        const file = join(REPORTS, `${preset}-${page.path === '/' ? 'clusters' : 'wizard'}.html`);
        writeFileSync(file, report);
        const scores = runs.map((r) => Math.round((r.lhr.categories.performance.score ?? 0) * 100));
        const spread = RUNS > 1
          ? `the median of ${RUNS} runs (performance ${scores.join(', ')})`
          : 'one run';

        const a = lhr.audits;
        const warnings = lhr.runWarnings.length ? `; warnings: ${lhr.runWarnings.join(' ')}` : '';
        const throttling = preset === 'desktop'
          ? 'desktop preset (simulated 10 Mbit/s, 40 ms RTT, no CPU slow-down)'
          : 'mobile preset (Moto G Power screen, simulated slow 4G, CPU slowed 4x)';
        for (const [id, label] of CATEGORIES) {
          const score = lhr.categories[id].score;
          const value = score === null ? 'n/a' : Math.round(score * 100);
          let notes;
          if (id === 'performance') {
            notes = [
              `FCP ${seconds(a['first-contentful-paint'].numericValue)}`,
              `LCP ${seconds(a['largest-contentful-paint'].numericValue)}`,
              `TBT ${Math.round(a['total-blocking-time'].numericValue)} ms`,
              `CLS ${a['cumulative-layout-shift'].numericValue.toFixed(3)}${shifted(lhr)}`,
              `Speed Index ${seconds(a['speed-index'].numericValue)}`,
              `${(a['total-byte-weight'].numericValue / 1024).toFixed(1)} KiB transferred`,
              `${throttling}, ${spread}, ${rest}, report ${file.replace(`${ROOT}/`, '')}${warnings}`,
            ].join(', ');
          } else {
            const below = failing(lhr, id);
            notes = below.length ? `not passed: ${below.join('; ')}` : 'every audit passed';
          }
          row(`Lighthouse ${preset}: ${page.name}, ${label}`, value, 'score /100', notes);
        }
      }
    }
  } finally {
    chrome.kill();
  }
}

main().then(
  () => process.exit(0),
  (error) => fail(error?.stack ?? String(error)),
);
