// The insights entry's reads against the real API server over real HTTP (Node's fetch: streaming, gzip),
// with every expected answer worked out from the seeded events (insights-data.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalyticsApiError, AnalyticsClient } from '../src/index.js';
import { createInsights } from '../src/insights.js';
import {
  DAYS,
  dayOf,
  distinct,
  END,
  funnel,
  insightsServer,
  type OrgClient,
  type Seeded,
  START,
  seed,
  week,
} from './insights-data.js';

let ctx: Awaited<ReturnType<typeof insightsServer>>;
let week_: OrgClient;

beforeAll(async () => {
  ctx = await insightsServer();
  week_ = await ctx.orgClient({ apiKey: ctx.weekToken });
});
afterAll(async () => {
  // Node's fetch keeps a spare connection open after a cancelled response; it never sends a request, so the
  // server's close would wait for it.
  ctx?.server.app.server.closeAllConnections();
  await ctx?.server.close();
});

describe('createInsights(client)', () => {
  describe('.getTrends()', () => {
    it('counts events and distinct visitors per day, every day of the range included', async () => {
      const trends = await createInsights(week_.client).getTrends({
        metric: ['events', 'visitors'],
        start_date: START,
        end_date: END,
        interval: 'day',
        filter: ['event_type==view'],
      });
      const views = week.filter((e) => e.event_type === 'view');
      const perDay = (count: (events: Seeded[]) => number) =>
        DAYS.map((d) => [Date.parse(`${d}T00:00:00Z`), count(views.filter((e) => dayOf(e) === d))]);
      expect(
        trends.series.map((s) => ({
          metric: s.metric,
          total: s.total,
          points: s.points.map((p) => [Date.parse(p.t), p.value]),
        })),
      ).toEqual([
        { metric: 'events', total: views.length, points: perDay((e) => e.length) },
        { metric: 'visitors', total: distinct(views), points: perDay(distinct) },
      ]);
      expect(trends).toMatchObject({ interval: 'day', tz: 'UTC', start_date: START, end_date: END });
    });

    it('breaks a metric down by a dimension', async () => {
      const trends = await createInsights(week_.client).getTrends({
        metric: ['visitors'],
        start_date: START,
        end_date: END,
        interval: 'week',
        breakdown: 'prop.plan',
      });
      const plan = (p: string) => distinct(week.filter((e) => e.properties.plan === p));
      expect(trends.series.map((s) => [s.breakdown_value, s.total, s.points.map((p) => p.value)])).toEqual([
        ['free', plan('free'), [plan('free')]],
        ['pro', plan('pro'), [plan('pro')]],
        ['$other', 0, [0]],
      ]);
    });

    it('rejects an unknown filter dimension with a typed 422', async () => {
      const error = await createInsights(week_.client)
        .getTrends({ filter: ['shoe_size==42'] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AnalyticsApiError);
      expect(error).toMatchObject({ status: 422, code: 'validation_failed' });
      expect((error as AnalyticsApiError).message).toContain('shoe_size');
    });
  });

  describe('.getBreakdown()', () => {
    it('lists a dimension’s values by the first metric, a page at a time', async () => {
      const insights = createInsights(week_.client);
      const query = {
        dimension: 'path',
        metric: ['visitors', 'events'],
        start_date: START,
        end_date: END,
        limit: 1,
      };
      const first = await insights.getBreakdown(query);
      const second = await insights.getBreakdown({ ...query, cursor: first.next_cursor! });
      const row = (path: string) => {
        const events = week.filter((e) => e.context.page.path === path);
        return { value: path, values: { visitors: distinct(events), events: events.length } };
      };
      // Five visitors each: the tie on the first metric goes by value.
      expect([...first.data, ...second.data]).toEqual([row('/home'), row('/pricing')]);
      expect(first.next_cursor).not.toBeNull();
      expect(second.next_cursor).toBeNull();
      expect(first.totals).toEqual({ visitors: distinct(week), events: week.length });
    });
  });

  describe('.getFunnel()', () => {
    it('counts the visitors through the steps in order within the window', async () => {
      const insights = createInsights(week_.client);
      const body = { window_seconds: 3600, start_date: START, end_date: END };
      const all = await insights.getFunnel({
        ...body,
        steps: [{ event_type: 'view' }, { event_type: 'signup' }],
      });
      const expected = funnel(
        (e) => e.event_type === 'view',
        (e) => e.event_type === 'signup',
        3_600_000,
      );
      expect(all.steps).toEqual([
        {
          index: 0,
          event_type: 'view',
          visitors: expected.entered,
          conversion_from_first: 1,
          conversion_from_previous: 1,
          median_seconds_from_previous: null,
        },
        {
          index: 1,
          event_type: 'signup',
          visitors: expected.converted,
          conversion_from_first: expected.converted / expected.entered,
          conversion_from_previous: expected.converted / expected.entered,
          median_seconds_from_previous: expected.median,
        },
      ]);

      // A step's own filter narrows that step only.
      const pricing = await insights.getFunnel({
        ...body,
        steps: [{ event_type: 'view', filter: ['path==/pricing'] }, { event_type: 'signup' }],
      });
      const narrowed = funnel(
        (e) => e.event_type === 'view' && e.context.page.path === '/pricing',
        (e) => e.event_type === 'signup',
        3_600_000,
      );
      expect(pricing.steps.map((s) => [s.visitors, s.median_seconds_from_previous])).toEqual([
        [narrowed.entered, null],
        [narrowed.converted, narrowed.median],
      ]);
    });
  });

  describe('.getRetention()', () => {
    it('puts each visitor in the cohort of its first start event and counts its returns', async () => {
      const periods = 3;
      const retention = await createInsights(week_.client).getRetention({
        start_event: 'view',
        return_event: 'view',
        period: 'day',
        periods,
        start_date: START,
        end_date: END,
      });
      const views = week.filter((e) => e.event_type === 'view');
      const firstDay = new Map<string, string>();
      for (const e of [...views].sort((a, b) => a.timestamp.localeCompare(b.timestamp)))
        if (!firstDay.has(e.user_id)) firstDay.set(e.user_id, dayOf(e));
      const plus = (d: string, k: number) =>
        new Date(Date.parse(d) + k * 86_400_000).toISOString().slice(0, 10);
      const cohorts = DAYS.map((cohort) => {
        const members = [...firstDay].filter(([, d]) => d === cohort).map(([u]) => u);
        const retained = Array.from(
          { length: periods },
          (_, k) =>
            members.filter((u) => views.some((e) => e.user_id === u && dayOf(e) === plus(cohort, k))).length,
        );
        return { cohort, size: members.length, retained };
      });
      expect(retention).toEqual({ period: 'day', cohorts });
    });
  });
});

describe('through the client’s transport', () => {
  it('shares the one token refresh after a 401 with tracking and the other reads', async () => {
    const expired = await ctx.server.token({ org: 'org_insights_refresh', ttl: '-1m' });
    const fresh = await ctx.server.token({ org: 'org_insights_refresh' });
    const forced: boolean[] = [];
    const client = new AnalyticsClient({
      baseUrl: ctx.server.url,
      persistence: 'memory',
      getToken: ({ forceRefresh }) => {
        forced.push(forceRefresh);
        return forceRefresh || forced.includes(true) ? fresh : expired;
      },
    });
    await client.trackEvent({ event_type: 'view' });
    const insights = createInsights(client);
    await Promise.all([
      client.flush(),
      client.getMetricsSummary(),
      insights.getTrends({ metric: ['events'] }),
      insights.getFunnel({
        steps: [{ event_type: 'view' }, { event_type: 'signup' }],
        window_seconds: 60,
        start_date: START,
        end_date: END,
      }),
      // The export too: its request is the transport's, only its body is read as a stream.
      (async () => {
        for await (const _ of insights.exportEvents());
      })(),
    ]);
    expect(forced.filter(Boolean)).toHaveLength(1);
    // Node's User-Agent reads as a bot's: counted only with include_bots.
    const trends = await insights.getTrends({ metric: ['events'], include_bots: true });
    expect(trends.series[0]!.total).toBe(1);
  });
});

describe('.exportEvents()', () => {
  const many = 3000;
  let big: OrgClient;
  /** Response headers and bytes as they reached the client, read off the body the iterator reads. */
  const wire: { encoding: string | null; bytes: number; done: boolean }[] = [];

  /** A fetch that counts the body's bytes on their way to the reader (cancelling it still reaches fetch). */
  const counting =
    (headers: Record<string, string> = {}): typeof fetch =>
    async (input, init) => {
      const res = await fetch(input, { ...init, headers: { ...(init?.headers as object), ...headers } });
      if (!new URL(String(input)).pathname.endsWith('/export') || !res.body) return res;
      const seen = { encoding: res.headers.get('content-encoding'), bytes: 0, done: false };
      wire.push(seen);
      const count = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen.bytes += chunk.byteLength;
          controller.enqueue(chunk);
        },
        flush() {
          seen.done = true;
        },
      });
      return new Response(res.body.pipeThrough(count), res);
    };

  beforeAll(async () => {
    big = await ctx.orgClient();
    const t0 = Date.now() - 40 * 86_400_000;
    // Padded to some 12 MB uncompressed: more than the sockets' buffers hold, so a server whose client stopped
    // reading without cancelling would wait on it, its query running and its slot taken.
    const events: Seeded[] = Array.from({ length: many }, (_, i) => ({
      event_type: i % 2 ? 'click' : 'view',
      user_id: `x${i % 13}`,
      timestamp: new Date(t0 + i * 1000).toISOString(),
      properties: { plan: String(i), pad: 'p'.repeat(4000) },
      context: { page: { path: `/p/${i % 7}` } },
    }));
    await seed(ctx.server.url, big.token, events);
  }, 60_000);

  it('streams every matching event, oldest first, gzip-compressed on the wire', async () => {
    const { client } = await ctx.orgClient({ apiKey: big.token, fetch: counting() });
    const seen: number[] = [];
    for await (const e of createInsights(client).exportEvents({ filter: ['path==/p/3'] })) {
      expect(e.path).toBe('/p/3');
      seen.push(Number(e.properties.plan));
    }
    expect(seen).toEqual(Array.from({ length: many }, (_, i) => i).filter((i) => i % 7 === 3));
    expect(wire.at(-1)).toMatchObject({ encoding: 'gzip', done: true });
  });

  it('reads no further than the loop asks, and leaving it stops the export on the server', async () => {
    // Uncompressed, so a reader that did not cancel would leave megabytes in flight and the query running.
    const { client } = await ctx.orgClient({
      apiKey: big.token,
      fetch: counting({ 'accept-encoding': 'identity' }),
    });
    const insights = createInsights(client);
    // Twice: the org runs at most two insight or export queries at a time (the server's default).
    for (let round = 0; round < 2; round++) {
      let read = 0;
      for await (const e of insights.exportEvents({ event_type: 'view' })) {
        expect(e.event_type).toBe('view');
        if (++read === 10) break;
      }
      expect(read).toBe(10);
      const { bytes, done, encoding } = wire.at(-1)!;
      expect(encoding).toBeNull();
      expect(done).toBe(false);
      expect(bytes).toBeLessThan((many / 2) * 4000);
    }
    // Both slots come back: two insight reads at once then pass (no retries: a 429 would fail them).
    await expect
      .poll(
        () =>
          Promise.all([insights.getRetention({}), insights.getRetention({ period: 'week' })]).then(
            () => 'both answered',
            (e: AnalyticsApiError) => e.code,
          ),
        { timeout: 5000, interval: 100 },
      )
      .toBe('both answered');
  });

  it('stops when its signal aborts', async () => {
    const { client } = await ctx.orgClient({ apiKey: big.token });
    const ctl = new AbortController();
    let read = 0;
    const error = await (async () => {
      for await (const _ of createInsights(client).exportEvents({}, { signal: ctl.signal })) {
        if (++read === 5) ctl.abort();
      }
    })().catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(read).toBe(5);
  });

  it('says so when the stream ends inside an event', async () => {
    // The server's first line and a piece of its second, then a clean end: a stream cut off mid-event.
    const cut: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const reader = res.body!.getReader();
      const { value } = await reader.read();
      await reader.cancel();
      return new Response(value!.slice(0, value!.indexOf(10) + 20), res);
    };
    const { client } = await ctx.orgClient({ apiKey: big.token, fetch: cut });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const e of createInsights(client).exportEvents()) seen.push(e.event_id);
    })().catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(error).toMatchObject({ name: 'AnalyticsError', code: 'export_truncated' });
  });

  it('rejects a malformed filter with a typed 422 before any event', async () => {
    const { client } = await ctx.orgClient({ apiKey: big.token });
    const error = await (async () => {
      for await (const _ of createInsights(client).exportEvents({ filter: ['path=/p/3'] })) {
        throw new Error('no event expected');
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnalyticsApiError);
    expect(error).toMatchObject({ status: 422, code: 'validation_failed' });
  });
});
