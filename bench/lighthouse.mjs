// `npm run bench -- lighthouse`: Lighthouse (mobile defaults: a mid-range phone's screen, 4× CPU slowdown,
// slow 4G) on the dashboard as `npm start` serves it: the production build (`next start`) against the API
// seeded with sample_data/. Signs in as a sample user first (the dashboard redirects without a session),
// runs Lighthouse several times (its scores vary from run to run, more so on a shared machine) and writes
// every run and the median to bench/out/lighthouse.json.
//
// Environment: LIGHTHOUSE_RUNS (3), LIGHTHOUSE_API_PORT (8797), LIGHTHOUSE_WEB_PORT (3197), CHROME_PATH.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import puppeteer from 'puppeteer-core';
import { CHROMIUM, log, root } from '../scripts/lib.mjs';

const RUNS = Number(process.env.LIGHTHOUSE_RUNS ?? 3);
const apiPort = Number(process.env.LIGHTHOUSE_API_PORT ?? 8797);
const webPort = Number(process.env.LIGHTHOUSE_WEB_PORT ?? 3197);
const api = `http://127.0.0.1:${apiPort}`;
const web = `http://127.0.0.1:${webPort}`;
/** A sample user who belongs to two organisations, as in the dashboard's end-to-end test. */
const USER = 'usr_003';
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
const AUDITS = {
  cls: 'cumulative-layout-shift',
  tbt: 'total-blocking-time',
  lcp: 'largest-contentful-paint',
  fcp: 'first-contentful-paint',
  si: 'speed-index',
};

// The demo as `npm start` runs it (it builds the dashboard first when its sources changed), on ports of its
// own so a demo already running on the defaults is not measured by mistake.
const demo = spawn('node', [join(root, 'scripts', 'start.mjs')], {
  cwd: root,
  env: {
    ...process.env,
    PORT: String(apiPort),
    DASHBOARD_PORT: String(webPort),
    ANALYTICS_API_URL: api,
  },
  // Its request log would bury the figures; errors still show.
  stdio: ['ignore', 'ignore', 'inherit'],
  detached: true,
});
let demoExited = false;
demo.on('exit', () => {
  demoExited = true;
});
function stopDemo() {
  if (demoExited) return;
  try {
    process.kill(-demo.pid, 'SIGTERM');
  } catch {}
}
process.once('exit', stopDemo);
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

async function waitFor(url) {
  // The first `npm start` after a change builds the dashboard: allow for a slow `next build`.
  const deadline = Date.now() + 10 * 60_000;
  while (Date.now() < deadline) {
    if (demoExited) throw new Error('the demo exited before it answered');
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000), redirect: 'manual' });
      if (response.status < 500) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`${url} never answered`);
}

/** The session cookie of the sample user, as the sign-in form gets it. */
async function signIn() {
  const response = await fetch(`${web}/api/session`, {
    method: 'POST',
    headers: { origin: web },
    body: new URLSearchParams({ user: USER }),
    redirect: 'manual',
  });
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('demo_session='));
  if (response.status !== 303 || !cookie) throw new Error(`sign-in answered ${response.status}`);
  const [pair] = cookie.split(';');
  const eq = pair.indexOf('=');
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1) };
}

const median = (values) => {
  const sorted = values.filter((v) => typeof v === 'number').sort((a, b) => a - b);
  if (!sorted.length) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

let chrome;
try {
  await waitFor(`${api}/ready`);
  await waitFor(`${web}/signin`);
  const session = await signIn();
  const url = `${web}/dashboard`;
  // One request first, so no run measures the server's first render of the route.
  await fetch(url, { headers: { cookie: `${session.name}=${session.value}` } });

  chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    chromeFlags: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
  await browser.setCookie({ ...session, domain: '127.0.0.1', path: '/', httpOnly: true, sameSite: 'Lax' });

  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const page = await browser.newPage();
    const result = await lighthouse(url, { logLevel: 'error', output: 'json' }, undefined, page);
    await page.close();
    const lhr = result?.lhr;
    if (!lhr) throw new Error('Lighthouse returned no report');
    if (new URL(lhr.finalDisplayedUrl).pathname !== '/dashboard') {
      throw new Error(`Lighthouse measured ${lhr.finalDisplayedUrl}, not the dashboard (signed out?)`);
    }
    if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.message}`);
    const run = { scores: {}, metrics: {} };
    for (const id of CATEGORIES) run.scores[id] = Math.round((lhr.categories[id]?.score ?? 0) * 100);
    for (const [key, id] of Object.entries(AUDITS)) run.metrics[key] = lhr.audits[id]?.numericValue;
    // Lighthouse's own measure of this machine's speed at the time (higher is faster): it simulates the
    // phone from what it measures here, so a busy machine shows as a slower phone.
    run.benchmark_index = lhr.environment?.benchmarkIndex;
    runs.push(run);
    log(
      `lighthouse run ${i + 1}/${RUNS}: ${CATEGORIES.map((id) => `${id} ${run.scores[id]}`).join(', ')}; ` +
        `CLS ${run.metrics.cls?.toFixed(3)}, TBT ${Math.round(run.metrics.tbt)} ms, LCP ${(run.metrics.lcp / 1000).toFixed(2)} s`,
    );
    if (i === 0) {
      mkdirSync(join(root, 'bench', 'out'), { recursive: true });
      writeFileSync(join(root, 'bench', 'out', 'lighthouse-report.json'), result.report);
    }
  }
  await browser.disconnect();

  const summary = { scores: {}, metrics: {} };
  for (const id of CATEGORIES) summary.scores[id] = median(runs.map((r) => r.scores[id]));
  for (const key of Object.keys(AUDITS)) summary.metrics[key] = median(runs.map((r) => r.metrics[key]));
  const out = {
    when: new Date().toISOString(),
    url: '/dashboard',
    lighthouse: JSON.parse(readFileSync(join(root, 'node_modules', 'lighthouse', 'package.json'), 'utf8'))
      .version,
    settings: 'mobile defaults (simulated throttling: 4× CPU slowdown, slow 4G; Moto G Power screen)',
    chromium: CHROMIUM,
    load_average_1m: loadavg()[0],
    median: summary,
    runs,
  };
  mkdirSync(join(root, 'bench', 'out'), { recursive: true });
  writeFileSync(join(root, 'bench', 'out', 'lighthouse.json'), `${JSON.stringify(out, null, 2)}\n`);
  log(
    `lighthouse median of ${RUNS}: ${CATEGORIES.map((id) => `${id} ${summary.scores[id]}`).join(', ')}; ` +
      `CLS ${summary.metrics.cls?.toFixed(3)}, TBT ${Math.round(summary.metrics.tbt)} ms, ` +
      `LCP ${(summary.metrics.lcp / 1000).toFixed(2)} s`,
  );
} finally {
  await chrome?.kill();
  stopDemo();
}
