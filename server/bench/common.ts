/**
 * What the SQLite and PostgreSQL benchmarks share: the request bodies they ingest and the way they time
 * sequential reads, so both stores are measured with the same load.
 */
import http from 'node:http';
import autocannon from 'autocannon';
import type { EventIn, EventsPage } from '../src/contract.js';
import { prepareEvents } from '../src/domain/ingest.js';
import { enrichEvents } from '../src/domain/visitors.js';
import { generateEvents, prng, properties } from '../src/lib/generate.js';
import { uuidv7 } from '../src/lib/ids.js';
import { DEFAULT_TIMESTAMP_WINDOW, dayBoundaries, formatDay } from '../src/lib/time.js';
import type { EventKey, EventStore, MetricsSummaryQuery, NewEvent } from '../src/store/types.js';

/** What the ingest benchmark's requests send as their User-Agent: a desktop browser, parsed per request. */
export const BENCH_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/**
 * Batch bodies like the SDK sends: 100 events, UUIDv7 ids, 6 types, ~300-byte properties, and the v1.1
 * fields: each batch holds 10 visitors of 10 events (an anonymous id, a session id, a context with the
 * page, its referrer, a UTM campaign for some, screen, locale and library; every other visitor signed in,
 * of 500 users), so the server parses the context, derives the page columns and keeps ten sessions per
 * batch.
 */
export function batchFactory(seed: number): () => string {
  const rand = prng(seed);
  const types = ['page_view', 'click', 'login', 'feature_used', 'report_exported', 'purchase'];
  const pool = Array.from({ length: 1000 }, (_, i) =>
    JSON.stringify(properties(rand, types[i % types.length]!)),
  );
  const pages = ['/', '/pricing', '/docs/sdk', '/dashboard', '/reports/weekly', '/settings/team'];
  const referrers = [
    '',
    'https://www.google.com/',
    'https://news.ycombinator.com/item?id=1',
    'https://github.com/',
  ];
  const contexts = Array.from({ length: 200 }, (_, i) => {
    const page = pages[i % pages.length]!;
    const referrer = referrers[i % referrers.length]!;
    return JSON.stringify({
      page: {
        path: page,
        title: 'Acme Analytics',
        url: `https://app.acme.example${page}${i % 7 === 0 ? '?utm_source=newsletter&utm_campaign=spring' : ''}`,
        ...(referrer ? { referrer } : {}),
      },
      ...(i % 5 === 0 ? { utm: { source: 'google', medium: 'cpc', campaign: 'brand' } } : {}),
      screen: { width: 1440, height: 900 },
      locale: 'en-US',
      library: { name: '@acme/analytics-sdk', version: '1.1.0' },
    });
  });
  let n = 0;
  let visit = 0;
  return () => {
    const now = Date.now();
    const parts: string[] = [];
    for (let v = 0; v < 10; v++) {
      visit++;
      const anonymous = `${(visit % 20_000).toString(16).padStart(8, '0')}-4bcd-4ef0-8123-456789abcdef`;
      const session = uuidv7(now);
      const user = visit % 2 === 0 ? `"user_id":"user_${visit % 500}",` : '';
      for (let i = 0; i < 10; i++) {
        n++;
        parts.push(
          `{"event_id":"${uuidv7(now)}","event_type":"${types[n % types.length]}",${user}` +
            `"anonymous_id":"${anonymous}","session_id":"${session}",` +
            `"timestamp":"${new Date(now - (n % 1000)).toISOString()}","properties":${pool[n % pool.length]},` +
            `"context":${contexts[(visit + i) % contexts.length]}}`,
        );
      }
    }
    return `{"events":[${parts.join(',')}]}`;
  };
}

/**
 * Bodies for `seconds` of HTTP ingest at up to 150,000 events/s, made before the clock starts: the load
 * generator shares the machine's cores with the server, and making 100 events per request on the fly cost
 * it as much CPU as the server spent storing them. Past the prepared ones, bodies are made on demand.
 */
export function preparedBodies(seed: number, seconds: number): () => string {
  const make = batchFactory(seed);
  const bodies = Array.from({ length: Math.ceil((seconds * 150_000) / 100) }, make);
  let used = 0;
  return () => bodies[used++] ?? make();
}

