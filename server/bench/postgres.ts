/**
 * `npm run bench:server -- --store postgres`: the PostgreSQL store next to SQLite, in one run, on loopback.
 * Prints a table and writes `bench/out/server-postgres.json` at the repository root.
 *
 * 1. Ingest over HTTP, as `bench/run.ts` measures it (batches of 100 events of ~300 B properties, an
 *    Idempotency-Key per request, 16 connections): SQLite with one API process, PostgreSQL with one and with
 *    two API processes (`src/cluster.ts --workers 2`). During each run the CPU time of the API processes, of
 *    PostgreSQL and of the load generator is sampled from /proc, and PostgreSQL's commits and WAL flushes are
 *    read from its statistics, so the table says where the time went.
 * 2. The PostgreSQL store without HTTP: the same batches straight into the store, 16 in flight.
 * 3. Reads at 1,000,000 events across 10 orgs on PostgreSQL: first page, page 1,000, a 90-day summary (UTC:
 *    rollups; America/New_York: a scan), a user-filtered page.
 *
 * PostgreSQL: `ANALYTICS_BENCH_PG_URL`, else `ANALYTICS_TEST_PG_URL`, else the local test server (started from
 * Debian's packages when run as root). Each part uses its own schema, dropped at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { generatedOrgIds } from '../src/lib/generate.js';
import { DAY_MS } from '../src/lib/time.js';
import { createStore, type PostgresEventStore, testDatabaseUrl } from '../src/store/postgres/index.js';
import { mintToken } from '../src/testing.js';
import {
  httpReads,
  ingestLoad,
  keyOfPage,
  latency,
  loadReadData,
  preparedBodies,
  storeBatches,
  summaryQuery,
  timeCalls,
} from './common.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const SERVER = new URL('../src/server.ts', import.meta.url).pathname;
const CLUSTER = new URL('../src/cluster.ts', import.meta.url).pathname;
const INGEST_SECONDS = Number(process.env.BENCH_INGEST_SECONDS ?? 10);
const READ_EVENTS = Number(process.env.BENCH_READ_EVENTS ?? 1_000_000);
const READ_ITERATIONS = Number(process.env.BENCH_READ_ITERATIONS ?? 1000);
const CONNECTIONS = 16;
const ORGS = 10;
const CLK_TCK = 100; // Linux USER_HZ

async function pgBaseUrl(): Promise<string> {
  const given = process.env.ANALYTICS_BENCH_PG_URL ?? process.env.ANALYTICS_TEST_PG_URL;
  if (given) return given;
  // A variable specifier: the helper is plain JavaScript outside this package.
  const lib = join(ROOT, 'scripts/lib.mjs');
  const { ensurePostgres } = (await import(lib)) as { ensurePostgres: () => string | null };
  const url = ensurePostgres();
  if (!url) throw new Error('no PostgreSQL: set ANALYTICS_BENCH_PG_URL (or run as root to install one)');
  return url;
}

const dir = mkdtempSync(join(tmpdir(), 'analytics-bench-pg-'));
const children: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

// ---- processes and CPU accounting -------------------------------------------------------------------

function startApi(entry: string, args: string[], databaseUrl: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      ANALYTICS_RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'info', // as deployed: one JSON line per request
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let stopping = false;
  const exited = new Promise<void>((r) =>
    child.on('exit', (code, signal) => {
      if (!stopping) process.stderr.write(`API process exited unexpectedly (${code ?? signal}):\n${tail}\n`);
      r();
    }),
  );
  // The last lines of the request log, to show why a process died.
  let tail = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  });
  return new Promise<{ url: string; pid: number; stop: () => Promise<void> }>((resolve, reject) => {
    let buf = '';
    let ready = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      if (ready) return; // keep draining the request log
      buf += chunk.toString();
      for (const line of buf.split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; url?: string; workers?: number; store?: string };
        // A single process announces itself with its store; the cluster primary with its worker count.
        if (
          entry.msg === 'listening' &&
          entry.url &&
          (entry.workers !== undefined || entry.store !== undefined)
        ) {
          if (entry.workers === undefined && args.includes('--workers')) continue;
          ready = true;
          resolve({
            url: entry.url,
            pid: child.pid!,
            stop: async () => {
              stopping = true;
              child.kill('SIGTERM');
              await exited;
            },
          });
          return;
        }
      }
    });
    void exited.then(() => reject(new Error(`server exited before listening:\n${buf}`)));
  });
}

/** utime + stime of a process, in seconds; 0 once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

function processes(): { pid: number; ppid: number; comm: string }[] {
  const out: { pid: number; ppid: number; comm: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.push({ pid: Number(name), ppid, comm });
    } catch {
      // the process ended while listing
    }
  }
  return out;
}

function descendants(root: number): number[] {
  const all = processes();
  const found = [root];
  for (let i = 0; i < found.length; i++) {
    for (const p of all) if (p.ppid === found[i]) found.push(p.pid);
  }
  return found;
}

/** CPU seconds the whole machine spent busy (all cores), from /proc/stat. */
function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / CLK_TCK;
}

