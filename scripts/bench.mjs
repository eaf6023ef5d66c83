// `npm run bench`: every benchmark in one run (server, PostgreSQL when it can be had, SDK, widgets), then
// `bench/RESULTS.md`: each figure next to the reference measured in the same run (the in-process SQLite
// ceiling, the store without HTTP, the anchors' bundles), with the machine, the date and the commit.
//
//   npm run bench                      everything
//   npm run bench -- server sdk        some of: server, postgres, sdk, widgets, lighthouse
//   npm run bench -- --report-only     rewrite RESULTS.md from bench/out/*.json as they are
//
// Plain Node with no dependencies (like scripts/test.mjs), so it can install what is missing first.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, ensureChromium, ensureDependencies, ensurePostgres, log, root, run } from './lib.mjs';

const args = process.argv.slice(2);
const reportOnly = args.includes('--report-only');
const wanted = args.filter((a) => !a.startsWith('--'));
const want = (name) => wanted.length === 0 || wanted.includes(name);

const OUT = join(root, 'bench', 'out');
const FILES = {
  server: 'server.json',
  postgres: 'server-postgres.json',
  sdk: 'sdk.json',
  widgets: 'widgets.json',
  lighthouse: 'lighthouse.json',
};

const started = Date.now();
const load = { before: loadavg()[0] };
/** name → 'ok' | 'failed: …' | 'skipped: …' for this run. */
const outcome = {};

if (!reportOnly) {
  ensureDependencies();
  const env = { ...process.env, CHROME_PATH: CHROMIUM };
  const browser = ensureChromium();
  const pgUrl = want('postgres') ? ensurePostgres() : null;
  const benches = [
    ['server', ['run', 'bench:server'], {}],
    [
      'postgres',
      ['run', 'bench:server', '--', '--store', 'postgres'],
      { ANALYTICS_TEST_PG_URL: pgUrl ?? '' },
    ],
    ['sdk', ['run', 'bench:sdk'], {}],
    ['widgets', ['run', 'bench:widgets'], {}],
    // Lighthouse on the demo's dashboard: starts the demo itself (bench/lighthouse.mjs).
    ['lighthouse', ['exec', '--', 'node', 'bench/lighthouse.mjs'], {}],
  ];
  for (const [name, npmArgs, extra] of benches) {
    if (!want(name)) continue;
    if (name === 'postgres' && !pgUrl) {
      outcome[name] = 'skipped: no PostgreSQL (set ANALYTICS_TEST_PG_URL, or run as root to install one)';
      continue;
    }
    if ((name === 'sdk' || name === 'widgets' || name === 'lighthouse') && !browser) {
      outcome[name] = `skipped: no Chromium at ${CHROMIUM}`;
      continue;
    }
    log(`bench: ${name}`);
    try {
      run('npm', npmArgs, { env: { ...env, ...extra } });
      outcome[name] = 'ok';
    } catch (error) {
      outcome[name] = `failed: ${error.message}`;
    }
  }
}
load.after = loadavg()[0];

/** A benchmark's JSON, with whether this run wrote it. */
function result(name) {
  const path = join(OUT, FILES[name]);
  if (!existsSync(path)) return undefined;
  return { data: JSON.parse(readFileSync(path, 'utf8')), fresh: statSync(path).mtimeMs >= started };
}

const server = result('server');
const postgres = result('postgres');
const sdk = result('sdk');
const widgets = result('widgets');
const lighthouse = result('lighthouse');

// ---- formatting ----------------------------------------------------------------------------------------

const num = (v, digits = 0) =>
  typeof v === 'number' && Number.isFinite(v)
    ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';
const ms = (v) => (typeof v === 'number' ? `${num(v, v < 10 ? 2 : 1)} ms` : '–');
const kb = (bytes) => (typeof bytes === 'number' ? `${num(bytes / 1024, 1)} KiB` : '–');
const ratio = (value, reference) =>
  typeof value === 'number' && typeof reference === 'number' && reference !== 0
    ? `${num(value / reference, value / reference < 0.1 ? 3 : 2)} ×`
    : '–';

/** A table of figures: [label, shown value, raw value, reference label, raw reference]. */
function table(rows) {
  const lines = ['| figure | value | reference (same run) | ratio |', '|---|---:|---|---:|'];
  for (const [label, shown, value, refLabel, reference] of rows) {
    lines.push(`| ${label} | ${shown} | ${refLabel ?? '–'} | ${refLabel ? ratio(value, reference) : '–'} |`);
  }
  return lines.join('\n');
}

