/**
 * Load: the server as its own process (`tsx src/server.ts`, as operators run it), 50 clients ingesting
 * concurrently while readers page through the same org, for a bounded time and request count. Then: zero
 * 5xx, every event id sent stored exactly once, exact rollups, the reader walks complete and in order, and
 * the server's resident memory at start and end printed and bounded.
 *
 * Duration: `ANALYTICS_LOAD_SECONDS` (default 60; 20 under CI, where the whole pipeline shares two cores and
 * a 20-minute budget with the browser suites: 20 s already carries several hundred thousand events through
 * every code path, and the remaining 40 s would only repeat them).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventsPage, IngestAccepted } from '../../src/contract.js';
import { DEV_JWT_SECRET, mintToken } from '../../src/testing.js';

const SECONDS = Number(process.env.ANALYTICS_LOAD_SECONDS ?? (process.env.CI === 'true' ? 20 : 60));
const WRITERS = 50;
const READERS = 4;
/** Hard cap on ingest requests, whatever the machine's speed. */
const MAX_REQUESTS_PER_WRITER = 4000;
const MAX_RSS_MIB = 512;
const ENTRY = new URL('../../src/server.ts', import.meta.url).pathname;
const ORG = 'org_load';
const TYPES = ['page_view', 'click', 'signup', 'purchase', 'search'];
const USERS = 300;
const SPAN_MS = 3 * 86_400_000;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: WRITERS + READERS + 8 });

