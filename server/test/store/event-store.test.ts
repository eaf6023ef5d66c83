import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/lib/ids.js';
import type { EventStore, NewEvent } from '../../src/store/types.js';
import { openTestStore, orgId, stores } from '../helpers.js';

function event(type: string, extra: Partial<NewEvent> = {}): NewEvent {
  return {
    eventId: uuidv7(),
    eventType: type,
    userId: 'u1',
    ts: Date.now(),
    properties: {},
    schemaVersion: 1,
    ...extra,
  };
}

describe.each(stores)('EventStore.ingest() ($name)', (storeCase) => {
  let store: EventStore;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await openTestStore(storeCase));
  });
  afterAll(() => close());

  it('answers concurrent batches each with its own result', async () => {
    const org = orgId('group');
    const batches = Array.from({ length: 20 }, (_, i) => [event(`t${i % 3}`), event(`t${(i + 1) % 3}`)]);
    const results = await Promise.all(
      batches.map((events) => store.ingest({ orgId: org, events, receivedAt: Date.now() })),
    );
    results.forEach((r, i) => {
      expect(r).toEqual({ accepted: 2, duplicates: 0, eventIds: batches[i]!.map((e) => e.eventId) });
    });
    const page = await store.queryEvents({ orgId: org, limit: 1000 });
    expect(page.events).toHaveLength(40);
  });

  it('fails one batch alone and forgets what it created', async () => {
    const org = orgId('rollback');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const ok = store.ingest({ orgId: org, events: [event('kept')], receivedAt: Date.now() });
    const bad = store.ingest({
      orgId: org,
      events: [event('ghost_type', { userId: 'ghost_user', properties: circular })],
      receivedAt: Date.now(),
    });
    await expect(bad).rejects.toThrow();
    expect((await ok).accepted).toBe(1);
    // The type and user the failed batch introduced must work when they really arrive.
    const later = await store.ingest({
      orgId: org,
      events: [event('ghost_type', { userId: 'ghost_user' })],
      receivedAt: Date.now(),
    });
    expect(later.accepted).toBe(1);
    const page = await store.queryEvents({ orgId: org, limit: 10 });
    expect(page.events.map((e) => [e.eventType, e.userId]).sort()).toEqual([
      ['ghost_type', 'ghost_user'],
      ['kept', 'u1'],
    ]);
    const types = await store.eventTypes(org);
    expect(types.map((t) => [t.eventType, t.count]).sort()).toEqual([
      ['ghost_type', 1],
      ['kept', 1],
    ]);
  });

  it('keeps the rollups exact under duplicates', async () => {
    const org = orgId('rollup');
    const day = Date.UTC(2024, 0, 10);
    const events = [
      event('a', { ts: day + 1, userId: 'x' }),
      event('a', { ts: day + 2, userId: 'y' }),
      event('b', { ts: day + 3, userId: 'x' }),
    ];
    await store.ingest({ orgId: org, events, receivedAt: Date.now() });
    await store.ingest({
      orgId: org,
      events: [...events, event('b', { ts: day + 4, userId: null })],
      receivedAt: Date.now(),
    });
    const summary = await store.metricsSummary({
      orgId: org,
      dayStarts: [day, day + 86_400_000],
      dates: ['2024-01-10'],
      events: true,
      activeUsers: true,
      eventTypes: ['a', 'b'],
      storedMetrics: [],
    });
    expect(summary).toEqual({
      days: [
        {
          events: 4,
          activeUsers: 2,
          byType: { a: 2, b: 2 },
          stored: {},
          // Not asked for: zero.
          visitors: 0,
          pageviews: 0,
          sessions: 0,
          bounces: 0,
          sessionDurationMs: 0,
          sessionPageviews: 0,
        },
      ],
      totalActiveUsers: 2,
      totalVisitors: 0,
    });
  });
});
