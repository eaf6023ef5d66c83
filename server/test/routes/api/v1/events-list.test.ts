import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventsPage } from '../../../../src/contract.js';
import {
  bearer,
  createTestApp,
  HISTORIC_TIMESTAMPS,
  makeEvents,
  orgId,
  stores,
  type TestApp,
} from '../../../helpers.js';

describe.each(stores)('GET /api/v1/events ($name)', (storeCase) => {
  let t: TestApp;
  const org = orgId('list');
  let token: string;
  const base = Date.parse('2024-03-10T12:00:00Z');
  const ingest = async (events: unknown[]) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { 'content-type': 'application/json', ...bearer(token) },
      payload: { events },
    });
    expect(res.statusCode).toBe(202);
  };
  const get = async (query: string, tok = token) => {
    const res = await t.app.inject({ url: `/api/v1/events?${query}`, headers: bearer(tok) });
    return res;
  };

  let events: ReturnType<typeof makeEvents> = [];

  beforeAll(async () => {
    t = await createTestApp(storeCase, { env: HISTORIC_TIMESTAMPS });
    token = await t.token({ org, scope: 'events:write events:read' });
    // 1,200 events over ~20 minutes, some sharing a timestamp (ties are broken by event_id).
    events = makeEvents(1200, {
      end: base,
      type: (i) => (i % 3 === 0 ? 'click' : i % 3 === 1 ? 'page_view' : 'signup'),
      user: (i) => (i % 10 === 0 ? undefined : `user_${i % 13}`),
    }).map((e, i) => (i % 5 === 0 ? { ...e, timestamp: new Date(base - 1000).toISOString() } : e));
    for (let i = 0; i < events.length; i += 100) await ingest(events.slice(i, i + 100));
  });
  afterAll(() => t.close());

  it('walks every page exactly once while new events are ingested between pages', async () => {
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    let previous: { ts: number; id: string } | null = null;
    do {
      const res = await get(`limit=97${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json() as EventsPage;
      for (const e of page.data) {
        expect(seen.has(e.event_id)).toBe(false);
        seen.add(e.event_id);
        const ts = Date.parse(e.timestamp);
        if (previous) {
          // Strictly newest first: timestamp descending, then event_id descending.
          expect(ts < previous.ts || (ts === previous.ts && e.event_id < previous.id)).toBe(true);
        }
        previous = { ts, id: e.event_id };
      }
      expect(page.has_more).toBe(page.next_cursor !== null);
      cursor = page.next_cursor;
      pages++;
      // New events arrive mid-walk: newer ones, and some inside the range already walked.
      await ingest(makeEvents(5, { end: base + 60_000 + pages * 10_000 }));
      await ingest(makeEvents(2, { end: base - 5000 }));
    } while (cursor);
    expect(pages).toBe(Math.ceil(1200 / 97));
    // Every one of the original 1,200 was returned (new ones may or may not appear).
    expect(events.filter((e) => !seen.has(e.event_id))).toEqual([]);
  });

  it('defaults to 50 per page and caps limit at 1000', async () => {
    expect((await get('')).json().data).toHaveLength(50);
    expect((await get('limit=1001')).statusCode).toBe(422);
    expect((await get('limit=0')).statusCode).toBe(422);
    expect((await get('limit=abc')).json().errors[0].path).toBe('/limit');
  });

  it('filters by event_type (repeatable), user_id and dates', async () => {
    const clicks = (await get('event_type=click&limit=1000')).json() as EventsPage;
    expect(clicks.data.length).toBeGreaterThan(0);
    expect(clicks.data.every((e) => e.event_type === 'click')).toBe(true);
    const two = (await get('event_type=click&event_type=signup&limit=1000')).json() as EventsPage;
    expect(new Set(two.data.map((e) => e.event_type))).toEqual(new Set(['click', 'signup']));
    const user = (await get('user_id=user_3&limit=1000')).json() as EventsPage;
    expect(user.data.length).toBeGreaterThan(0);
    expect(user.data.every((e) => e.user_id === 'user_3')).toBe(true);
    const from = '2024-03-10T11:55:00Z';
    const to = '2024-03-10T11:58:00Z';
    const ranged = (await get(`start_date=${from}&end_date=${to}&limit=1000`)).json() as EventsPage;
    const expected = events.filter(
      (e) => e.timestamp >= '2024-03-10T11:55:00' && e.timestamp < '2024-03-10T11:58:00',
    );
    expect(expected.length).toBeGreaterThan(100);
    expect(ranged.data.map((e) => e.event_id).sort()).toEqual(expected.map((e) => e.event_id).sort());
    for (const e of ranged.data) {
      expect(Date.parse(e.timestamp)).toBeGreaterThanOrEqual(Date.parse(from));
      expect(Date.parse(e.timestamp)).toBeLessThan(Date.parse(to));
    }
  });

  it('treats a date-only end_date as the whole UTC day and start_date as inclusive', async () => {
    const day = (await get('start_date=2024-03-10&end_date=2024-03-10&limit=1')).json() as EventsPage;
    expect(day.data).toHaveLength(1);
    const before = (await get('end_date=2024-03-09&limit=1')).json() as EventsPage;
    expect(before.data).toHaveLength(0);
    const after = (await get('start_date=2024-03-11&limit=1000')).json() as EventsPage;
    expect(after.data.every((e) => e.timestamp >= '2024-03-11')).toBe(true);
  });

  it('answers 422 for bad dates', async () => {
    for (const q of ['start_date=2024-13-01', 'end_date=yesterday', 'start_date=2024-02-30']) {
      const res = await get(q);
      expect(res.statusCode).toBe(422);
      expect(res.json().errors[0].path).toMatch(/^\/(start|end)_date$/);
    }
    const reversed = await get('start_date=2024-03-10&end_date=2024-03-01');
    expect(reversed.statusCode).toBe(422);
  });

  it('answers 422 naming the parameter for NUL in user_id or a filter value, on the page and the export', async () => {
    // Nothing stored can hold NUL (ingest refuses it); PostgreSQL would fail to even compare against it.
    for (const [route, q, path] of [
      ['/api/v1/events', 'user_id=a%00b', '/user_id'],
      ['/api/v1/events/export', 'user_id=a%00b', '/user_id'],
      ['/api/v1/events', 'filter=path%3D%3D%2Fa%00', '/filter/0'],
      ['/api/v1/events/export', 'filter=prop.k~%00', '/filter/0'],
    ] as const) {
      const res = await t.app.inject({ url: `${route}?${q}`, headers: bearer(token) });
      expect(res.statusCode, `${route}?${q} ${res.body}`).toBe(422);
      expect(res.json().errors[0].path).toBe(path);
    }
  });

  it('answers 422 for a tampered cursor', async () => {
    const { next_cursor } = (await get('limit=10')).json() as EventsPage;
    expect(next_cursor).toBeTruthy();
    const c = next_cursor!;
    const flipped = c.slice(0, 10) + (c[10] === 'A' ? 'B' : 'A') + c.slice(11);
    for (const bad of [flipped, `${c}x`, c.slice(0, -1), 'not-a-cursor', '']) {
      const res = await get(`limit=10&cursor=${encodeURIComponent(bad)}`);
      if (bad === '') continue; // an empty cursor parameter is simply the first page
      expect(res.statusCode).toBe(422);
      expect(res.json().code).toBe('invalid_cursor');
    }
  });

  it('answers 422 for a cursor used with other filters', async () => {
    const { next_cursor } = (await get('limit=10&event_type=click')).json() as EventsPage;
    for (const q of [
      'event_type=signup',
      '',
      'event_type=click&user_id=user_1',
      'event_type=click&start_date=2024-01-01',
    ]) {
      const res = await get(`limit=10&${q}&cursor=${next_cursor}`);
      expect(res.statusCode).toBe(422);
    }
    // The page size may change between pages.
    expect((await get(`limit=20&event_type=click&cursor=${next_cursor}`)).statusCode).toBe(200);
  });

  it("answers 422 for another org's cursor", async () => {
    const { next_cursor } = (await get('limit=10')).json() as EventsPage;
    const other = await t.token({ org: orgId('intruder'), scope: 'events:read' });
    const res = await get(`limit=10&cursor=${next_cursor}`, other);
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('invalid_cursor');
  });

  it("answers 403 for an org_id that is not the token's", async () => {
    const res = await get('org_id=org_someone_else');
    expect(res.statusCode).toBe(403);
    expect((await get(`org_id=${org}&limit=1`)).statusCode).toBe(200);
  });
});

describe.each(stores)('GET /api/v1/events?user_id= across days ($name)', (storeCase) => {
  let t: TestApp;
  const org = orgId('userdays');
  let token: string;
  const DAY = 86_400_000;
  const start = Date.parse('2024-01-01T00:00:00Z');
  // 400 events over 40 days: three users, one only active on some days; timestamps hit day edges too.
  const events = Array.from({ length: 400 }, (_, i) => ({
    event_id: crypto.randomUUID(),
    event_type: i % 2 ? 'a' : 'b',
    user_id: i % 3 === 0 ? 'carol' : i % 3 === 1 ? 'dave' : i % 30 === 2 ? 'erin' : 'dave',
    timestamp: new Date(
      start + Math.floor(i / 10) * DAY + (i % 10 === 0 ? 0 : i % 10 === 9 ? DAY - 1 : i * 1000),
    ).toISOString(),
  }));

  beforeAll(async () => {
    t = await createTestApp(storeCase, { env: HISTORIC_TIMESTAMPS });
    token = await t.token({ org, scope: 'events:write events:read' });
    for (let i = 0; i < events.length; i += 100) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { 'content-type': 'application/json', ...bearer(token) },
        payload: { events: events.slice(i, i + 100) },
      });
      expect(res.statusCode).toBe(202);
    }
  });
  afterAll(() => t.close());

  const walk = async (query: string, limit: number) => {
    const out: { event_id: string; timestamp: string }[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.app.inject({
        url: `/api/v1/events?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
        headers: bearer(token),
      });
      expect(res.statusCode).toBe(200);
      const page = res.json() as EventsPage;
      out.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor);
    return out;
  };
  const expected = (pred: (e: (typeof events)[number]) => boolean) =>
    events
      .filter(pred)
      .sort((a, b) =>
        a.timestamp === b.timestamp ? (a.event_id < b.event_id ? 1 : -1) : a.timestamp < b.timestamp ? 1 : -1,
      )
      .map((e) => e.event_id);

  it.each([
    ['carol', 7],
    ['dave', 13],
    ['erin', 1],
  ])('walks every event of %s newest first, page size %i, across day boundaries', async (user, limit) => {
    const got = await walk(`user_id=${user}`, limit);
    expect(got.map((e) => e.event_id)).toEqual(expected((e) => e.user_id === user));
  });

  it('combines the user filter with dates and types', async () => {
    const from = '2024-01-05T12:00:00Z';
    const got = await walk(`user_id=dave&event_type=a&start_date=${from}&end_date=2024-01-20`, 4);
    expect(got.map((e) => e.event_id)).toEqual(
      expected(
        (e) =>
          e.user_id === 'dave' &&
          e.event_type === 'a' &&
          e.timestamp >= '2024-01-05T12:00:00' &&
          e.timestamp < '2024-01-21',
      ),
    );
  });
});