/**
 * Ingest over HTTP as the SDK does it: `POST /api/v1/events` with a prepared body, an org's token in turn
 * and an Idempotency-Key per request (`<keyPrefix>-<n>`, unique across the runs of one load), on
 * `connections` keep-alive connections. Returns a runner, so a warm-up and the measured run share the
 * bodies and the key sequence.
 */
export function ingestLoad(options: {
  url: string;
  tokens: string[];
  bodies: () => string;
  connections: number;
  keyPrefix: string;
}): (seconds: number) => ReturnType<typeof autocannon> {
  const { url, tokens, bodies, connections, keyPrefix } = options;
  let k = 0;
  return (seconds) =>
    autocannon({
      url,
      connections,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          path: '/api/v1/events',
          setupRequest: (req) => {
            k++;
            return {
              ...req,
              headers: {
                'content-type': 'application/json',
                'user-agent': BENCH_USER_AGENT,
                authorization: `Bearer ${tokens[k % tokens.length]}`,
                'idempotency-key': `${keyPrefix}-${k}`,
              },
              body: bodies(),
            };
          },
        },
      ],
    });
}

/**
 * `count` batches as a store takes them, spread over `orgs` in turn: the same bodies, validated and
 * enriched exactly as ingest does it (User-Agent, page columns), with no HTTP.
 */
export async function storeBatches(
  seed: number,
  count: number,
  orgs: string[],
): Promise<{ orgId: string; events: NewEvent[] }[]> {
  const next = batchFactory(seed);
  // Every event has a visitor id of its own, so no cookieless salt is needed.
  const noSalt = { visitorSalt: () => Promise.reject(new Error('no salt in the benchmark')) };
  const out: { orgId: string; events: NewEvent[] }[] = [];
  for (let i = 0; i < count; i++) {
    const body = JSON.parse(next()) as { events: EventIn[] };
    const orgId = orgs[i % orgs.length]!;
    const now = Date.now();
    const events = prepareEvents(body.events, now, DEFAULT_TIMESTAMP_WINDOW);
    await enrichEvents(noSalt, orgId, events, { userAgent: BENCH_USER_AGENT, ip: '127.0.0.1' }, now);
    out.push({ orgId, events });
  }
  return out;
}

/**
 * The read benchmarks' data set, the same for both stores: `events` over 90 days ending at `end`, across
 * `orgs` orgs of 200 users each, through the store's bulk load. Returns how many were stored and how long
 * it took.
 */
export async function loadReadData(
  store: EventStore,
  options: { events: number; orgs: number; end: number; progress?: (loaded: number) => void },
): Promise<{ loaded: number; seconds: number }> {
  const t0 = performance.now();
  let loaded = 0;
  const chunks = generateEvents({
    events: options.events,
    orgs: options.orgs,
    seed: 42,
    end: options.end,
    days: 90,
    usersPerOrg: 200,
  });
  for (const chunk of chunks) {
    loaded += await store.bulkLoad(chunk);
    options.progress?.(loaded);
  }
  return { loaded, seconds: (performance.now() - t0) / 1000 };
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Sequential GETs over one keep-alive connection, after a warm-up: latency, not throughput. */
export async function latency(url: string, token: string, iterations: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    new Promise<{ ms: number; status: number; body: string }>((resolve, reject) => {
      const t0 = performance.now();
      http
        .get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });
  const first = await once();
  if (first.status !== 200)
    throw new Error(`GET ${url} answered ${first.status}: ${first.body.slice(0, 300)}`);
  for (let i = 0; i < Math.min(200, iterations / 5); i++) await once();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) times.push((await once()).ms);
  agent.destroy();
  times.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { p50_ms: round(percentile(times, 50)), p99_ms: round(percentile(times, 99)), body: first.body };
}