/**
 * CPU used by groups of processes between `start()` and `stop()`, in cores, plus `others`: whatever else
 * kept the machine busy meanwhile (other work on a shared machine competes for the same cores).
 */
function cpuMeter(groups: Record<string, () => number[]>) {
  const before = new Map<string, Map<number, number>>();
  let machineBefore = 0;
  const sample = () => {
    const out = new Map<string, Map<number, number>>();
    for (const [name, pids] of Object.entries(groups))
      out.set(name, new Map(pids().map((p) => [p, cpuSeconds(p)])));
    return out;
  };
  return {
    start() {
      for (const [k, v] of sample()) before.set(k, v);
      machineBefore = machineBusySeconds();
    },
    /** Cores busy per group over `seconds` of wall time. */
    stop(seconds: number): Record<string, number> {
      const after = sample();
      const machine = machineBusySeconds() - machineBefore;
      const result: Record<string, number> = {};
      let mine = 0;
      for (const [name, pids] of after) {
        let used = 0;
        for (const [pid, t] of pids) used += t - (before.get(name)?.get(pid) ?? 0);
        mine += used;
        result[name] = Math.round((used / seconds) * 100) / 100;
      }
      result.others = Math.max(0, Math.round(((machine - mine) / seconds) * 100) / 100);
      return result;
    },
  };
}

const postgresPids = () =>
  processes()
    .filter((p) => p.comm === 'postgres')
    .map((p) => p.pid);

// ---- load -------------------------------------------------------------------------------------------

async function pgStats(url: string): Promise<{ commits: number; walSyncs: number; walBytes: number }> {
  const client = new pg.Client({ connectionString: url.replace(/[?&]schema=[^&]*/, '') });
  await client.connect();
  try {
    const { rows } = await client.query<{ commits: string; wal_sync: string; wal_bytes: string }>(
      `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS commits,
              wal_sync, wal_bytes FROM pg_stat_wal`,
    );
    return {
      commits: Number(rows[0]!.commits),
      walSyncs: Number(rows[0]!.wal_sync),
      walBytes: Number(rows[0]!.wal_bytes),
    };
  } finally {
    await client.end();
  }
}

interface IngestFigures {
  api_processes: number;
  events_per_s: number;
  p50_ms: number;
  p99_ms: number;
  non_2xx: number;
  errors: number;
  /** Cores kept busy during the measured run (2 on this machine). */
  cpu_cores: { api: number; postgres: number; load_generator: number; others: number };
  postgres?: { commits_per_s: number; wal_flushes_per_s: number; wal_mb_per_s: number };
  /**
   * CPU microseconds per stored event in each part. Unlike events/s these hardly depend on what else the
   * machine is doing, so they say which part runs out first when it has the cores to itself.
   */
  cpu_us_per_event: { api: number; postgres: number };
}

