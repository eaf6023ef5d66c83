/**
 * GET /api/v1/insights/trends against the brute-force oracle of `trends-oracle.ts`, on both stores at once
 * (each store's answer must equal the oracle's, so they equal each other), plus the DST days of
 * Europe/Berlin, and the 422s.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, HISTORIC_TIMESTAMPS, orgId, stores, type TestApp } from '../helpers.js';
import {
  AGENTS,
  DIMENSIONS,
  filtersArb,
  HOUR,
  metricsArb,
  queryUrl,
  rangeArb,
  send,
  type TrendsQ,
  trendsOracle,
  ZONES,
} from './trends-oracle.js';

const apps: { name: string; t: TestApp; token: string; dstToken: string }[] = [];
const ORG = orgId('trends');
const DST_ORG = orgId('trends_dst');

/** One page_view an hour, every hour of 2024-03-29..04-01 and 2024-10-25..28 (UTC), for the DST checks. */
function hourlyEvents(): object[] {
  const out: object[] = [];
  for (const first of [Date.UTC(2024, 2, 29), Date.UTC(2024, 9, 25)]) {
    for (let t = first; t < first + 4 * 24 * HOUR; t += HOUR) {
      out.push({
        event_id: crypto.randomUUID(),
        event_type: 'page_view',
        timestamp: new Date(t).toISOString(),
        anonymous_id: `dst-${t}`,
        properties: {},
      });
    }
  }
  return out;
}

beforeAll(async () => {
  for (const s of stores) {
    const t = await createTestApp(s, { env: { ...HISTORIC_TIMESTAMPS } });
    const token = await t.token({ org: ORG });
    await send(t, token);
    const dstToken = await t.token({ org: DST_ORG });
    const hourly = hourlyEvents();
    for (let k = 0; k < hourly.length; k += 100) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { ...bearer(dstToken), 'user-agent': AGENTS[0]!.ua },
        payload: { events: hourly.slice(k, k + 100) },
      });
      expect(res.statusCode, res.body).toBe(202);
    }
    apps.push({ name: s.name, t, token, dstToken });
  }
}, 120_000);

afterAll(async () => {
  for (const a of apps) await a.t.close();
});

async function get(a: (typeof apps)[number], q: object, token = a.token) {
  return a.t.app.inject({
    method: 'GET',
    url: queryUrl('/api/v1/insights/trends', q),
    headers: bearer(token),
  });
}

