/**
 * Event timestamps are held to a window around the time the server received them, and are always stored
 * and returned as RFC 3339 in UTC: far-dated events can neither fill PostgreSQL with partitions nor come
 * back in a form no RFC 3339 parser reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, parseInstant } from '../../src/lib/time.js';
import type { PostgresEventStore } from '../../src/store/postgres/index.js';
import { bearer, createTestApp, orgId, stores, type TestApp } from '../helpers.js';

const json = { 'content-type': 'application/json' };

describe('parseInstant()', () => {
  it('refuses local times whose UTC instant falls after the year 9999', () => {
    expect(parseInstant('9999-12-31T23:59:59-23:59')).toBeNull();
    expect(parseInstant('9999-12-31T23:59:59+00:00')).toBe(Date.UTC(9999, 11, 31, 23, 59, 59));
    expect(new Date(parseInstant('9999-12-31T23:59:59+23:59')!).toISOString()).toBe(
      '9999-12-31T00:00:59.000Z',
    );
  });
});

describe.each(stores)('POST /api/v1/events timestamps ($name)', (storeCase) => {
  let t: TestApp;
  let token: string;
  const org = orgId('ts');
  beforeAll(async () => {
    t = await createTestApp(storeCase);
    token = await t.token({ org });
  });
  afterAll(() => t.close());

  const post = (events: object[]) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { ...bearer(token), ...json },
      payload: { events },
    });

  it('refuses instants outside the window with a 422 naming each field', async () => {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const res = await post([
      { event_type: 'ok_past', timestamp: iso(now - 399 * DAY_MS) },
      { event_type: 'too_old', timestamp: iso(now - 401 * DAY_MS) },
      { event_type: 'too_new', timestamp: iso(now + 2 * DAY_MS) },
      { event_type: 'epoch', timestamp: '1970-01-01T00:00:00Z' },
      { event_type: 'far', timestamp: '2099-12-01T00:00:00Z' },
      { event_type: 'end_of_time', timestamp: '9999-12-31T23:59:59-23:59' },
      { event_type: 'ok_future', timestamp: iso(now + 23 * 3_600_000) },
    ]);
    expect(res.statusCode).toBe(422);
    const paths = res.json().errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual([1, 2, 3, 4, 5].map((i) => `/events/${i}/timestamp`));
    expect(res.json().errors[0].message).toMatch(/within 400 days before and 1 day after/);
  });

  it('stores and returns every instant as RFC 3339 in UTC', async () => {
    const instant = Math.floor(Date.now() / 1000) * 1000 - 3_600_000 + 250;
    // The same instant as a local time at +05:00.
    const local = `${new Date(instant + 5 * 3_600_000).toISOString().slice(0, 23)}+05:00`;
    const res = await post([{ event_type: 'offset_in', timestamp: local }]);
    expect(res.statusCode).toBe(202);
    const list = await t.app.inject({ url: '/api/v1/events?event_type=offset_in', headers: bearer(token) });
    expect(list.json().data[0].timestamp).toBe(new Date(instant).toISOString());
  });

  it('leaves query ranges unlimited', async () => {
    const res = await t.app.inject({
      url: '/api/v1/events?start_date=1970-01-01&end_date=2099-12-31',
      headers: bearer(token),
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('the timestamp window', () => {
  it('is configurable', async () => {
    const t = await createTestApp(stores[0]!, {
      env: { ANALYTICS_TIMESTAMP_PAST_DAYS: '10', ANALYTICS_TIMESTAMP_FUTURE_DAYS: '0' },
    });
    try {
      const token = await t.token({ org: orgId('window') });
      const post = (ms: number) =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/events',
          headers: { ...bearer(token), ...json },
          payload: { events: [{ event_type: 'x', timestamp: new Date(ms).toISOString() }] },
        });
      expect((await post(Date.now() - 9 * DAY_MS)).statusCode).toBe(202);
      const old = await post(Date.now() - 11 * DAY_MS);
      expect(old.statusCode).toBe(422);
      expect(old.json().errors[0].message).toMatch(/within 10 days before and 0 days after/);
      expect((await post(Date.now() + 60_000)).statusCode).toBe(422);
    } finally {
      await t.close();
    }
  });
});

const pgCase = stores.find((s) => s.name === 'postgres');

describe.skipIf(!pgCase)('PostgreSQL partitions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(pgCase!);
  });
  afterAll(() => t.close());

  async function partitions(): Promise<number> {
    const store = t.store as PostgresEventStore;
    const { rows } = await store.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = to_regclass($1)',
      [`"${store.schema}".events`],
    );
    return rows[0]!.n;
  }

  it('are never made for far-dated events', async () => {
    const before = await partitions();
    const token = await t.token({ org: orgId('partitions') });
    // One event a month from 1970 to 2099, in 16 batches.
    const months = Array.from({ length: 130 * 12 }, (_, i) => new Date(Date.UTC(1970, i, 15)).toISOString());
    for (let b = 0; b < 16; b++) {
      const events = months
        .filter((_, i) => i % 16 === b)
        .slice(0, 100)
        .map((timestamp) => ({ event_type: 'far', timestamp }));
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { ...bearer(token), ...json },
        payload: { events },
      });
      expect(res.statusCode).toBe(422);
    }
    expect(await partitions()).toBe(before);
  });
});