async function ingestOverHttp(
  label: string,
  databaseUrl: string,
  workers: number,
  pgAdminUrl: string | null,
): Promise<IngestFigures> {
  const api =
    workers > 1
      ? await startApi(CLUSTER, ['--workers', String(workers)], databaseUrl)
      : await startApi(SERVER, [], databaseUrl);
  const tokens = await Promise.all(
    generatedOrgIds(ORGS).map((org) => mintToken({ org, scope: 'events:write' })),
  );
  const run = ingestLoad({
    url: api.url,
    tokens,
    bodies: preparedBodies(label.length, INGEST_SECONDS + 2),
    connections: CONNECTIONS,
    keyPrefix: `bench-${label}`,
  });
  await run(2); // warm-up: JIT, caches, connection pools
  const meter = cpuMeter({
    api: () => descendants(api.pid),
    postgres: pgAdminUrl ? postgresPids : () => [],
    load_generator: () => [process.pid],
  });
  const statsBefore = pgAdminUrl ? await pgStats(pgAdminUrl) : null;
  meter.start();
  const t0 = performance.now();
  const r = await run(INGEST_SECONDS);
  const wall = (performance.now() - t0) / 1000;
  const cpu = meter.stop(wall);
  const statsAfter = pgAdminUrl ? await pgStats(pgAdminUrl) : null;
  await api.stop();
  const figures: IngestFigures = {
    api_processes: workers,
    events_per_s: Math.round((r['2xx'] * 100) / r.duration),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    non_2xx: r.non2xx,
    errors: r.errors,
    cpu_cores: {
      api: cpu.api ?? 0,
      postgres: cpu.postgres ?? 0,
      load_generator: cpu.load_generator ?? 0,
      others: cpu.others ?? 0,
    },
    cpu_us_per_event: perEvent(cpu, Math.round((r['2xx'] * 100) / r.duration)),
  };
  if (statsBefore && statsAfter) {
    figures.postgres = {
      commits_per_s: Math.round((statsAfter.commits - statsBefore.commits) / wall),
      wal_flushes_per_s: Math.round((statsAfter.walSyncs - statsBefore.walSyncs) / wall),
      wal_mb_per_s: Math.round(((statsAfter.walBytes - statsBefore.walBytes) / wall / 1e6) * 10) / 10,
    };
  }
  return figures;
}