const trendsArb: fc.Arbitrary<TrendsQ> = fc
  .record({
    metric: metricsArb,
    range: rangeArb,
    tz: fc.constantFrom(...ZONES),
    interval: fc.constantFrom('hour', 'day', 'day', 'week', 'month') as fc.Arbitrary<TrendsQ['interval']>,
    filter: filtersArb,
    breakdown: fc.option(fc.constantFrom(...DIMENSIONS), { nil: undefined, freq: 2 }),
    limit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    compare: fc.option(fc.constant('previous' as const), { nil: undefined }),
    include_bots: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map(({ range, ...q }) => {
    const out: TrendsQ = { ...q, start_date: range[0], end_date: range[1] };
    for (const k of Object.keys(out) as (keyof TrendsQ)[]) if (out[k] === undefined) delete out[k];
    return out;
  });

describe('GET /api/v1/insights/trends', () => {
  it('equals the brute-force oracle on every store', async () => {
    let nonZero = 0;
    await fc.assert(
      fc.asyncProperty(trendsArb, async (q) => {
        const expected = trendsOracle(q);
        const series = expected.series as { total: number }[];
        if (series.some((s) => s.total > 0)) nonZero++;
        for (const a of apps) {
          const res = await get(a, q);
          expect(res.statusCode, `${a.name}: ${res.body}`).toBe(200);
          expect(res.json(), a.name).toEqual(expected);
        }
      }),
      { numRuns: 60, seed: 1027 },
    );
    // Most drawn queries count something, so the comparisons are not of zeros.
    expect(nonZero).toBeGreaterThan(30);
  }, 180_000);

  it('equals the oracle without filter or breakdown (where SQLite answers from its hourly rollups)', async () => {
    const unfiltered = trendsArb.map(({ filter, breakdown, limit, ...q }) => q);
    await fc.assert(
      fc.asyncProperty(unfiltered, async (q) => {
        const expected = trendsOracle(q);
        for (const a of apps) {
          const res = await get(a, q);
          expect(res.statusCode, `${a.name}: ${res.body}`).toBe(200);
          expect(res.json(), a.name).toEqual(expected);
        }
      }),
      { numRuns: 40, seed: 3103 },
    );
  }, 180_000);

  it('gives Europe/Berlin a 23-hour day in March and a 25-hour day in October', async () => {
    for (const a of apps) {
      const spring = await get(
        a,
        {
          metric: ['events'],
          interval: 'hour',
          start_date: '2024-03-31',
          end_date: '2024-03-31',
          tz: 'Europe/Berlin',
        },
        a.dstToken,
      );
      const springPoints = spring.json().series[0].points as { t: string; value: number }[];
      expect(springPoints).toHaveLength(23);
      expect(springPoints.slice(1, 3).map((p) => p.t)).toEqual([
        '2024-03-31T01:00:00+01:00',
        '2024-03-31T03:00:00+02:00',
      ]);
      expect(
        springPoints.map((p) => p.value),
        a.name,
      ).toEqual(new Array(23).fill(1));

      const autumn = await get(
        a,
        {
          metric: ['events'],
          interval: 'hour',
          start_date: '2024-10-27',
          end_date: '2024-10-27',
          tz: 'Europe/Berlin',
        },
        a.dstToken,
      );
      const autumnPoints = autumn.json().series[0].points as { t: string; value: number }[];
      expect(autumnPoints).toHaveLength(25);
      expect(autumnPoints.slice(2, 4).map((p) => p.t)).toEqual([
        '2024-10-27T02:00:00+02:00',
        '2024-10-27T02:00:00+01:00',
      ]);

      for (const [start, end, values] of [
        ['2024-03-30', '2024-04-01', [24, 23, 24]],
        ['2024-10-26', '2024-10-28', [24, 25, 24]],
      ] as const) {
        const daily = await get(
          a,
          {
            metric: ['events', 'visitors'],
            interval: 'day',
            start_date: start,
            end_date: end,
            tz: 'Europe/Berlin',
          },
          a.dstToken,
        );
        expect(daily.statusCode, daily.body).toBe(200);
        const [events, visitors] = daily.json().series as { total: number; points: { value: number }[] }[];
        expect(
          events!.points.map((p) => p.value),
          a.name,
        ).toEqual(values);
        expect(
          visitors!.points.map((p) => p.value),
          a.name,
        ).toEqual(values);
        expect(events!.total).toBe(values.reduce((x, y) => x + y, 0));
      }
    }
  });

  it('counts an anonymous visitor as its user once $identify links them, in hours already counted', async () => {
    const at = Date.UTC(2024, 4, 2, 10, 15);
    const event = (extra: object) => ({
      event_id: crypto.randomUUID(),
      event_type: 'page_view',
      timestamp: new Date(at).toISOString(),
      properties: {},
      ...extra,
    });
    const q = {
      metric: ['visitors'],
      interval: 'hour',
      start_date: '2024-05-02',
      end_date: '2024-05-02',
      tz: 'Europe/Berlin',
    };
    for (const a of apps) {
      const token = await a.t.token({ org: orgId('trends_identify') });
      const post = async (events: object[]) => {
        const res = await a.t.app.inject({
          method: 'POST',
          url: '/api/v1/events',
          headers: { ...bearer(token), 'user-agent': AGENTS[0]!.ua },
          payload: { events },
        });
        expect(res.statusCode, res.body).toBe(202);
      };
      await post([
        event({ anonymous_id: 'anon-late' }),
        event({ anonymous_id: 'anon-other', user_id: 'user-late' }),
      ]);
      const before = (await get(a, q, token)).json();
      expect(before.series[0].total, a.name).toBe(2);
      await post([event({ event_type: '$identify', anonymous_id: 'anon-late', user_id: 'user-late' })]);
      const after = (await get(a, q, token)).json();
      expect(after.series[0].total, a.name).toBe(1);
      expect(after.series[0].points[12].value, a.name).toBe(1);
    }
  });

  it('sums a stored metric over the dates of each week, and refuses it by the hour', async () => {
    for (const s of stores) {
      const t = await createTestApp(s, { seed: 'sample' });
      try {
        const token = await t.token({ org: 'org_acme' });
        // The sample moves with the calendar (its newest event is now): the default range, the last 30 days.
        const range = 'tz=Europe/Berlin';
        const summary = await t.app.inject({
          method: 'GET',
          url: `/api/v1/metrics/summary?${range}&metrics=errors`,
          headers: bearer(token),
        });
        const days = summary.json().daily as { date: string; values: { errors: number } }[];
        const res = await t.app.inject({
          method: 'GET',
          url: `/api/v1/insights/trends?${range}&metric=errors&interval=week`,
          headers: bearer(token),
        });
        expect(res.statusCode, res.body).toBe(200);
        const [series] = res.json().series as { total: number; points: { t: string; value: number }[] }[];
        const weekly = series!.points.map((p, i, all) => {
          const next = all[i + 1]?.t.slice(0, 10) ?? '9999';
          return days
            .filter((d) => d.date >= p.t.slice(0, 10) && d.date < next)
            .reduce((a, d) => a + d.values.errors, 0);
        });
        expect(
          series!.points.map((p) => p.value),
          s.name,
        ).toEqual(weekly);
        expect(series!.total).toBe(summary.json().totals.errors);
        expect(series!.total).toBeGreaterThan(0);
        const hourly = await t.app.inject({
          method: 'GET',
          url: '/api/v1/insights/trends?metric=errors&interval=hour',
          headers: bearer(token),
        });
        expect(hourly.statusCode).toBe(422);
        expect(hourly.json().errors[0].path).toBe('/metric');
      } finally {
        await t.close();
      }
    }
  }, 60_000);

  it('answers a prop. key and values full of SQL as data: nothing matches', async () => {
    for (const a of apps) {
      const res = await get(a, {
        metric: ['events'],
        start_date: '2024-03-21',
        end_date: '2024-04-12',
        filter: ["prop.plan--DROP-TABLE-events==x' OR '1'='1", "path==/' UNION SELECT 1 --"],
        breakdown: 'prop.x$.--SELECT-1',
      });
      expect(res.statusCode, res.body).toBe(200);
      const series = res.json().series as { breakdown_value: string; total: number }[];
      expect(series.map((s) => [s.breakdown_value, s.total])).toEqual([['$other', 0]]);
    }
  });

  it.each([
    [{ interval: 'minute' }, '/interval'],
    [{ interval: 'hour', start_date: '2024-03-01', end_date: '2024-04-01' }, '/interval'],
    [{ metric: ['nope'] }, '/metric'],
    [{ breakdown: 'colour' }, '/breakdown'],
    [{ breakdown: 'path', limit: 51 }, '/limit'],
    [{ breakdown: 'path', limit: 0 }, '/limit'],
    [{ start_date: '2024-04-02', end_date: '2024-04-01' }, '/start_date'],
    [{ start_date: '2023-01-01', end_date: '2024-04-01' }, '/end_date'],
    [{ start_date: '2024-13-01' }, '/start_date'],
    [{ tz: 'Mars/Olympus' }, '/tz'],
    [{ filter: ['colour==red'] }, '/filter/0'],
    [{ compare: 'next' }, '/compare'],
  ])('answers 422 naming the field for %j', async (q, path) => {
    for (const a of apps) {
      const res = await get(a, { end_date: '2024-04-01', ...q });
      expect(res.statusCode, res.body).toBe(422);
      const body = res.json() as { errors: { path: string }[] };
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(body.errors.map((e) => e.path)).toContain(path);
    }
  });

  it('needs a token with metrics:read, and answers only the token’s org', async () => {
    for (const a of apps) {
      const noScope = await a.t.token({ org: ORG, scope: 'events:read' });
      expect((await get(a, {}, noScope)).statusCode).toBe(403);
      const other = await a.t.token({ org: orgId('trends_other') });
      const res = await get(
        a,
        { start_date: '2024-03-21', end_date: '2024-04-12', metric: ['events'] },
        other,
      );
      expect(res.statusCode).toBe(200);
      expect((res.json().series as { total: number }[])[0]!.total).toBe(0);
      expect((await get(a, { org_id: ORG }, other)).statusCode).toBe(403);
    }
  });
});
