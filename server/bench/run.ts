/**
 * `npm run bench:server`: the server's performance goals, measured on loopback. Bounded in time (about a
 * minute plus the 1M-event load), prints a table and writes `bench/out/server.json` at the repository root.
 *
 * 1. Ingest over HTTP: batches of 100 events (~300 B of properties and a ~250 B context each, 10 visitors
 *    with their sessions per batch), a desktop browser's User-Agent (parsed, as every request's is), an
 *    Idempotency-Key per request, 16 connections (BENCH_CONNECTIONS) against the server running as its own
 *    process (as deployed), with the request bodies made before the clock starts. Events/s, p50/p99, CPU
 *    per event of server and client.
 * 2. The in-process ceiling: the same rows into the same schema, one 100-event transaction per batch
 *    (idempotency record included), straight through the store on its own connection: no HTTP, JSON,
 *    validation, enrichment or hand-over to the writer thread.
 * 3. Reads at 1,000,000 events across 10 orgs (generated visits: visitors, sessions, referrers, devices):
 *    first page, page 1,000, a 90-day metrics summary with and without the visitor metrics; p50/p99 of
 *    sequential requests over one keep-alive connection.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatedOrgIds } from '../src/lib/generate.js';
import { DAY_MS } from '../src/lib/time.js';
import { createStore } from '../src/store/sqlite/index.js';
import { mintToken } from '../src/testing.js';
import {
  httpReads,
  ingestLoad,
  keyOfPage,
  loadReadData,
  preparedBodies,
  storeBatches,
  summaryQuery,
  timeCalls,
} from './common.js';

const ROOT = new URL('../../', import.meta.url).pathname;
// BENCH_SERVER_ENTRY: another checkout's `src/server.ts`, to compare two versions on one machine state.
const ENTRY = process.env.BENCH_SERVER_ENTRY ?? new URL('../src/server.ts', import.meta.url).pathname;
const INGEST_SECONDS = Number(process.env.BENCH_INGEST_SECONDS ?? 10);
const READ_EVENTS = Number(process.env.BENCH_READ_EVENTS ?? 1_000_000);
const READ_ITERATIONS = Number(process.env.BENCH_READ_ITERATIONS ?? 2000);
const ORGS = 10;
// Concurrent clients of the HTTP ingest run (BENCH_CONNECTIONS).
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

const dir = mkdtempSync(join(tmpdir(), 'analytics-bench-'));
const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/**
 * CPU seconds (user + system) the server has used: its main thread (the event loop) and the whole process
 * (workers included). From /proc, so only on Linux. Unlike events/s, CPU per event barely depends on what
 * else runs on the machine, which makes before/after comparisons on a shared machine meaningful.
 */
function cpuSeconds(pid: number | undefined): { main: number; process: number } | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return undefined;
  // Fields 14 and 15 (utime, stime), in clock ticks (100 per second on Linux), after the ")" of the name.
  const ticks = (path: string) => {
    const f = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  };
  return { main: ticks(`/proc/${pid}/task/${pid}/stat`), process: ticks(`/proc/${pid}/stat`) };
}

