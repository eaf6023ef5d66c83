// `npm run bench:widgets`: the widgets in Debian's headless Chromium against the real API, seeded with
// 10,000 events. Prints and writes to bench/out/widgets.json:
//
// - time from <events-table> connected to its first rows painted (cold: a new client each run);
// - the cost of scrolling through 10,000 loaded rows: per scroll step, script + render + layout, and the
//   intervals between frames during a continuous scroll;
// - the size of every bundle, minified and gzipped.
//
// Run with `node --conditions=source --import tsx` (the package script does), so the server's
// TypeScript test entry can be imported.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startTestServer } from '@acme/analytics-server/testing';
import { chromium } from 'playwright-core';
import { rollup } from 'rollup';
import { chromiumLaunchOptions } from '../../scripts/chromium.mjs';
import builds from '../build.mjs';

const here = fileURLToPath(new URL('..', import.meta.url));
const repo = join(here, '..');
const ROWS = 10_000;
const CONNECT_RUNS = 15;
const PORT = Number(process.env.WIDGETS_BENCH_PORT ?? 18390);
const origin = `http://127.0.0.1:${PORT}`;

const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const round = (n) => Math.round(n * 100) / 100;
  return {
    n: sorted.length,
    median: round(at(0.5)),
    p95: round(at(0.95)),
    max: round(sorted.at(-1)),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
};

