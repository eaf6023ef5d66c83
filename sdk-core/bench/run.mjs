// `npm run bench:sdk`: what the SDK costs a page.
//
// - bundle sizes, min+gzip, every SDK bundled by esbuild the same way in the same run: ours (client only,
//   and the whole core) next to posthog-js and @segment/analytics-next, each initialised and tracking once;
// - in Debian's headless Chromium (playwright-core), on a real origin with real IndexedDB: trackEvent's
//   cost per call (the synchronous part, and until durably queued), and the JavaScript heap held per
//   10,000 queued events (IndexedDB queue and memory queue).
//
// Prints the figures and writes bench/out/sdk.json (git-ignored) at the repository root.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions } from '../../scripts/chromium.mjs';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(here, '..', 'bench', 'out');

const entries = {
  '@acme/analytics-sdk (AnalyticsClient + trackEvent)': `
    import { AnalyticsClient } from './src/index.ts';
    new AnalyticsClient({ baseUrl: 'https://analytics.example.com', apiKey: 'key' }).trackEvent({ event_type: 'signup' });`,
  '@acme/analytics-sdk (whole core: stores, signals-core)': `export * from './src/index.ts';`,
  'posthog-js': `
    import posthog from 'posthog-js';
    posthog.init('phc_key', { api_host: 'https://analytics.example.com' });
    posthog.capture('signup');`,
  '@segment/analytics-next': `
    import { AnalyticsBrowser } from '@segment/analytics-next';
    AnalyticsBrowser.load({ writeKey: 'key' }).track('signup');`,
};

async function bundle(contents, options = {}) {
  const result = await build({
    stdin: { contents, resolveDir: here, loader: 'ts', sourcefile: 'entry.ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    logLevel: 'error',
    ...options,
  });
  return result.outputFiles[0].contents;
}

async function sizes() {
  const rows = [];
  for (const [name, contents] of Object.entries(entries)) {
    const code = await bundle(contents);
    rows.push({ name, min: code.length, gzip: gzipSync(code, { level: 9 }).length });
  }
  return rows;
}

/** A page on a real origin (IndexedDB needs one) with the SDK as a global, and an ingest endpoint. */
async function serve() {
  const sdk = await bundle(`export * from './src/index.ts';`, { format: 'iife', globalName: 'Acme' });
  const server = createServer((req, res) => {
    if (req.url === '/sdk.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(sdk);
    } else if (req.url === '/api/v1/events') {
      req.resume();
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{"accepted":0,"duplicates":0,"event_ids":[]}');
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>bench</title><script src="/sdk.js"></script>');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

const N = 10_000;

async function browserFigures() {
  const { server, url } = await serve();
  const browser = await chromium.launch(chromiumLaunchOptions);
  try {
    const run = async (persistence) => {
      const page = await browser.newPage();
      await page.goto(url);
      const cdp = await page.context().newCDPSession(page);
      const heap = async () => {
        await cdp.send('HeapProfiler.collectGarbage');
        return (await cdp.send('Runtime.getHeapUsage')).usedSize;
      };
      // Nothing is sent during the measurement: the queue only grows.
      await page.evaluate((persistence) => {
        window.client = new window.Acme.AnalyticsClient({
          baseUrl: location.origin,
          apiKey: 'key',
          persistence,
          storageName: `bench-${persistence}-${Math.random()}`,
          flushAt: 1e9,
          flushInterval: 1e9,
          maxQueueSize: 1e6,
        });
        const warm = [];
        for (let i = 0; i < 1000; i++)
          warm.push(window.client.trackEvent({ event_type: 'warm_up', properties: { i } }));
        return Promise.all(warm)
          .then(() => window.client.optOut())
          .then(() => window.client.optIn());
      }, persistence);
      const before = await heap();
      const timing = await page.evaluate(async (n) => {
        const pending = [];
        const t0 = performance.now();
        for (let i = 0; i < n; i++) {
          pending.push(
            window.client.trackEvent({
              event_type: 'button_click',
              user_id: `user_${i % 100}`,
              properties: { button: 'signup', page: '/pricing', i },
            }),
          );
        }
        const t1 = performance.now();
        await Promise.all(pending);
        const t2 = performance.now();
        // One event at a time, each awaited until durable: what a caller that awaits pays.
        const t3 = performance.now();
        for (let i = 0; i < 200; i++)
          await window.client.trackEvent({ event_type: 'awaited', properties: { i } });
        const t4 = performance.now();
        return { callUs: ((t1 - t0) * 1000) / n, durableMs: t2 - t0, awaitedUs: ((t4 - t3) * 1000) / 200 };
      }, N);
      const after = await heap();
      await page.close();
      return { persistence, ...timing, heapBytesPer10k: after - before };
    };
    return [await run('auto'), await run('memory')];
  } finally {
    await browser.close();
    server.close();
  }
}

const bundles = await sizes();
const chromiumRuns = await browserFigures();
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;

console.log('\nBundle sizes (esbuild, minified ES2022, gzip -9)');
for (const row of bundles)
  console.log(`  ${row.name.padEnd(58)} ${kb(row.min).padStart(10)} min  ${kb(row.gzip).padStart(9)} gzip`);
console.log(`\ntrackEvent in headless Chromium (${N.toLocaleString('en')} events)`);
for (const r of chromiumRuns) {
  const queue = r.persistence === 'auto' ? 'IndexedDB queue' : 'memory queue';
  console.log(
    `  ${queue.padEnd(16)} ${r.callUs.toFixed(2).padStart(6)} µs/call (sync part), all durable after ${r.durableMs.toFixed(0)} ms` +
      ` (${((r.durableMs * 1000) / N).toFixed(2)} µs/event); awaited one by one ${r.awaitedUs.toFixed(0)} µs/event;` +
      ` heap +${kb(r.heapBytesPer10k)} per 10,000 queued`,
  );
}
mkdirSync(out, { recursive: true });
const file = join(out, 'sdk.json');
writeFileSync(
  file,
  `${JSON.stringify({ date: new Date().toISOString(), events: N, bundles, chromium: chromiumRuns }, null, 2)}\n`,
);
console.log(`\nwritten ${file}`);
