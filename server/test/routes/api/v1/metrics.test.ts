import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SummaryResponse } from '../../../../src/contract.js';
import { bearer, createTestApp, HISTORIC_TIMESTAMPS, orgId, stores, type TestApp } from '../../../helpers.js';

describe.each(stores)('GET /api/v1/metrics/summary ($name)', (storeCase) => {
  let t: TestApp;
  const org = orgId('metrics');
  let token: string;

  const ev = (ts: string, type: string, user?: string) => ({
    event_type: type,
    timestamp: ts,
    ...(user ? { user_id: user } : {}),
  });

  beforeAll(async () => {
    t = await createTestApp(storeCase, { env: HISTORIC_TIMESTAMPS });
    token = await t.token({ org });
    const events = [
      ev('2024-06-01T10:00:00Z', 'login', 'ann'),
      ev('2024-06-01T11:00:00Z', 'page_view', 'ann'),
      ev('2024-06-01T12:00:00Z', 'page_view', 'ben'),
      ev('2024-06-03T09:00:00Z', 'page_view', 'ann'),
      ev('2024-06-03T09:30:00Z', 'page_view'), // anonymous: counted as an event, not as a user
      // 23:30 UTC on the 5th is already the 6th in Tokyo (UTC+9).
      ev('2024-06-05T23:30:00Z', 'login', 'cat'),
      ev('2024-06-07T01:00:00Z', 'purchase', 'ben'),
    ];
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      payload: { events },
    });
    expect(res.statusCode).toBe(202);
  });
  afterAll(() => t.close());

  const get = async (query: string) => {
    const res = await t.app.inject({ url: `/api/v1/metrics/summary?${query}`, headers: bearer(token) });
    return res;
  };

  it('lists every day of the range, zeros included', async () => {
    const res = await get('start_date=2024-05-30&end_date=2024-06-08');
    expect(res.statusCode).toBe(200);
    const s = res.json() as SummaryResponse;
    expect(s).toMatchObject({ org_id: org, start_date: '2024-05-30', end_date: '2024-06-08', tz: 'UTC' });
    expect(s.metrics).toEqual(['events', 'active_users']);
    expect(s.daily.map((d) => d.date)).toEqual([
      '2024-05-30',
      '2024-05-31',
      '2024-06-01',
      '2024-06-02',
      '2024-06-03',
      '2024-06-04',
      '2024-06-05',
      '2024-06-06',
      '2024-06-07',
      '2024-06-08',
    ]);
    expect(s.daily.map((d) => d.values.events)).toEqual([0, 0, 3, 0, 2, 0, 1, 0, 1, 0]);
    expect(s.daily.map((d) => d.values.active_users)).toEqual([0, 0, 2, 0, 1, 0, 1, 0, 1, 0]);
  });

  it('counts active_users in totals distinct over the range, not as the sum of days', async () => {
    const s = (await get('start_date=2024-06-01&end_date=2024-06-07')).json() as SummaryResponse;
    const sumOfDays = s.daily.reduce((n, d) => n + (d.values.active_users ?? 0), 0);
    expect(sumOfDays).toBe(5);
    expect(s.totals).toEqual({ events: 7, active_users: 3 });
  });

  it('counts one event type with events:<type>', async () => {
    const s = (
      await get('start_date=2024-06-01&end_date=2024-06-07&metrics=events:page_view&metrics[]=events:login')
    ).json() as SummaryResponse;
    expect(s.metrics).toEqual(['events:page_view', 'events:login']);
    expect(s.totals).toEqual({ 'events:page_view': 4, 'events:login': 2 });
    expect(s.daily[0]!.values).toEqual({ 'events:page_view': 2, 'events:login': 1 });
  });

  it('moves day boundaries to the requested time zone', async () => {
    const q =
      'start_date=2024-06-05&end_date=2024-06-07&metrics=events&metrics=active_users&metrics=events:login';
    const utc = (await get(q)).json() as SummaryResponse;
    expect(utc.daily.map((d) => d.values.events)).toEqual([1, 0, 1]);
    const tokyo = (await get(`${q}&tz=Asia/Tokyo`)).json() as SummaryResponse;
    expect(tokyo.tz).toBe('Asia/Tokyo');
    expect(tokyo.daily.map((d) => d.values.events)).toEqual([0, 1, 1]);
    expect(tokyo.daily.map((d) => d.values['events:login'])).toEqual([0, 1, 0]);
    expect(tokyo.daily.map((d) => d.values.active_users)).toEqual([0, 1, 1]);
    expect(tokyo.totals).toEqual({ events: 2, active_users: 2, 'events:login': 1 });
    // 01:00 UTC on the 7th is still the 6th in New York (UTC-4 in June).
    const ny = (await get(`${q}&tz=America/New_York`)).json() as SummaryResponse;
    expect(ny.daily.map((d) => d.values.events)).toEqual([1, 1, 0]);
  });

  it('defaults to the last 30 days ending today', async () => {
    const s = (await get('')).json() as SummaryResponse;
    expect(s.daily).toHaveLength(30);
    expect(s.end_date).toBe(new Date().toISOString().slice(0, 10));
  });

  it('accepts 366 days and answers 422 beyond', async () => {
    expect((await get('start_date=2024-01-01&end_date=2024-12-31')).statusCode).toBe(200);
    const res = await get('start_date=2024-01-01&end_date=2025-01-01');
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].path).toBe('/end_date');
  });

  it('answers 422 with field paths for bad dates and zones', async () => {
    const cases: [string, string][] = [
      ['start_date=2024-06-31', '/start_date'],
      ['end_date=June', '/end_date'],
      ['start_date=2024-06-10&end_date=2024-06-01', '/start_date'],
      ['tz=Mars/Olympus', '/tz'],
    ];
    for (const [q, path] of cases) {
      const res = await get(q);
      expect(res.statusCode, q).toBe(422);
      expect(
        res.json().errors.map((e: { path: string }) => e.path),
        q,
      ).toContain(path);
    }
  });

  it('answers 422 for an unknown metric and lists the known ones', async () => {
    const res = await get('metrics=events&metrics=churn_rate');
    expect(res.statusCode).toBe(422);
    const p = res.json();
    expect(p.code).toBe('unknown_metric');
    expect(p.detail).toContain('churn_rate');
    expect(p.detail).toContain('active_users');
    expect(p.detail).toContain('events:<event_type>');
  });
});