console.log('building the bundles…');
for (const options of builds) {
  const bundle = await rollup({ ...options, onwarn: () => {} });
  for (const output of [options.output].flat()) await bundle.write(output);
  await bundle.close();
}
const sizes = {};
for (const file of ['analytics.js', 'analytics.esm.js', 'index.js', 'define.js']) {
  const code = readFileSync(join(here, 'dist', file));
  sizes[file] = { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

console.log(`starting the API and seeding ${ROWS.toLocaleString('en')} events…`);
const api = await startTestServer({ seed: 'none', corsOrigins: [origin], rateLimit: false });
const write = await api.token({ org: 'bench', scope: 'events:write' });
const read = await api.token({ org: 'bench', scope: 'events:read metrics:read', ttl: '2h' });
const now = Date.now();
const types = ['page_view', 'signup', 'purchase', 'feature_used', 'login'];
for (let batch = 0; batch < ROWS / 100; batch++) {
  const events = Array.from({ length: 100 }, (_, k) => {
    const i = batch * 100 + k;
    return {
      event_type: types[i % types.length],
      user_id: `user-${i % 97}`,
      timestamp: new Date(now - i * 60_000).toISOString(),
      properties: { path: `/page/${i % 50}`, n: i, plan: i % 3 ? 'pro' : 'free' },
    };
  });
  const res = await fetch(`${api.url}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${write}`, 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });
  if (res.status !== 202) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
}

const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>widgets bench</title>
<script src="/widgets/dist/analytics.js" data-base-url="${api.url}" data-api-key="${read}"></script>
</head><body><main></main></body></html>`;
const files = createServer((req, res) => {
  const path = new URL(req.url ?? '/', origin).pathname;
  if (path === '/') {
    res.writeHead(200, { 'content-type': 'text/html' }).end(page);
  } else if (path === '/widgets/dist/analytics.js' || path === '/widgets/dist/analytics.js.map') {
    const type = extname(path) === '.js' ? 'text/javascript' : 'application/json';
    res.writeHead(200, { 'content-type': type }).end(readFileSync(join(repo, path)));
  } else {
    res.writeHead(404).end();
  }
});
await new Promise((resolve) => files.listen(PORT, '127.0.0.1', resolve));

const browser = await chromium.launch(chromiumLaunchOptions);
let result;
try {
  const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await tab.goto(origin);
  await tab.waitForFunction(() => customElements.get('events-table'));

  console.log(`timing <events-table> from connected to first rows painted (${CONNECT_RUNS} runs)…`);
  const connect = await tab.evaluate(async (runs) => {
    const times = [];
    for (let run = 0; run < runs; run++) {
      const table = document.createElement('events-table');
      // A new client each run: nothing cached, the first page comes over the network.
      table.client = new window.AcmeAnalytics.client.constructor({
        baseUrl: window.AcmeAnalytics.client.options.baseUrl,
        apiKey: window.AcmeAnalytics.client.options.apiKey,
        persistence: 'memory',
      });
      table.setAttribute('page-size', '50');
      const start = performance.now();
      document.querySelector('main').append(table);
      await new Promise((resolve) => {
        const check = () =>
          table.shadowRoot?.querySelector('tr.row') ? resolve() : requestAnimationFrame(check);
        check();
      });
      // The frame that shows them: after its rAF callbacks, style, layout and paint come next.
      await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
      times.push(performance.now() - start);
      table.remove();
    }
    return times;
  }, CONNECT_RUNS);

  console.log(`loading ${ROWS.toLocaleString('en')} rows into one table…`);
  const scroll = await tab.evaluate(async (rows) => {
    const table = document.createElement('events-table');
    table.setAttribute('page-size', '1000');
    document.querySelector('main').append(table);
    const loadStart = performance.now();
    while (table.events.length < rows) {
      const before = table.events.length;
      await table.loadMore();
      if (table.events.length === before) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const loadMs = performance.now() - loadStart;
    await table.updateComplete;
    const scroller = table.shadowRoot.querySelector('.scroller');
    const rendered = table.shadowRoot.querySelectorAll('tr.row').length;

    // Per step: move, let the table react (scroll handler, render) and lay out, synchronously measured.
    const steps = [];
    const stepPx = scroller.clientHeight * 0.75;
    for (let y = 0; y < scroller.scrollHeight; y += stepPx) {
      const t0 = performance.now();
      scroller.scrollTop = y;
      scroller.dispatchEvent(new Event('scroll'));
      await table.updateComplete;
      table.shadowRoot.querySelector('tr.row:last-of-type')?.getBoundingClientRect();
      steps.push(performance.now() - t0);
    }

    // Continuous scroll, one step per frame: the intervals between frames.
    scroller.scrollTop = 0;
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const intervals = [];
    let last = performance.now();
    for (let y = 0; y < scroller.scrollHeight; y += 400) {
      await new Promise((resolve) =>
        requestAnimationFrame((t) => {
          intervals.push(t - last);
          last = t;
          scroller.scrollTop = y;
          resolve();
        }),
      );
    }
    const lastRow = table.shadowRoot.querySelector('tr.row:last-of-type')?.dataset.index;
    return { loadMs, rendered, steps, intervals, lastRow: Number(lastRow) };
  }, ROWS);

  result = {
    date: new Date().toISOString(),
    rows: ROWS,
    connectToFirstRowsMs: stats(connect),
    scroll: {
      loadAllRowsMs: Math.round(scroll.loadMs),
      rowsInDom: scroll.rendered,
      lastRowReached: scroll.lastRow,
      stepCostMs: stats(scroll.steps),
      frameIntervalMs: stats(scroll.intervals.slice(1)),
      framesOver16ms: scroll.intervals.slice(1).filter((ms) => ms > 16.8).length,
    },
    bundles: sizes,
  };
} finally {
  await browser.close();
  files.close();
  await api.close();
}

const kib = (n) => `${(n / 1024).toFixed(2)} KiB`;
console.log('\n<events-table> connected → first rows painted (ms):', result.connectToFirstRowsMs);
console.log(
  `scrolling ${ROWS.toLocaleString('en')} loaded rows (loaded in ${result.scroll.loadAllRowsMs} ms; ` +
    `${result.scroll.rowsInDom} rows in the DOM; reached row ${result.scroll.lastRowReached}):`,
);
console.log('  per step, script + render + layout (ms):', result.scroll.stepCostMs);
console.log('  frame intervals while scrolling (ms):', result.scroll.frameIntervalMs);
console.log(`  frames over 16.8 ms: ${result.scroll.framesOver16ms}`);
console.log('bundles (min / min+gzip):');
for (const [file, { min, gzip }] of Object.entries(sizes)) {
  console.log(`  ${file.padEnd(18)} ${kib(min).padStart(10)} ${kib(gzip).padStart(10)}`);
}
mkdirSync(join(repo, 'bench', 'out'), { recursive: true });
writeFileSync(join(repo, 'bench', 'out', 'widgets.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log('\nwritten to bench/out/widgets.json');