function when(r) {
  const date = r.data.when ?? r.data.date;
  return `${date ? new Date(date).toISOString().replace('T', ' ').slice(0, 16) : 'unknown time'} UTC${r.fresh ? '' : ' (from an earlier run)'}`;
}

function git(...a) {
  try {
    return execFileSync('git', a, {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

// ---- sections --------------------------------------------------------------------------------------------

const sections = [];

if (server) {
  const s = server.data;
  const ceiling = s.ingest?.in_process_ceiling?.events_per_s;
  const http = s.ingest?.http;
  const r = s.reads ?? {};
  const store = r.store_only ?? {};
  sections.push(`## Server (SQLite) · ${when(server)}

Ingest: batches of 100 events with an Idempotency-Key, 16 connections, the API as its own process. The
reference is the in-process ceiling: the same rows through the store in one transaction per batch, with no
HTTP, JSON or validation. Reads at ${num(r.events)} events across ${num(r.orgs)} orgs, sequential requests on one
keep-alive connection; their reference is the same query through the store alone.

${table([
  [
    'ingest over HTTP',
    `${num(http?.events_per_s)} events/s`,
    http?.events_per_s,
    'in-process ceiling',
    ceiling,
  ],
  ['ingest in-process ceiling', `${num(ceiling)} events/s`, ceiling, 'itself', ceiling],
  [
    'server CPU per event over HTTP (whole process)',
    `${num(http?.server_cpu_us_per_event?.process, 1)} µs`,
    http?.server_cpu_us_per_event?.process,
    ceiling ? `ceiling: ${num(1e6 / ceiling, 1)} µs (one thread)` : undefined,
    ceiling ? 1e6 / ceiling : undefined,
  ],
  [
    'event-loop CPU per event over HTTP',
    `${num(http?.server_cpu_us_per_event?.main_thread, 1)} µs`,
    http?.server_cpu_us_per_event?.main_thread,
    `load generator: ${num(http?.client_cpu_us_per_event, 1)} µs`,
    http?.client_cpu_us_per_event,
  ],
  ['ingest p50 / p99 per request', `${ms(http?.p50_ms)} / ${ms(http?.p99_ms)}`, undefined, undefined],
  ['non-2xx / errors during ingest', `${num(http?.non_2xx)} / ${num(http?.errors)}`, undefined, undefined],
  [
    'bulk load',
    `${num(r.bulk_load_events_per_s)} events/s`,
    r.bulk_load_events_per_s,
    'in-process ceiling',
    ceiling,
  ],
  [
    'GET /events first page, p50',
    ms(r.first_page?.p50_ms),
    r.first_page?.p50_ms,
    `store only: ${ms(store.first_page?.p50_ms)}`,
    store.first_page?.p50_ms,
  ],
  [
    'GET /events page 1,000, p50',
    ms(r.page_1000?.p50_ms),
    r.page_1000?.p50_ms,
    `first page: ${ms(r.first_page?.p50_ms)}`,
    r.first_page?.p50_ms,
  ],
  [
    'GET /events page 1,000, p99',
    ms(r.page_1000?.p99_ms),
    r.page_1000?.p99_ms,
    `store only: ${ms(store.page_1000?.p99_ms)}`,
    store.page_1000?.p99_ms,
  ],
  [
    'summary, 90 days UTC, p50',
    ms(r.summary_90d_utc?.p50_ms),
    r.summary_90d_utc?.p50_ms,
    `store only: ${ms(store.summary_90d_utc?.p50_ms)}`,
    store.summary_90d_utc?.p50_ms,
  ],
  [
    'summary, 90 days America/New_York, p50',
    ms(r.summary_90d_new_york?.p50_ms),
    r.summary_90d_new_york?.p50_ms,
    `UTC (rollups): ${ms(r.summary_90d_utc?.p50_ms)}`,
    r.summary_90d_utc?.p50_ms,
  ],
])}

Goals: ${num(s.ingest?.goals?.events_per_s)} events/s over HTTP and at least ${num((s.ingest?.goals?.share_of_ceiling ?? 0) * 100)} % of the
ceiling; first page under ${ms(s.reads?.goals?.first_page_p50_ms)} p50, page 1,000 within ${num(s.reads?.goals?.page_1000_vs_first, 1)} × of it,
a 90-day summary under ${ms(s.reads?.goals?.summary_90d_p50_ms)} p50. Load average during the run: ${num(s.machine?.load_average_1m?.before, 1)} →
${num(s.machine?.load_average_1m?.after, 1)} on ${num(s.machine?.cpus)} cores (above the core count, other work competed for them).
A fixed CPU workload took ${ms(s.machine?.cpu_reference_ms?.before)} before the run and ${ms(s.machine?.cpu_reference_ms?.after)} after it (lower is faster): on a
shared virtual machine the same code runs at different speeds from one moment to the next, and this says how fast
the cores were at this run's moment.`);
}

if (postgres) {
  const p = postgres.data;
  const ih = p.ingest_http ?? {};
  const sqliteHttp = ih.sqlite_1_process?.events_per_s;
  const ceiling = server?.data.ingest?.in_process_ceiling?.events_per_s;
  const rp = p.reads_postgres ?? {};
  const rs = server?.data.reads ?? {};
  const cpuPerEvent = (r) =>
    r?.cpu_us_per_event ? (r.cpu_us_per_event.api ?? 0) + (r.cpu_us_per_event.postgres ?? 0) : undefined;
  const cores = (c) =>
    c ? `API ${num(c.api, 2)}, PostgreSQL ${num(c.postgres, 2)}, load ${num(c.load_generator, 2)}` : '–';
  sections.push(`## Server (PostgreSQL ${String(p.postgres?.server_version ?? '').split(' ')[0]}) · ${when(postgres)}

The same ingest as above; its reference is SQLite over HTTP measured in this same PostgreSQL run (and the
SQLite in-process ceiling from the server benchmark). CPU in cores used during each run shows where the time
went. Reads at ${num(rp.events)} events; their reference is the same request on SQLite.

${table([
  [
    'ingest over HTTP, SQLite, 1 API process',
    `${num(sqliteHttp)} events/s`,
    sqliteHttp,
    'SQLite in-process ceiling',
    ceiling,
  ],
  [
    'ingest over HTTP, 1 API process',
    `${num(ih.postgres_1_process?.events_per_s)} events/s`,
    ih.postgres_1_process?.events_per_s,
    'SQLite over HTTP',
    sqliteHttp,
  ],
  [
    'ingest over HTTP, 2 API processes',
    `${num(ih.postgres_2_processes?.events_per_s)} events/s`,
    ih.postgres_2_processes?.events_per_s,
    'SQLite over HTTP',
    sqliteHttp,
  ],
  [
    'CPU per event over HTTP, 1 API process (API + PostgreSQL)',
    `${num(cpuPerEvent(ih.postgres_1_process), 1)} µs`,
    cpuPerEvent(ih.postgres_1_process),
    `SQLite: ${num(cpuPerEvent(ih.sqlite_1_process), 1)} µs`,
    cpuPerEvent(ih.sqlite_1_process),
  ],
  [
    'ingest into the store (16 in flight)',
    `${num(p.ingest_postgres_in_process?.events_per_s)} events/s`,
    p.ingest_postgres_in_process?.events_per_s,
    'SQLite in-process ceiling',
    ceiling,
  ],
  [
    'bulk load',
    `${num(rp.bulk_load_events_per_s)} events/s`,
    rp.bulk_load_events_per_s,
    'SQLite bulk load',
    rs.bulk_load_events_per_s,
  ],
  [
    'GET /events first page, p50',
    ms(rp.first_page?.p50_ms),
    rp.first_page?.p50_ms,
    `SQLite: ${ms(rs.first_page?.p50_ms)}`,
    rs.first_page?.p50_ms,
  ],
  [
    'GET /events page 1,000, p50',
    ms(rp.page_1000?.p50_ms),
    rp.page_1000?.p50_ms,
    `SQLite: ${ms(rs.page_1000?.p50_ms)}`,
    rs.page_1000?.p50_ms,
  ],
  [
    'summary, 90 days UTC, p50',
    ms(rp.summary_90d_utc?.p50_ms),
    rp.summary_90d_utc?.p50_ms,
    `SQLite: ${ms(rs.summary_90d_utc?.p50_ms)}`,
    rs.summary_90d_utc?.p50_ms,
  ],
  [
    'summary, 90 days America/New_York, p50',
    ms(rp.summary_90d_new_york?.p50_ms),
    rp.summary_90d_new_york?.p50_ms,
    `SQLite: ${ms(rs.summary_90d_new_york?.p50_ms)}`,
    rs.summary_90d_new_york?.p50_ms,
  ],
  [
    'user-filtered first page, p50',
    ms(rp.user_filter_first_page?.p50_ms),
    rp.user_filter_first_page?.p50_ms,
    `first page: ${ms(rp.first_page?.p50_ms)}`,
    rp.first_page?.p50_ms,
  ],
])}

CPU during ingest (cores): SQLite ${cores(ih.sqlite_1_process?.cpu_cores)}; PostgreSQL, 1 process ${cores(ih.postgres_1_process?.cpu_cores)};
2 processes ${cores(ih.postgres_2_processes?.cpu_cores)}.`);
}

if (sdk) {
  const d = sdk.data;
  const bundles = d.bundles ?? [];
  const anchor = (name) => bundles.find((b) => b.name === name);
  const posthog = anchor('posthog-js');
  const segment = anchor('@segment/analytics-next');
  const ours = bundles.filter((b) => b.name.startsWith('@acme/'));
  const rows = [];
  for (const b of ours) {
    rows.push([`${b.name}, min+gzip`, kb(b.gzip), b.gzip, `posthog-js: ${kb(posthog?.gzip)}`, posthog?.gzip]);
    rows.push([`${b.name}, min+gzip`, kb(b.gzip), b.gzip, `Segment: ${kb(segment?.gzip)}`, segment?.gzip]);
  }
  const chromium = d.chromium ?? [];
  const idb = chromium.find((c) => c.persistence === 'auto');
  const mem = chromium.find((c) => c.persistence === 'memory');
  rows.push(
    [
      'trackEvent, synchronous part (IndexedDB queue)',
      `${num(idb?.callUs, 1)} µs`,
      idb?.callUs,
      `memory queue: ${num(mem?.callUs, 1)} µs`,
      mem?.callUs,
    ],
    [
      'trackEvent until durably queued (IndexedDB)',
      `${num(idb?.awaitedUs, 0)} µs`,
      idb?.awaitedUs,
      `memory queue: ${num(mem?.awaitedUs, 0)} µs`,
      mem?.awaitedUs,
    ],
    [
      'heap held per 10,000 queued events (IndexedDB)',
      kb(idb?.heapBytesPer10k),
      idb?.heapBytesPer10k,
      `memory queue: ${kb(mem?.heapBytesPer10k)}`,
      mem?.heapBytesPer10k,
    ],
  );
  sections.push(`## SDK · ${when(sdk)}

Bundles: every SDK bundled by esbuild the same way in the same run, each initialised and tracking one event;
the anchors are posthog-js and @segment/analytics-next. In Debian's headless Chromium: the cost of
\`trackEvent\` and the heap held by queued events, IndexedDB queue against the memory queue.

${table(rows)}`);
}

if (widgets) {
  const w = widgets.data;
  const posthog = sdk?.data.bundles?.find((b) => b.name === 'posthog-js');
  const firstPage = server?.data.reads?.first_page?.p50_ms;
  const rows = Object.entries(w.bundles ?? {}).map(([name, b]) => [
    `${name}, min+gzip`,
    kb(b.gzip),
    b.gzip,
    `posthog-js: ${kb(posthog?.gzip)}`,
    posthog?.gzip,
  ]);
  rows.push(
    [
      '`<events-table>` connected → first rows, median',
      ms(w.connectToFirstRowsMs?.median),
      w.connectToFirstRowsMs?.median,
      `API first page p50: ${ms(firstPage)}`,
      firstPage,
    ],
    [
      'scrolling 10,000 rows: cost per step, median',
      ms(w.scroll?.stepCostMs?.median),
      w.scroll?.stepCostMs?.median,
      'a 60 Hz frame: 16.7 ms',
      16.7,
    ],
    [
      'scrolling: interval between frames, p95',
      ms(w.scroll?.frameIntervalMs?.p95),
      w.scroll?.frameIntervalMs?.p95,
      'a 60 Hz frame: 16.7 ms',
      16.7,
    ],
    [
      'rows in the DOM while scrolling 10,000',
      num(w.scroll?.rowsInDom),
      w.scroll?.rowsInDom,
      `rows loaded: ${num(w.rows)}`,
      w.rows,
    ],
  );
  sections.push(`## Widgets · ${when(widgets)}

In Debian's headless Chromium against the real API seeded with ${num(w.rows)} events. Bundle anchor: posthog-js
from the SDK benchmark of this run.

${table(rows)}`);
}

if (lighthouse) {
  const l = lighthouse.data;
  const runs = l.runs ?? [];
  const seconds = (v) => (typeof v === 'number' ? `${num(v / 1000, 2)} s` : '–');
  // [label, how to read it from a run (or the median, which has the same shape), how to show it, goal]
  const figures = [
    ['performance', (r) => r.scores?.performance, (v) => num(v), 95],
    ['accessibility', (r) => r.scores?.accessibility, (v) => num(v), 100],
    ['best practices', (r) => r.scores?.['best-practices'], (v) => num(v), 100],
    ['SEO', (r) => r.scores?.seo, (v) => num(v), 100],
    ['cumulative layout shift', (r) => r.metrics?.cls, (v) => num(v, 3), 0.1],
    ['total blocking time', (r) => r.metrics?.tbt, ms, 100],
    ['largest contentful paint', (r) => r.metrics?.lcp, seconds, 2500],
    ['first contentful paint', (r) => r.metrics?.fcp, seconds, 1800],
  ];
  const lines = ['| figure | median | each run | goal |', '|---|---:|---|---|'];
  for (const [label, pick, show, goal] of figures) {
    const each = runs.map((r) => show(pick(r))).join(' / ') || '–';
    const goalShown = label.startsWith('largest') || label.startsWith('first') ? seconds(goal) : show(goal);
    const atMost = /shift|time|paint/.test(label);
    lines.push(`| ${label} | ${show(pick(l.median ?? {}))} | ${each} | ${atMost ? '≤' : '≥'} ${goalShown} |`);
  }
  sections.push(`## Dashboard in Lighthouse · ${when(lighthouse)}

Lighthouse ${l.lighthouse}, ${l.settings}, on \`${l.url}\` of the demo as \`npm start\`
serves it (\`next start\`, the API seeded with sample_data/), signed in as a sample user, in Debian's headless
Chromium; ${num(runs.length)} runs, their median first. Lighthouse simulates the slow phone from what it
measures on this machine, so its timings (and the performance score) move with the machine's load: the load
average was ${num(l.load_average_1m, 1)} after the runs, on ${num(cpus().length)} cores, and Lighthouse's benchmark index
(its own measure of the machine's speed at each run; higher is faster) was
${runs.map((r) => num(r.benchmark_index)).join(' / ') || '–'}.

${lines.join('\n')}`);
}

const commit = git('rev-parse', '--short', 'HEAD');
const dirty = git('status', '--porcelain', '--untracked-files=no') ? ' (with uncommitted changes)' : '';
const cpu = cpus();
const ran = Object.entries(outcome)
  .map(([name, o]) => `- ${name}: ${o}`)
  .join('\n');
const markdown = `# Benchmark results

Written by \`npm run bench\` (\`scripts/bench.mjs\`). Every ratio compares two figures measured in the same run on
the same machine, so it means more than either figure alone on a shared machine.

- **Date**: ${new Date().toISOString().replace('T', ' ').slice(0, 16)} UTC
- **Commit**: ${commit || 'unknown'}${dirty}
- **Machine**: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}${cpu[0]?.speed ? ` at ${num(cpu[0].speed)} MHz` : ''}, ${num(totalmem() / 2 ** 30, 1)} GiB memory (${num(freemem() / 2 ** 30, 1)} GiB free at the end), ${process.platform} ${process.arch}, Node ${process.version}
- **Load average** (1 min): ${num(load.before, 1)} before, ${num(load.after, 1)} after${reportOnly ? ' (report only: no benchmark ran)' : ''}
${ran ? `\nThis run:\n\n${ran}\n` : ''}
${sections.join('\n\n') || 'No benchmark output found in `bench/out/`.'}
`;

writeFileSync(join(root, 'bench', 'RESULTS.md'), markdown);
log('written to bench/RESULTS.md');
if (Object.values(outcome).some((o) => o.startsWith('failed'))) process.exit(1);