describe.each(stores)('GET /api/v1/metrics/summary with sample data ($name)', (storeCase) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(storeCase, { seed: 'sample' });
  });
  afterAll(() => t.close());

  it('sums stored metrics by name next to the built-in ones', async () => {
    const token = await t.token({ org: 'org_acme' });
    const types = (await t.app.inject({ url: '/api/v1/event-types', headers: bearer(token) })).json();
    expect(types.data.length).toBeGreaterThan(0);
    const bad = (
      await t.app.inject({ url: '/api/v1/metrics/summary?metrics=nope', headers: bearer(token) })
    ).json();
    const stored = /known: (.*)\.$/
      .exec(bad.detail)![1]!
      .split(', ')
      .filter((n) => !n.startsWith('events') && n !== 'active_users');
    expect(stored.length).toBeGreaterThan(0);
    const name = stored[0]!;
    const res = await t.app.inject({
      url: `/api/v1/metrics/summary?metrics=${name}&metrics=events&start_date=${daysAgo(60)}&end_date=${daysAgo(0)}`,
      headers: bearer(token),
    });
    expect(res.statusCode).toBe(200);
    const s = res.json() as SummaryResponse;
    expect(s.totals[name]).toBeGreaterThan(0);
    expect(s.totals.events).toBeGreaterThan(0);
    expect(s.daily.reduce((n, d) => n + (d.values[name] ?? 0), 0)).toBeCloseTo(s.totals[name]!, 6);
  });
});

function daysAgo(n: number): string {
  return new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
}