/** The same batches straight into the store (no HTTP, JSON or validation), CONNECTIONS in flight. */
async function ingestInProcess(databaseUrl: string) {
  const store = (await createStore(databaseUrl)) as PostgresEventStore;
  await store.migrate();
  const orgs = generatedOrgIds(ORGS);
  const batches = await storeBatches(7, 2000, orgs);
  const meter = cpuMeter({ postgres: postgresPids, node: () => [process.pid] });
  meter.start();
  const t0 = performance.now();
  let i = 0;
  const worker = async () => {
    while (i < batches.length) {
      const k = i++;
      await store.ingest({
        ...batches[k]!,
        receivedAt: Date.now(),
        idempotency: { key: `in-process-${k}`, requestHash: 'h' },
      });
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = meter.stop(seconds);
  await store.close();
  return {
    events: batches.length * 100,
    in_flight: CONNECTIONS,
    events_per_s: Math.round((batches.length * 100) / seconds),
    cpu_cores: cpu,
  };
}

// ---- reads ------------------------------------------------------------------------------------------

async function reads(databaseUrl: string) {
  const store = (await createStore(databaseUrl)) as PostgresEventStore;
  await store.migrate();
  const end = Date.now();
  const { loaded, seconds: loadSeconds } = await loadReadData(store, {
    events: READ_EVENTS,
    orgs: ORGS,
    end,
    progress: (n) => process.stderr.write(`\r  loading ${n.toLocaleString('en-US')} events`),
  });
  process.stderr.write('\n');
  // As after any bulk load: statistics for the planner and the visibility map for index-only scans.
  await store.pool.query('VACUUM (ANALYZE)');
  await store.close();

  const api = await startApi(SERVER, [], databaseUrl);
  const org = generatedOrgIds(ORGS)[0]!;
  const token = await mintToken({ org, scope: 'events:read metrics:read' });
  const lastDay = Math.floor(end / DAY_MS);
  const httpTimes = await httpReads(api.url, token, lastDay, READ_ITERATIONS, Math.min(50, READ_ITERATIONS));
  const byUser = await latency(`${api.url}/api/v1/events?limit=50&user_id=user_1_7`, token, READ_ITERATIONS);
  await api.stop();

  // The same reads straight through the store: what PostgreSQL and the driver cost, without HTTP.
  const direct = (await createStore(databaseUrl)) as PostgresEventStore;
  const before = await keyOfPage(direct, org, 1000);
  const store_ms = {
    first_page: await timed(() => direct.queryEvents({ orgId: org, limit: 50 }), READ_ITERATIONS),
    page_1000: await timed(() => direct.queryEvents({ orgId: org, limit: 50, before }), READ_ITERATIONS),
    user_filter_first_page: await timed(
      () => direct.queryEvents({ orgId: org, userId: 'user_1_7', limit: 50 }),
      READ_ITERATIONS,
    ),
    summary_90d_utc: await timed(
      () => direct.metricsSummary(summaryQuery(org, lastDay, 'UTC')),
      READ_ITERATIONS,
    ),
    summary_90d_new_york: await timed(
      () => direct.metricsSummary(summaryQuery(org, lastDay, 'America/New_York')),
      50,
    ),
  };
  await direct.close();

  const strip = ({ body: _b, ...rest }: { p50_ms: number; p99_ms: number; body: string }) => rest;
  return {
    events: loaded,
    orgs: ORGS,
    bulk_load_events_per_s: Math.round(loaded / loadSeconds),
    ...httpTimes,
    user_filter_first_page: strip(byUser),
    /** p50 of the same reads in-process through the store (PostgreSQL + driver, no HTTP). */
    store_p50_ms: store_ms,
  };
}

/** p50 in ms of `iterations` sequential calls, after a short warm-up. */
async function timed(fn: () => Promise<unknown>, iterations: number): Promise<number> {
  return (await timeCalls(fn, iterations, Math.min(50, iterations))).p50_ms;
}

function perEvent(cores: Record<string, number>, eventsPerSecond: number): { api: number; postgres: number } {
  const us = (c: number | undefined) =>
    eventsPerSecond > 0 ? Math.round(((c ?? 0) / eventsPerSecond) * 1e6 * 10) / 10 : 0;
  return { api: us(cores.api), postgres: us(cores.postgres) };
}

/** Where an ingest run spent the machine: a saturated CPU and who used it, or an idle one (latency-bound). */
function bottleneck(c: { api: number; postgres: number; load_generator: number; others: number }): string {
  const cores = cpus().length;
  const total = c.api + c.postgres + c.load_generator + c.others;
  const parts = [
    ['the API processes', c.api],
    ['PostgreSQL', c.postgres],
    ['the load generator', c.load_generator],
    ['other work on the machine', c.others],
  ] as const;
  const top = [...parts].sort((a, b) => b[1] - a[1])[0]!;
  if (total >= cores * 0.85) {
    return `CPU: ${total.toFixed(2)} of ${cores} cores busy, most of it ${top[0]} (${top[1]})`;
  }
  return `not CPU (${total.toFixed(2)} of ${cores} cores busy): waiting on commits and round trips`;
}

// ---- run --------------------------------------------------------------------------------------------

async function schemaUrl(base: string): Promise<string> {
  const made = await testDatabaseUrl(base);
  cleanups.push(made.dispose);
  return made.url;
}

export async function main(): Promise<void> {
  const base = await pgBaseUrl();
  console.log('PostgreSQL store benchmark (figures below; a minute or two, plus the 1M-event load)');
  let sqlite: IngestFigures;
  let pg1: IngestFigures;
  let pg2: IngestFigures;
  let inProcess: Awaited<ReturnType<typeof ingestInProcess>>;
  let readFigures: Awaited<ReturnType<typeof reads>>;
  try {
    sqlite = await ingestOverHttp('sqlite', `sqlite:${join(dir, 'ingest.db')}`, 1, null);
    pg1 = await ingestOverHttp('pg1', await schemaUrl(base), 1, base);
    pg2 = await ingestOverHttp('pg2', await schemaUrl(base), 2, base);
    inProcess = await ingestInProcess(await schemaUrl(base));
    readFigures = await reads(await schemaUrl(base));
  } finally {
    // Schemas go even when a step fails, so a broken run leaves nothing behind in the database.
    for (const c of cleanups) await c().catch(() => {});
  }

  const server = new pg.Client({ connectionString: base });
  await server.connect();
  const settings = Object.fromEntries(
    (
      await server.query<{ name: string; setting: string; unit: string | null }>(
        `SELECT name, setting, unit FROM pg_settings
          WHERE name IN ('shared_buffers', 'max_wal_size', 'synchronous_commit', 'wal_level', 'server_version')`,
      )
    ).rows.map((r) => [r.name, r.unit ? `${r.setting} × ${r.unit}` : r.setting]),
  );
  await server.end();

  const result = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
    postgres: settings,
    when: new Date().toISOString(),
    ingest_http: { sqlite_1_process: sqlite, postgres_1_process: pg1, postgres_2_processes: pg2 },
    ingest_postgres_in_process: inProcess,
    reads_postgres: readFigures,
  };
  mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/out/server-postgres.json'), `${JSON.stringify(result, null, 2)}\n`);

  const n = (x: number) => x.toLocaleString('en-US');
  const line = (label: string, value: string) => console.log(`${label.padEnd(46)} ${value}`);
  const ingestLine = (label: string, f: IngestFigures) => {
    line(
      label,
      `${n(f.events_per_s)} events/s  p50 ${f.p50_ms} ms  p99 ${f.p99_ms} ms  (${f.non_2xx} non-2xx)`,
    );
    const pgPart = f.postgres
      ? `  | ${n(f.postgres.commits_per_s)} commits/s, ${n(f.postgres.wal_flushes_per_s)} WAL flushes/s, ${f.postgres.wal_mb_per_s} MB/s WAL`
      : '';
    const c = f.cpu_cores;
    line(
      '',
      `cores busy: API ${c.api}, PostgreSQL ${c.postgres}, load ${c.load_generator}, other ${c.others}${pgPart}`,
    );
    const u = f.cpu_us_per_event;
    line('', `CPU per event: API ${u.api} µs, PostgreSQL ${u.postgres} µs`);
    line('', `bottleneck: ${bottleneck(c)}`);
  };
  console.log(
    `\nPostgreSQL store benchmark (${result.machine.cpus} × ${result.machine.model}, Node ${process.version})`,
  );
  ingestLine('ingest HTTP, SQLite, 1 process', sqlite);
  ingestLine('ingest HTTP, PostgreSQL, 1 process', pg1);
  ingestLine('ingest HTTP, PostgreSQL, 2 processes', pg2);
  line(
    'ingest in-process into PostgreSQL (16 in flight)',
    `${n(inProcess.events_per_s)} events/s  cores busy: PostgreSQL ${inProcess.cpu_cores.postgres}, node ${inProcess.cpu_cores.node}, other ${inProcess.cpu_cores.others}`,
  );
  line(
    `bulk load (${n(readFigures.events)} events, ${ORGS} orgs)`,
    `${n(readFigures.bulk_load_events_per_s)} events/s`,
  );
  const readLine = (label: string, key: keyof typeof readFigures.store_p50_ms) => {
    const f = readFigures[key];
    line(
      label,
      `p50 ${f.p50_ms} ms  p99 ${f.p99_ms} ms   (store alone: p50 ${readFigures.store_p50_ms[key]} ms)`,
    );
  };
  readLine('GET /events first page (50)', 'first_page');
  readLine('GET /events page 1,000', 'page_1000');
  readLine('GET /events?user_id= first page', 'user_filter_first_page');
  readLine('GET /metrics/summary 90 days (UTC)', 'summary_90d_utc');
  readLine('GET /metrics/summary 90 days (New York)', 'summary_90d_new_york');
  console.log('\nwritten to bench/out/server-postgres.json');
}

// Run directly (`tsx bench/postgres.ts`) or through `bench/run.ts --store postgres`.
if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  await main();
  process.exit(0);
}
