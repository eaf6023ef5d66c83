/**
 * The query budget, on both stores: a query past `ANALYTICS_QUERY_TIMEOUT_MS` is cancelled in the database
 * and answered 503 `query_timeout` while another org's request is answered meanwhile; one org's expensive
 * reads are bounded (429 `too_many_queries`); an export whose client disconnects stops reading. Also the
 * insights' validation: a bad filter, step filter or dimension is a 422 naming it, and values are data.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEvents } from '../../src/lib/generate.js';
import type { EventStore, ExportQuery, StoredEvent } from '../../src/store/types.js';
import { bearer, createTestApp, orgId, stores, type TestApp } from '../helpers.js';

const DAY = 86_400_000;
/** A person's browser: inject's own User-Agent counts as a bot, and bots are left out of insights. */
const BROWSER = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
};
const END = Date.now();
const BIG_EVENTS = 200_000;

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The exports the store was asked for: chunks handed out, and whether each reading has ended. */
const exportsSeen: { chunks: number; ended: boolean }[] = [];

/** Counts the chunks each export reads from the real store. */
function countingExports(store: EventStore): EventStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop !== 'exportEvents') {
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (q: ExportQuery): AsyncIterable<StoredEvent[]> => {
        const seen = { chunks: 0, ended: false };
        exportsSeen.push(seen);
        const inner = target.exportEvents(q);
        return (async function* () {
          try {
            for await (const chunk of inner) {
              seen.chunks++;
              yield chunk;
            }
          } finally {
            seen.ended = true;
          }
        })();
      };
    },
  });
}