function request(
  base: URL,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: base.hostname, port: base.port, method, path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

/** The events acknowledged so far, as parallel arrays (half a million objects would weigh on the client). */
class Ledger {
  ids: string[] = [];
  types: number[] = [];
  users: number[] = [];
  ts: number[] = [];
  add(e: { id: string; type: number; user: number; ts: number }): void {
    this.ids.push(e.id);
    this.types.push(e.type);
    this.users.push(e.user);
    this.ts.push(e.ts);
  }
  get size(): number {
    return this.ids.length;
  }
}

interface Filter {
  query: URLSearchParams;
  matches: (i: number) => boolean;
}

describe('load: 50 writers and concurrent readers on one org', () => {
  let dir: string;
  let dbPath: string;
  let child: ChildProcess;
  let exited: Promise<number | null>;
  let base: URL;
  let token: string;
  const serverErrors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'analytics-load-'));
    dbPath = join(dir, 'load.db');
    token = await mintToken({ org: ORG, secret: DEV_JWT_SECRET, issuer: 'acme-analytics', ttl: '2h' });
    child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: `sqlite:${dbPath}`,
        // 50 clients of one org would exceed its default budget by design; limits are tested elsewhere.
        ANALYTICS_RATE_LIMIT_PER_MINUTE: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    base = await new Promise<URL>((resolve, reject) => {
      let pending = '';
      // Every log line is read (the pipe must never fill) and errors are kept for the report.
      const onLine = (line: string) => {
        if (!line.startsWith('{')) return;
        const entry = JSON.parse(line) as { level?: number; msg?: string; url?: string };
        if (entry.msg === 'listening' && entry.url) resolve(new URL(entry.url));
        if ((entry.level ?? 0) >= 50) serverErrors.push(line.slice(0, 500));
      };
      const onData = (chunk: Buffer) => {
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) onLine(line);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      void exited.then((code) => reject(new Error(`server exited (${code}) before listening`)));
    });
  });

  afterAll(async () => {
    agent.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it(`ingests for ${SECONDS} s with zero 5xx, nothing lost or doubled, and bounded memory`, {
    timeout: SECONDS * 1000 + 300_000,
  }, async () => {
    const auth = { authorization: `Bearer ${token}` };
    const ledger = new Ledger();
    const statuses = new Map<number, number>();
    const problems: string[] = [];
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const fail = (what: string) => {
      if (problems.length < 20) problems.push(what);
    };
    let sentEvents = 0;
    let requests = 0;
    let replays = 0;
    let resent = 0;
    let retries = 0;
    let walks = 0;
    let pagesRead = 0;
    let summaries = 0;

    await request(base, 'GET', '/ready', {});
    const rssStart = rssMiB(child.pid!);
    let rssPeak = rssStart;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, rssMiB(child.pid!));
    }, 500);
    const started = Date.now();
    const deadline = started + SECONDS * 1000;

    /** POST with retries on a lost connection: same key and body, as the SDK does. */
    const post = async (body: string, key: string | undefined): Promise<Reply | undefined> => {
      const headers: Record<string, string> = { ...auth, 'content-type': 'application/json' };
      if (key) headers['idempotency-key'] = key;
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          requests++;
          const res = await request(base, 'POST', '/api/v1/events', headers, body);
          count(res.status);
          return res;
        } catch (err) {
          retries++;
          if (attempt === 4) fail(`POST failed 5 times: ${String(err)}`);
        }
      }
      return undefined;
    };

    const writer = async (w: number) => {
      let n = 0;
      while (Date.now() < deadline && n < MAX_REQUESTS_PER_WRITER) {
        n++;
        const size = 1 + Math.floor(Math.random() * 20);
        const events = Array.from({ length: size }, () => ({
          id: crypto.randomUUID(),
          type: Math.floor(Math.random() * TYPES.length),
          user: Math.floor(Math.random() * USERS),
          ts: started - Math.floor(Math.random() * SPAN_MS),
        }));
        const body = JSON.stringify({
          events: events.map((e) => ({
            event_id: e.id,
            event_type: TYPES[e.type],
            user_id: `user_${e.user}`,
            timestamp: new Date(e.ts).toISOString(),
            properties: { writer: w, n, path: `/p/${e.user % 17}` },
          })),
        });
        const key = `w${w}-${n}`;
        sentEvents += size;
        const res = await post(body, key);
        if (!res) continue;
        if (res.status !== 202) {
          fail(`POST ${res.status}: ${res.body.slice(0, 200)}`);
          continue;
        }
        const out = JSON.parse(res.body) as IngestAccepted;
        if (out.accepted !== size || out.duplicates !== 0)
          fail(`fresh batch counted ${res.body.slice(0, 200)}`);
        for (const e of events) ledger.add(e);

        // Now and then, the retry a client makes when it never saw the answer: replayed, stored once.
        if (n % 20 === 0) {
          replays++;
          const again = await post(body, key);
          if (
            again?.status !== 202 ||
            again.headers['idempotent-replayed'] !== 'true' ||
            again.body !== res.body
          ) {
            fail(`replay ${again?.status} ${again?.headers['idempotent-replayed']}`);
          }
        }
        // And a retry without a key: already stored ids count as duplicates.
        if (n % 25 === 0) {
          resent++;
          const dup = await post(body, undefined);
          const d = dup && (JSON.parse(dup.body) as IngestAccepted);
          if (dup?.status !== 202 || d?.accepted !== 0 || d.duplicates !== size)
            fail(`resend ${dup?.status} ${dup?.body.slice(0, 200)}`);
        }
      }
    };

    const randomFilter = (): Filter => {
      const q = new URLSearchParams({ limit: String([100, 250, 500, 1000][Math.floor(Math.random() * 4)]) });
      switch (Math.floor(Math.random() * 4)) {
        case 0:
          return { query: q, matches: () => true };
        case 1: {
          const t = Math.floor(Math.random() * TYPES.length);
          q.append('event_type', TYPES[t]!);
          return { query: q, matches: (i) => ledger.types[i] === t };
        }
        case 2: {
          const u = Math.floor(Math.random() * USERS);
          q.set('user_id', `user_${u}`);
          return { query: q, matches: (i) => ledger.users[i] === u };
        }
        default: {
          const from = started - Math.floor(Math.random() * SPAN_MS);
          const to = from + Math.floor(Math.random() * 12 * 3_600_000);
          q.set('start_date', new Date(from).toISOString());
          q.set('end_date', new Date(to).toISOString());
          return { query: q, matches: (i) => ledger.ts[i]! >= from && ledger.ts[i]! < to };
        }
      }
    };

    /** Walks every page; every event acknowledged before the walk began must appear exactly once, in order. */
    const walk = async (filter: Filter): Promise<string[] | undefined> => {
      const before = ledger.size;
      const seen = new Set<string>();
      const ids: string[] = [];
      let cursor: string | null = null;
      let last: [string, string] | null = null;
      do {
        const q = new URLSearchParams(filter.query);
        if (cursor) q.set('cursor', cursor);
        let res: Reply;
        try {
          res = await request(base, 'GET', `/api/v1/events?${q}`, auth);
        } catch (err) {
          fail(`GET failed: ${String(err)}`);
          return undefined;
        }
        count(res.status);
        pagesRead++;
        if (res.status !== 200) {
          fail(`GET ${res.status}: ${res.body.slice(0, 200)}`);
          return undefined;
        }
        const page = JSON.parse(res.body) as EventsPage;
        for (const row of page.data) {
          if (row.org_id !== ORG) fail(`foreign row ${row.org_id}`);
          if (seen.has(row.event_id)) fail(`walk returned ${row.event_id} twice`);
          const key: [string, string] = [row.timestamp, row.event_id];
          if (last && (key[0] > last[0] || (key[0] === last[0] && key[1] >= last[1])))
            fail(`out of order at ${row.event_id}`);
          last = key;
          seen.add(row.event_id);
          ids.push(row.event_id);
        }
        cursor = page.next_cursor;
      } while (cursor);
      for (let i = 0; i < before; i++) {
        if (filter.matches(i) && !seen.has(ledger.ids[i]!)) {
          fail(`walk (${filter.query}) missed ${ledger.ids[i]}, acknowledged before it began`);
          break;
        }
      }
      walks++;
      return ids;
    };

    const reader = async (r: number) => {
      while (Date.now() < deadline) {
        if (r === 0) {
          // One reader asks for aggregates: never fewer events than acknowledged, never more than sent.
          const acked = ledger.size;
          const q = new URLSearchParams({
            start_date: new Date(started - SPAN_MS - 86_400_000).toISOString().slice(0, 10),
            end_date: new Date(started + 86_400_000).toISOString().slice(0, 10),
            metrics: 'events',
          });
          const res = await request(base, 'GET', `/api/v1/metrics/summary?${q}`, auth);
          count(res.status);
          summaries++;
          if (res.status !== 200) fail(`summary ${res.status}`);
          else {
            const total = (JSON.parse(res.body) as { totals: { events: number } }).totals.events;
            if (total < acked || total > sentEvents)
              fail(`summary ${total} outside [${acked}, ${sentEvents}]`);
          }
          const types = await request(base, 'GET', '/api/v1/event-types', auth);
          count(types.status);
          if (types.status !== 200) fail(`event-types ${types.status}`);
          continue;
        }
        await walk(randomFilter());
      }
    };

    await Promise.all([
      ...Array.from({ length: WRITERS }, (_, w) => writer(w)),
      ...Array.from({ length: READERS }, (_, r) => reader(r)),
    ]);
    const loadSeconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    const rssEnd = rssMiB(child.pid!);

    // After the load: every acknowledged id exactly once, nothing else, and rollups that agree.
    const all = await walk({ query: new URLSearchParams({ limit: '1000' }), matches: () => true });
    const stored = all ?? [];
    const storedSet = new Set(stored);
    const summary = JSON.parse(
      (
        await request(
          base,
          'GET',
          `/api/v1/metrics/summary?${new URLSearchParams({
            start_date: new Date(started - SPAN_MS - 86_400_000).toISOString().slice(0, 10),
            end_date: new Date(started + 86_400_000).toISOString().slice(0, 10),
            metrics: 'events',
          })}`,
          auth,
        )
      ).body,
    ) as { totals: { events: number } };
    const types = JSON.parse((await request(base, 'GET', '/api/v1/event-types', auth)).body) as {
      data: { count: number }[];
    };
    const rssAfterReads = rssMiB(child.pid!);

    const fivexx = [...statuses].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0);
    const report = {
      seconds: Math.round(loadSeconds * 10) / 10,
      writers: WRITERS,
      readers: READERS,
      ingest_requests: requests,
      events_acknowledged: ledger.size,
      events_per_s: Math.round(ledger.size / loadSeconds),
      replays,
      resent_without_key: resent,
      connection_retries: retries,
      reader_walks: walks,
      pages_read: pagesRead,
      summaries,
      statuses: Object.fromEntries(statuses),
      rss_mib: { start: rssStart, peak: rssPeak, end: rssEnd, after_final_reads: rssAfterReads },
    };
    console.log(`load: ${JSON.stringify(report)}`);

    expect(problems).toEqual([]);
    expect(serverErrors).toEqual([]);
    expect(fivexx).toBe(0);
    expect(ledger.size).toBeGreaterThan(0);
    expect(stored.length).toBe(storedSet.size); // nothing doubled
    expect(stored.length).toBe(ledger.size); // nothing extra
    const missing = ledger.ids.filter((id) => !storedSet.has(id));
    expect(missing).toEqual([]); // nothing lost
    expect(summary.totals.events).toBe(ledger.size);
    expect(types.data.reduce((a, d) => a + d.count, 0)).toBe(ledger.size);
    expect(rssPeak).toBeLessThan(MAX_RSS_MIB);

    // A clean stop, and a database file that checks out.
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const db = new Database(dbPath, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });
});
