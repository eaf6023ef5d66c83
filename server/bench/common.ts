/**
 * What the SQLite and PostgreSQL benchmarks share: the request bodies they ingest and the way they time
 * sequential reads, so both stores are measured with the same load.
 */
import http from 'node:http';
import { generateEvents, prng, properties } from '../src/lib/generate.js';
import { uuidv7 } from '../src/lib/ids.js';
import type { EventStore, NewEvent } from '../src/store/types.js';

/** Batch bodies like the SDK sends: 100 events, UUIDv7 ids, 500 users, 6 types, ~300-byte properties. */
export function batchFactory(seed: number): () => string {
  const rand = prng(seed);
  const types = ['page_view', 'click', 'login', 'feature_used', 'report_exported', 'purchase'];
  const pool = Array.from({ length: 1000 }, (_, i) =>
    JSON.stringify(properties(rand, types[i % types.length]!)),
  );
  let n = 0;
  return () => {
    const now = Date.now();
    const parts: string[] = [];
    for (let i = 0; i < 100; i++) {
      n++;
      parts.push(
        `{"event_id":"${uuidv7(now)}","event_type":"${types[n % types.length]}","user_id":"user_${n % 500}",` +
          `"timestamp":"${new Date(now - (n % 1000)).toISOString()}","properties":${pool[n % pool.length]}}`,
      );
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

/** `count` batches as a store takes them (parsed, no HTTP), spread over `orgs` in turn. */
export function storeBatches(
  seed: number,
  count: number,
  orgs: string[],
): { orgId: string; events: NewEvent[] }[] {
  const next = batchFactory(seed);
  return Array.from({ length: count }, (_, i) => {
    const body = JSON.parse(next()) as {
      events: {
        event_id: string;
        event_type: string;
        user_id: string;
        timestamp: string;
        properties: object;
      }[];
    };
    return {
      orgId: orgs[i % orgs.length]!,
      events: body.events.map((e) => ({
        eventId: e.event_id,
        eventType: e.event_type,
        userId: e.user_id,
        ts: Date.parse(e.timestamp),
        properties: e.properties as Record<string, unknown>,
        schemaVersion: 1,
      })),
    };
  });
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