for (const storeCase of stores) {
  describe(`query budget (${storeCase.name})`, () => {
    let t: TestApp;
    const big = orgId('budget_big');
    const small = orgId('budget_small');
    let bigToken: string;
    let smallToken: string;

    beforeAll(async () => {
      t = await createTestApp(storeCase, {
        env: {
          ANALYTICS_QUERY_TIMEOUT_MS: '600',
          ANALYTICS_QUERY_CONCURRENCY_PER_ORG: '1',
        },
        wrap: countingExports,
      });
      for (const chunk of generateEvents(
        { events: BIG_EVENTS, orgs: 1, seed: 7, end: END, days: 20, usersPerOrg: 5_000 },
        20_000,
      )) {
        await t.store.bulkLoad(chunk.map((e) => ({ ...e, orgId: big })));
      }
      bigToken = await t.token({ org: big });
      smallToken = await t.token({ org: small });
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { ...bearer(smallToken), ...BROWSER },
        payload: {
          events: [
            { event_type: 'page_view', anonymous_id: 'v1', timestamp: new Date(END - DAY).toISOString() },
            {
              event_type: 'purchase',
              anonymous_id: 'v1',
              timestamp: new Date(END - DAY + 60_000).toISOString(),
            },
          ],
        },
      });
      expect(res.statusCode, res.body).toBe(202);
    }, 300_000);

    afterAll(async () => {
      await t?.close();
    });

    /** Every event of the big org through property filters: seconds of work on either store, against a 600 ms budget. */
    const slowRetention = () =>
      t.app.inject({
        method: 'GET',
        url: `/api/v1/insights/retention?start_date=${day(END - 25 * DAY)}&end_date=${day(END)}&filter=prop.app_version!~zz&filter=prop.locale!~xx`,
        headers: bearer(bigToken),
      });
    const smallFunnel = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/insights/funnel',
        headers: bearer(smallToken),
        payload: {
          steps: [{ event_type: 'page_view' }, { event_type: 'purchase' }],
          window_seconds: 3600,
          start_date: day(END - 3 * DAY),
          end_date: day(END),
        },
      });

    it('cancels a query past its budget with 503 query_timeout while another org is answered', async () => {
      const started = performance.now();
      let smallDone = 0;
      let slowDone = 0;
      const slow = slowRetention().then((r) => {
        slowDone = performance.now();
        return r;
      });
      // Give the slow scan a head start, then ask for the other org's funnel while it runs.
      await new Promise((r) => setTimeout(r, 20));
      const quick = await smallFunnel().then((r) => {
        smallDone = performance.now();
        return r;
      });
      const res = await slow;
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json().code).toBe('query_timeout');
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.headers['content-type']).toContain('application/problem+json');
      // Cancelled at the budget, not after the whole scan (which takes seconds here).
      expect(slowDone - started).toBeLessThan(3_000);
      expect(quick.statusCode, quick.body).toBe(200);
      expect(quick.json().steps[1].visitors).toBe(1);
      expect(smallDone).toBeLessThan(slowDone);
      if (storeCase.name === 'postgres') {
        // Nothing of the cancelled query is left running in the database.
        const pg = (t.store as unknown as { pool: import('pg').Pool }).pool;
        const { rows } = await pg.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE state = 'active' AND query LIKE '%identities i ON%' AND pid <> pg_backend_pid()`,
        );
        expect(rows[0].n).toBe(0);
      }
    }, 30_000);

    it('refuses a second expensive read of the same org at once with 429 too_many_queries', async () => {
      const first = slowRetention();
      await new Promise((r) => setTimeout(r, 10));
      const second = await slowRetention();
      const other = await smallFunnel();
      expect(second.statusCode).toBe(429);
      expect(second.json().code).toBe('too_many_queries');
      expect(second.headers['retry-after']).toBe('1');
      expect(other.statusCode).toBe(200);
      expect((await first).statusCode).toBe(503);
      // The slot is given back when the answer is sent.
      expect((await smallFunnel()).statusCode).toBe(200);
    }, 30_000);

    it('stops reading an export when its client disconnects', async () => {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = t.app.server.address() as AddressInfo;
      const before = exportsSeen.length;
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port, path: '/api/v1/events/export', headers: bearer(bigToken) },
          (res) => {
            expect(res.statusCode).toBe(200);
            expect(res.headers['content-type']).toContain('application/x-ndjson');
            res.once('data', () => {
              // The first bytes arrived: hang up mid-stream.
              req.destroy();
              resolve();
            });
          },
        );
        req.on('error', (err) => {
          if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
        });
        req.end();
      });
      const seen = exportsSeen[before]!;
      for (let i = 0; i < 100 && !seen.ended; i++) await new Promise((r) => setTimeout(r, 20));
      expect(seen.ended).toBe(true);
      const readSoFar = seen.chunks;
      await new Promise((r) => setTimeout(r, 300));
      expect(seen.chunks).toBe(readSoFar);
      // 200,000 events are 1,000 chunks of 200: the reading stopped near the start.
      expect(readSoFar).toBeLessThan(200);
      // The org's slot was given back.
      const again = await smallFunnel();
      expect(again.statusCode).toBe(200);
    }, 30_000);
  });

  describe(`insights validation (${storeCase.name})`, () => {
    let t: TestApp;
    let token: string;
    const org = orgId('insights_valid');

    beforeAll(async () => {
      t = await createTestApp(storeCase);
      token = await t.token({ org });
      const now = Date.now();
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { ...bearer(token), ...BROWSER },
        payload: {
          events: [
            {
              event_type: 'page_view',
              anonymous_id: 'v1',
              timestamp: new Date(now - 60_000).toISOString(),
              properties: { plan: "pro' OR 1=1 --" },
            },
            { event_type: 'signup', anonymous_id: 'v1', timestamp: new Date(now).toISOString() },
          ],
        },
      });
      expect(res.statusCode, res.body).toBe(202);
    });
    afterAll(async () => {
      await t?.close();
    });

    const funnel = (body: Record<string, unknown>) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/insights/funnel',
        headers: bearer(token),
        payload: {
          steps: [{ event_type: 'page_view' }, { event_type: 'signup' }],
          window_seconds: 3600,
          start_date: day(Date.now() - DAY),
          end_date: day(Date.now() + DAY),
          ...body,
        },
      });

    it('names a bad step filter, global filter and breakdown dimension in a 422', async () => {
      const res = await funnel({
        steps: [{ event_type: 'page_view', filter: ['nope==1'] }, { event_type: 'signup' }],
        filter: ['path==/a', 'prop.bad key==1'],
        breakdown: 'colour',
      });
      expect(res.statusCode).toBe(422);
      const paths = res.json().errors.map((e: { path: string }) => e.path);
      expect(paths).toEqual(expect.arrayContaining(['/steps/0/filter/0', '/filter/1', '/breakdown']));
      expect(JSON.stringify(res.json().errors)).toContain('nope');
      expect(JSON.stringify(res.json().errors)).toContain('colour');
    });

    it('names a bad retention filter and refuses an unknown period', async () => {
      const bad = await t.app.inject({
        method: 'GET',
        url: '/api/v1/insights/retention?filter=os~x&filter=drop%20table==1',
        headers: bearer(token),
      });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().errors[0].path).toBe('/filter/1');
      const period = await t.app.inject({
        method: 'GET',
        url: '/api/v1/insights/retention?period=year',
        headers: bearer(token),
      });
      expect(period.statusCode).toBe(422);
    });

    it('treats filter values and property keys as data, never SQL', async () => {
      const injected = await funnel({ filter: ["prop.plan==x' OR '1'='1"] });
      expect(injected.statusCode).toBe(200);
      expect(injected.json().steps[0].visitors).toBe(0);
      const exact = await funnel({
        steps: [{ event_type: 'page_view', filter: ["prop.plan==pro' OR 1=1 --"] }, { event_type: 'signup' }],
      });
      expect(exact.json().steps.map((s: { visitors: number }) => s.visitors)).toEqual([1, 1]);
      const key = await funnel({ breakdown: 'prop.plan") FROM events; --' });
      expect(key.statusCode).toBe(422);
    });

    it('needs the metrics:read scope', async () => {
      const weak = await t.token({ org, scope: 'events:write' });
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/insights/retention',
        headers: bearer(weak),
      });
      expect(res.statusCode).toBe(403);
    });
  });
}
