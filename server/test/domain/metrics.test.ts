import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsSummary, resolveMetrics } from '../../src/domain/metrics.js';
import { ApiError } from '../../src/lib/errors.js';
import { uuidv7 } from '../../src/lib/ids.js';
import { parseDate } from '../../src/lib/time.js';
import type { EventStore, NewEvent } from '../../src/store/types.js';
import { openTestStore, orgId, stores } from '../helpers.js';

describe('resolveMetrics()', () => {
  it('asks for events and active_users when no names are given', () => {
    expect(resolveMetrics(undefined, []).map((m) => m.name)).toEqual(['events', 'active_users']);
    expect(resolveMetrics([], ['revenue']).map((m) => m.name)).toEqual(['events', 'active_users']);
  });

  it('keeps the order of the request and drops repeats', () => {
    const names = ['events:login', 'active_users', 'events:login', 'events'];
    expect(resolveMetrics(names, [])).toEqual([
      { name: 'events:login', kind: 'event_type', eventType: 'login' },
      { name: 'active_users', kind: 'active_users' },
      { name: 'events', kind: 'events' },
    ]);
  });

  it('lets the built-ins win over stored names, and stored names over events:<event_type>', () => {
    expect(
      resolveMetrics(['events', 'events:signup', 'revenue'], ['events', 'events:signup', 'revenue']),
    ).toEqual([
      { name: 'events', kind: 'events' },
      { name: 'events:signup', kind: 'stored' },
      { name: 'revenue', kind: 'stored' },
    ]);
  });

  it('answers one 422 unknown_metric naming every unknown name and what is known', () => {
    let err: unknown;
    try {
      resolveMetrics(['events', 'bogus', 'events:', 'events:a b'], ['revenue']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    const api = err as ApiError;
    expect(api.code).toBe('unknown_metric');
    expect(api.message).toBe(
      'Unknown metric "bogus", "events:", "events:a b"; known: events, active_users, events:<event_type>, revenue, ' +
        'visitors, sessions, pageviews, bounce_rate, avg_session_duration, views_per_session.',
    );
    expect(api.errors).toEqual([
      { path: '/metrics', message: '"bogus" is not a known metric' },
      { path: '/metrics', message: '"events:" is not a known metric' },
      { path: '/metrics', message: '"events:a b" is not a known metric' },
    ]);
  });
});

describe.each(stores)('metricsSummary() ($name)', (storeCase) => {
  let store: EventStore;
  let close: () => Promise<void>;
  const org = orgId('summary');
  const day = (date: string) => parseDate(date)!;
  const event = (ts: string, eventType: string, userId: string | null): NewEvent => ({
    eventId: uuidv7(),
    eventType,
    userId,
    ts: Date.parse(ts),
    properties: {},
    schemaVersion: 1,
  });

  beforeAll(async () => {
    ({ store, close } = await openTestStore(storeCase));
    const events = [
      event('2024-06-01T10:00:00Z', 'login', 'ann'),
      event('2024-06-01T11:00:00Z', 'page_view', 'ben'),
      event('2024-06-02T09:00:00Z', 'page_view', 'ann'),
      event('2024-06-02T09:30:00Z', 'page_view', null),
      event('2024-06-02T23:30:00Z', 'login', 'cat'), // already the 3rd in Tokyo
    ];
    await store.ingest({ orgId: org, events, receivedAt: Date.now() });
    await store.seedSample({
      organizations: [{ orgId: org, name: 'Org', plan: 'pro', createdAt: '2024-01-01T00:00:00Z' }],
      users: [],
      userOrgs: [],
      events: [],
      metrics: [
        { orgId: org, date: '2024-06-01', name: 'revenue', value: 10.5 },
        { orgId: org, date: '2024-06-03', name: 'revenue', value: 2 },
        { orgId: org, date: '2024-06-01', name: 'events:page_view', value: 100 },
      ],
    });
  });
  afterAll(() => close());

  it('gives every day of the range with each metric, totals summed, active_users distinct', async () => {
    const summary = await metricsSummary(store, {
      orgId: org,
      start: day('2024-06-01'),
      end: day('2024-06-03'),
      tz: 'UTC',
      metrics: ['events', 'active_users', 'events:login'],
    });
    expect(summary).toEqual({
      org_id: org,
      start_date: '2024-06-01',
      end_date: '2024-06-03',
      tz: 'UTC',
      metrics: ['events', 'active_users', 'events:login'],
      daily: [
        { date: '2024-06-01', values: { events: 2, active_users: 2, 'events:login': 1 } },
        { date: '2024-06-02', values: { events: 3, active_users: 2, 'events:login': 1 } },
        { date: '2024-06-03', values: { events: 0, active_users: 0, 'events:login': 0 } },
      ],
      totals: { events: 5, active_users: 3, 'events:login': 2 },
    });
  });

  it("sums the org's stored metrics, a stored name winning over the event type it looks like", async () => {
    const summary = await metricsSummary(store, {
      orgId: org,
      start: day('2024-06-01'),
      end: day('2024-06-03'),
      tz: 'UTC',
      metrics: ['revenue', 'events:page_view'],
    });
    expect(summary.daily.map((d) => d.values)).toEqual([
      { revenue: 10.5, 'events:page_view': 100 },
      { revenue: 0, 'events:page_view': 0 },
      { revenue: 2, 'events:page_view': 0 },
    ]);
    expect(summary.totals).toEqual({ revenue: 12.5, 'events:page_view': 100 });
  });

  it('counts local days of the time zone', async () => {
    const summary = await metricsSummary(store, {
      orgId: org,
      start: day('2024-06-02'),
      end: day('2024-06-03'),
      tz: 'Asia/Tokyo',
      metrics: ['events:login'],
    });
    expect(summary.daily).toEqual([
      { date: '2024-06-02', values: { 'events:login': 0 } },
      { date: '2024-06-03', values: { 'events:login': 1 } },
    ]);
  });
});
