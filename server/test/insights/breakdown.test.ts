/**
 * GET /api/v1/insights/breakdown against the brute-force oracle of `trends-oracle.ts`, on both stores at
 * once: every page, followed through `next_cursor`, must join into the oracle's rows; plus the cursor's
 * binding to its query and the 422s.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, HISTORIC_TIMESTAMPS, orgId, stores, type TestApp } from '../helpers.js';
import {
  type BreakdownQ,
  breakdownOracle,
  DIMENSIONS,
  filtersArb,
  metricsArb,
  queryUrl,
  rangeArb,
  send,
  ZONES,
} from './trends-oracle.js';

const apps: { name: string; t: TestApp; token: string }[] = [];
const ORG = orgId('breakdown');

beforeAll(async () => {
  for (const s of stores) {
    const t = await createTestApp(s, { env: { ...HISTORIC_TIMESTAMPS } });
    const token = await t.token({ org: ORG });
    await send(t, token);
    apps.push({ name: s.name, t, token });
  }
}, 120_000);

afterAll(async () => {
  for (const a of apps) await a.t.close();
});

async function get(a: (typeof apps)[number], q: object, token = a.token) {
  return a.t.app.inject({
    method: 'GET',
    url: queryUrl('/api/v1/insights/breakdown', q),
    headers: bearer(token),
  });
}

const breakdownArb = fc
  .record({
    dimension: fc.constantFrom(...DIMENSIONS),
    metric: metricsArb,
    range: rangeArb,
    tz: fc.constantFrom(...ZONES),
    filter: filtersArb,
    include_bots: fc.option(fc.boolean(), { nil: undefined }),
    limit: fc.integer({ min: 1, max: 4 }),
  })
  .map(({ range, limit, ...q }) => {
    const out: BreakdownQ = { ...q, start_date: range[0], end_date: range[1] };
    for (const k of Object.keys(out) as (keyof BreakdownQ)[]) if (out[k] === undefined) delete out[k];
    return { q: out, limit };
  });

describe('GET /api/v1/insights/breakdown', () => {
  it('equals the brute-force oracle on every store, page after page', async () => {
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(breakdownArb, async ({ q, limit }) => {
        const expected = breakdownOracle(q);
        if (expected.data.length > 1) nonEmpty++;
        for (const a of apps) {
          const rows: unknown[] = [];
          let cursor: string | undefined;
          for (let page = 0; page < 50; page++) {
            const res = await get(a, { ...q, limit, ...(cursor ? { cursor } : {}) });
            expect(res.statusCode, `${a.name}: ${res.body}`).toBe(200);
            const body = res.json();
            expect(body.data.length).toBeLessThanOrEqual(limit);
            expect({ ...body, data: [], next_cursor: null }, a.name).toEqual({
              ...expected,
              data: [],
              next_cursor: null,
            });
            rows.push(...body.data);
            cursor = body.next_cursor ?? undefined;
            if (!cursor) break;
          }
          expect(rows, a.name).toEqual(expected.data);
        }
      }),
      { numRuns: 50, seed: 2710 },
    );
    expect(nonEmpty).toBeGreaterThan(20);
  }, 180_000);

  it('defaults to visitors, ten rows', async () => {
    const q = { dimension: 'path', start_date: '2024-03-21', end_date: '2024-04-12', tz: 'UTC' };
    const expected = breakdownOracle({ ...q, metric: ['visitors'] });
    for (const a of apps) {
      const res = await get(a, q);
      expect(res.json()).toEqual({ ...expected, next_cursor: null });
    }
  });

  it('refuses a cursor edited or used with another query', async () => {
    for (const a of apps) {
      const q = {
        dimension: 'event_type',
        metric: ['events'],
        start_date: '2024-03-21',
        end_date: '2024-04-12',
      };
      const first = (await get(a, { ...q, limit: 1 })).json();
      expect(first.next_cursor).toEqual(expect.any(String));
      const other = await get(a, { ...q, dimension: 'path', limit: 1, cursor: first.next_cursor });
      expect(other.statusCode).toBe(422);
      expect(other.json().code).toBe('invalid_cursor');
      const edited = await get(a, { ...q, limit: 1, cursor: `x${first.next_cursor}` });
      expect(edited.statusCode).toBe(422);
      const otherOrg = await a.t.token({ org: orgId('breakdown_other') });
      const stolen = await get(a, { ...q, limit: 1, cursor: first.next_cursor }, otherOrg);
      expect(stolen.statusCode).toBe(422);
    }
  });

  it('answers a prop. key and values full of SQL as data: no rows', async () => {
    for (const a of apps) {
      const res = await get(a, {
        dimension: 'prop.x$.--SELECT-1',
        metric: ['events'],
        start_date: '2024-03-21',
        end_date: '2024-04-12',
        filter: ["prop.plan--DROP-TABLE-events==x' OR '1'='1"],
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({
        dimension: 'prop.x$.--SELECT-1',
        metrics: ['events'],
        data: [],
        totals: { events: 0 },
        next_cursor: null,
      });
    }
  });

  it.each([
    [{}, '/dimension'],
    [{ dimension: 'colour' }, '/dimension'],
    [{ dimension: 'prop.' }, '/dimension'],
    [{ dimension: 'path', metric: ['visitors', 'nope'] }, '/metric'],
    [{ dimension: 'path', limit: 0 }, '/limit'],
    [{ dimension: 'path', limit: 1001 }, '/limit'],
    [{ dimension: 'path', start_date: '2024-04-02', end_date: '2024-04-01' }, '/start_date'],
    [{ dimension: 'path', start_date: '2023-01-01', end_date: '2024-04-01' }, '/end_date'],
    [{ dimension: 'path', tz: 'Nowhere/Else' }, '/tz'],
    [{ dimension: 'path', filter: ['path=/x'] }, '/filter/0'],
    [{ dimension: 'path', cursor: 'abc' }, '/cursor'],
  ])('answers 422 naming the field for %j', async (q, path) => {
    for (const a of apps) {
      const res = await get(a, q);
      expect(res.statusCode, res.body).toBe(422);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect((res.json() as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(path);
    }
  });
});