function startServer(
  databaseUrl: string,
): Promise<{ url: string; pid: number | undefined; stop: () => Promise<void> }> {
  const profile = process.env.BENCH_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
    : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', ENTRY], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      ANALYTICS_RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'info', // as deployed: one JSON line per request
      ANALYTICS_DEBUG_STATS: process.env.ANALYTICS_DEBUG_STATS ?? '',
      ANALYTICS_SQLITE_CHECKPOINT: process.env.ANALYTICS_SQLITE_CHECKPOINT ?? '',
      ANALYTICS_SQLITE_WRITER: process.env.ANALYTICS_SQLITE_WRITER ?? '',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return new Promise((resolve, reject) => {
    let buf = '';
    let ready = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      if (ready) return; // keep draining the request log
      buf += chunk.toString();
      const m = /"url":"([^"]+)"[^\n]*"msg":"listening"/.exec(buf);
      if (m) {
        ready = true;
        resolve({
          url: m[1]!,
          pid: child.pid,
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    void exited.then(() => reject(new Error(`server exited before listening:\n${buf}`)));
  });
}

async function benchIngestHttp() {
  const server = await startServer(`sqlite:${join(dir, 'ingest.db')}`);
  const tokens = await Promise.all(
    generatedOrgIds(ORGS).map((org) => mintToken({ org, scope: 'events:write' })),
  );
  const run = ingestLoad({
    url: server.url,
    tokens,
    bodies: preparedBodies(1, INGEST_SECONDS + 2),
    connections: CONNECTIONS,
    keyPrefix: 'bench',
  });
  await run(2); // warm-up: JIT, page cache
  const cpu0 = cpuSeconds(server.pid);
  const client0 = process.cpuUsage();
  const r = await run(INGEST_SECONDS);
  const client = process.cpuUsage(client0);
  const cpu1 = cpuSeconds(server.pid);
  await server.stop();
  const ok = r['2xx'];
  const perEvent = (a: number, b: number) => Math.round(((b - a) / (ok * 100)) * 1e7) / 10;
  return {
    requests: r.requests.total,
    non_2xx: r.non2xx,
    errors: r.errors,
    events_per_s: Math.round((ok * 100) / r.duration),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    server_cpu_us_per_event:
      cpu0 && cpu1
        ? { main_thread: perEvent(cpu0.main, cpu1.main), process: perEvent(cpu0.process, cpu1.process) }
        : null,
    // The load generator runs on the same cores; what it takes, the server does not get.
    client_cpu_us_per_event: perEvent(0, (client.user + client.system) / 1e6),
  };
}

async function benchIngestCeiling(events: number) {
  // On the event loop's connection: the ceiling is the database work alone, without the hand-over to the
  // writer thread (which the HTTP server overlaps with parsing the next requests).
  const writerMode = process.env.ANALYTICS_SQLITE_WRITER;
  process.env.ANALYTICS_SQLITE_WRITER = 'inline';
  const store = await createStore(`sqlite:${join(dir, 'ceiling.db')}`);
  if (writerMode === undefined) delete process.env.ANALYTICS_SQLITE_WRITER;
  else process.env.ANALYTICS_SQLITE_WRITER = writerMode;
  await store.migrate();
  const orgs = generatedOrgIds(ORGS);
  // Made outside the timed loop: the ceiling measures the database work alone.
  const batches = await storeBatches(2, Math.ceil(events / 100), orgs);
  const t0 = performance.now();
  let i = 0;
  for (const b of batches) {
    await store.ingest({
      ...b,
      receivedAt: Date.now(),
      idempotency: { key: `ceiling-${i++}`, requestHash: 'h' },
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  return { events: batches.length * 100, events_per_s: Math.round((batches.length * 100) / seconds) };
}

/** The same three reads straight against the store (no HTTP), to separate database from transport cost. */
async function storeTimings(store: Awaited<ReturnType<typeof createStore>>, orgId: string, end: number) {
  const time = (fn: () => Promise<unknown>) => timeCalls(fn, 1000, 100);
  const before = await keyOfPage(store, orgId, 1000);
  const summary = summaryQuery(orgId, Math.floor(end / DAY_MS), 'UTC');
  const visitors = summaryQuery(orgId, Math.floor(end / DAY_MS), 'UTC', true);
  return {
    first_page: await time(() => store.queryEvents({ orgId, limit: 50 })),
    page_1000: await time(() => store.queryEvents({ orgId, limit: 50, before })),
    summary_90d_utc: await time(() => store.metricsSummary(summary)),
    summary_visitors_90d_utc: await time(() => store.metricsSummary(visitors)),
  };
}

async function benchReads() {
  const databaseUrl = `sqlite:${join(dir, 'reads.db')}`;
  const store = await createStore(databaseUrl);
  await store.migrate();
  const end = Date.now();
  const { loaded, seconds: loadSeconds } = await loadReadData(store, {
    events: READ_EVENTS,
    orgs: ORGS,
    end,
  });
  const inProcess = await storeTimings(store, generatedOrgIds(ORGS)[0]!, end);
  await store.close();

  const server = await startServer(databaseUrl);
  const org = generatedOrgIds(ORGS)[0]!;
  const token = await mintToken({ org, scope: 'events:read metrics:read' });
  const reads = await httpReads(
    server.url,
    token,
    Math.floor(end / DAY_MS),
    READ_ITERATIONS,
    Math.min(200, READ_ITERATIONS),
  );
  await server.stop();
  return {
    events: loaded,
    orgs: ORGS,
    bulk_load_events_per_s: Math.round(loaded / loadSeconds),
    store_only: inProcess,
    ...reads,
  };
}

// `--store postgres`: the PostgreSQL store next to SQLite, measured by bench/postgres.ts instead of this run.
const storeArg = process.argv.indexOf('--store');
if (storeArg !== -1 && process.argv[storeArg + 1] === 'postgres') {
  await (await import('./postgres.js')).main();
  process.exit(0);
}

/**
 * Milliseconds for a fixed CPU workload (JSON round trips of a ~1 MB document, best of five). On a shared
 * virtual machine the same code runs at different speeds from one moment to the next; this figure, taken
 * before and after, says how fast the cores were during this run, so runs can be compared.
 */
function cpuReference(): number {
  const doc = Array.from({ length: 5000 }, (_, i) => ({
    i,
    name: `item ${i}`,
    tags: ['a', 'b', 'c'],
    x: i / 7,
  }));
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 5; run++) {
    const t0 = performance.now();
    for (let k = 0; k < 5; k++) JSON.parse(JSON.stringify(doc));
    best = Math.min(best, performance.now() - t0);
  }
  return Math.round(best * 100) / 100;
}

const loadBefore = loadavg()[0]!;
// The best of three: right after start the first calls also pay for compiling the workload and for the
// runtime's own start-up work on the other core.
const referenceBefore = Math.min(cpuReference(), cpuReference(), cpuReference());
const httpIngest = await benchIngestHttp();
if (process.env.BENCH_ONLY_HTTP) {
  console.log(httpIngest);
  process.exit(0);
}
const ceiling = await benchIngestCeiling(Math.max(100_000, Math.min(500_000, httpIngest.events_per_s * 5)));
// BENCH_ONLY_INGEST: the two ingest figures without the read benchmarks' million-event load, for comparing
// ingest changes run after run (BENCH_ONLY_HTTP: the HTTP figure alone).
if (process.env.BENCH_ONLY_INGEST) {
  console.log({ http: httpIngest, in_process_ceiling: ceiling });
  process.exit(0);
}
const reads = await benchReads();

const result = {
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    // Other work on the machine skews every figure; a load above the core count means contention.
    load_average_1m: { before: loadBefore, after: loadavg()[0]! },
    cpu_reference_ms: { before: referenceBefore, after: cpuReference() },
  },
  when: new Date().toISOString(),
  ingest: {
    http: httpIngest,
    in_process_ceiling: ceiling,
    http_share_of_ceiling: Math.round((httpIngest.events_per_s / ceiling.events_per_s) * 100) / 100,
    goals: { events_per_s: 50_000, share_of_ceiling: 0.5 },
  },
  reads: {
    ...reads,
    goals: {
      first_page_p50_ms: 2,
      page_1000_vs_first: 1.5,
      summary_90d_p50_ms: 10,
      summary_visitors_90d_p50_ms: 10,
    },
  },
};

mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
writeFileSync(join(ROOT, 'bench/out/server.json'), `${JSON.stringify(result, null, 2)}\n`);

const line = (label: string, value: string) => console.log(`${label.padEnd(44)} ${value}`);
console.log(
  `\nserver benchmark (${result.machine.cpus} × ${result.machine.model}, Node ${process.version}, load ${loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}, CPU reference ${result.machine.cpu_reference_ms.before} → ${result.machine.cpu_reference_ms.after} ms)`,
);
line(
  'ingest over HTTP (100/batch, idempotency keys)',
  `${httpIngest.events_per_s.toLocaleString('en-US')} events/s  p50 ${httpIngest.p50_ms} ms  p99 ${httpIngest.p99_ms} ms  (${httpIngest.non_2xx} non-2xx)`,
);
line(
  'ingest in-process ceiling (100/transaction)',
  `${ceiling.events_per_s.toLocaleString('en-US')} events/s`,
);
line('HTTP share of ceiling', `${Math.round(result.ingest.http_share_of_ceiling * 100)} %`);
line(
  `bulk load (${reads.events.toLocaleString('en-US')} events, ${ORGS} orgs)`,
  `${reads.bulk_load_events_per_s.toLocaleString('en-US')} events/s`,
);
line(
  'store only: page 1 / page 1,000 / 90-day summary',
  `p50 ${reads.store_only.first_page.p50_ms} / ${reads.store_only.page_1000.p50_ms} / ${reads.store_only.summary_90d_utc.p50_ms} ms`,
);
line(
  'store only: 90-day summary, visitor metrics',
  `p50 ${reads.store_only.summary_visitors_90d_utc.p50_ms} ms`,
);
line('GET /events first page (50)', `p50 ${reads.first_page.p50_ms} ms  p99 ${reads.first_page.p99_ms} ms`);
line('GET /events page 1,000', `p50 ${reads.page_1000.p50_ms} ms  p99 ${reads.page_1000.p99_ms} ms`);
line(
  'GET /metrics/summary 90 days (UTC)',
  `p50 ${reads.summary_90d_utc.p50_ms} ms  p99 ${reads.summary_90d_utc.p99_ms} ms`,
);
line(
  'GET /metrics/summary 90 days (America/New_York)',
  `p50 ${reads.summary_90d_new_york.p50_ms} ms  p99 ${reads.summary_90d_new_york.p99_ms} ms`,
);
line(
  'GET /metrics/summary 90 days, visitor metrics (UTC)',
  `p50 ${reads.summary_visitors_90d_utc.p50_ms} ms  p99 ${reads.summary_visitors_90d_utc.p99_ms} ms`,
);
line(
  'GET /metrics/summary 90 days, visitor metrics (New York)',
  `p50 ${reads.summary_visitors_90d_new_york.p50_ms} ms  p99 ${reads.summary_visitors_90d_new_york.p99_ms} ms`,
);
console.log('\nwritten to bench/out/server.json');
process.exit(0);