/** `iterations` sequential calls of `fn` after `warmUp` unmeasured ones: p50 and p99 in ms. */
export async function timeCalls(
  fn: () => Promise<unknown>,
  iterations: number,
  warmUp: number,
): Promise<{ p50_ms: number; p99_ms: number }> {
  for (let i = 0; i < warmUp; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { p50_ms: round(percentile(times, 50)), p99_ms: round(percentile(times, 99)) };
}

/**
 * The cursor of page `page` (50 events a page) of the token's org over HTTP, walking there from the first
 * page; the walk also warms the caches for the pages the benchmark then reads.
 */
async function cursorOfPage(baseUrl: string, token: string, page: number): Promise<string> {
  let cursor: string | null = null;
  for (let at = 1; at < page; at++) {
    const res = await fetch(`${baseUrl}/api/v1/events?limit=50${cursor ? `&cursor=${cursor}` : ''}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    cursor = ((await res.json()) as EventsPage).next_cursor;
    if (!cursor) throw new Error(`only ${at} pages of 50: load more events`);
  }
  if (!cursor) throw new Error('page 1 has no cursor');
  return cursor;
}

/** The key page `page` (50 events a page) of an org's events starts after, straight from the store. */
export async function keyOfPage(
  store: EventStore,
  orgId: string,
  page: number,
): Promise<EventKey | undefined> {
  let before: EventKey | undefined;
  for (let at = 1; at < page; at++) {
    const { events } = await store.queryEvents({ orgId, limit: 50, before });
    const last = events[events.length - 1];
    if (!last) throw new Error(`only ${at} pages of 50 in org ${orgId}: load more events`);
    before = { ts: last.ts, eventId: last.eventId };
  }
  return before;
}

/**
 * The read benchmarks' summary over the 90 days of `tz` ending on `lastDay`: events and active users, and
 * with `visitors`, also every visitor metric (visitors, page views, and the session metrics).
 */
export function summaryQuery(
  orgId: string,
  lastDay: number,
  tz: string,
  visitors = false,
): MetricsSummaryQuery {
  return {
    orgId,
    dayStarts: dayBoundaries(lastDay - 89, lastDay, tz),
    dates: Array.from({ length: 90 }, (_, i) => formatDay(lastDay - 89 + i)),
    events: true,
    activeUsers: true,
    eventTypes: [],
    storedMetrics: [],
    visitors,
    pageviews: visitors,
    sessions: visitors,
  };
}

/** The query string of every visitor metric, for the HTTP summary. */
export const VISITOR_METRICS_QUERY = [
  'events',
  'active_users',
  'visitors',
  'sessions',
  'pageviews',
  'bounce_rate',
  'avg_session_duration',
  'views_per_session',
]
  .map((m) => `metrics=${m}`)
  .join('&');

/**
 * The HTTP reads both benchmarks time, each as sequential requests over one keep-alive connection: the
 * first page and page 1,000 of an org's events (50 a page), and its 90-day summary ending on `lastDay` in
 * UTC (rollups) and in America/New_York (a scan of the range, hence `zonedIterations`, fewer).
 */
export async function httpReads(
  baseUrl: string,
  token: string,
  lastDay: number,
  iterations: number,
  zonedIterations: number,
) {
  const cursor = await cursorOfPage(baseUrl, token, 1000);
  const strip = ({ body: _b, ...rest }: { p50_ms: number; p99_ms: number; body: string }) => rest;
  const first = await latency(`${baseUrl}/api/v1/events?limit=50`, token, iterations);
  const page1000 = await latency(`${baseUrl}/api/v1/events?limit=50&cursor=${cursor}`, token, iterations);
  const summaryUrl = `${baseUrl}/api/v1/metrics/summary?start_date=${formatDay(lastDay - 89)}&end_date=${formatDay(lastDay)}`;
  const summary = await latency(summaryUrl, token, iterations);
  const zoned = await latency(`${summaryUrl}&tz=America/New_York`, token, zonedIterations);
  const visitors = await latency(`${summaryUrl}&${VISITOR_METRICS_QUERY}`, token, iterations);
  const visitorsZoned = await latency(
    `${summaryUrl}&${VISITOR_METRICS_QUERY}&tz=America/New_York`,
    token,
    zonedIterations,
  );
  return {
    first_page: strip(first),
    page_1000: strip(page1000),
    summary_90d_utc: strip(summary),
    summary_90d_new_york: strip(zoned),
    summary_visitors_90d_utc: strip(visitors),
    summary_visitors_90d_new_york: strip(visitorsZoned),
  };
}
