// @vitest-environment happy-dom
import { effect } from '@preact/signals-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createEventsStore,
  createEventTypesStore,
  createMetricsStore,
  type EventsStore,
  type MetricsStore,
} from '../src/index.js';
import { harness, json, problem, type SeenRequest, tick, until } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

/** Subscribes the way Lit's SignalWatcher and React's useSyncExternalStore do; returns the unsubscribe. */
const watch = (store: EventsStore | MetricsStore) =>
  effect(() => {
    if ('items' in store) void store.items.value;
    else void store.data.value;
    void store.loading.value;
    void store.error.value;
  });

const page = (req: SeenRequest) => {
  const cursor = Number(req.url.searchParams.get('cursor') ?? 0);
  const data = [1, 2].map((i) => ({ event_id: `e${cursor * 2 + i}` }));
  return json(200, { data, next_cursor: cursor < 2 ? String(cursor + 1) : null, has_more: cursor < 2 });
};

describe('createEventsStore()', () => {
  it('fetches nothing until its signals gain a subscriber', async () => {
    const { client, api } = harness({}, page);
    const store = createEventsStore(client, { event_type: 'click' });
    await tick();
    expect(api.requests).toHaveLength(0);
    const stop = watch(store);
    await until(() => store.items.value.length === 2);
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]!.url.searchParams.get('event_type')).toBe('click');
    // A second subscriber, or the same one again, does not load the first page again.
    const again = watch(store);
    stop();
    again();
    watch(store)();
    await tick();
    expect(api.requests).toHaveLength(1);
  });

  it('loadMore() while a page is in flight returns that same promise and loads the page once', async () => {
    const { client, api } = harness({}, page);
    const store = createEventsStore(client);
    const a = store.loadMore();
    const b = store.loadMore();
    expect(a).toBe(b);
    expect(store.loading.value).toBe(true);
    await a;
    expect(store.loading.value).toBe(false);
    await Promise.all([store.loadMore(), store.loadMore()]);
    await store.loadMore();
    expect(store.hasMore.value).toBe(false);
    await store.loadMore();
    expect(api.requests.map((r) => r.url.searchParams.get('cursor'))).toEqual([null, '1', '2']);
    expect(store.items.value.map((e) => e.event_id)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
  });

  it('refresh() drops the list and starts again from the first page', async () => {
    const { client, api } = harness({}, page);
    const store = createEventsStore(client);
    await store.loadMore();
    await store.loadMore();
    await store.refresh();
    expect(store.items.value.map((e) => e.event_id)).toEqual(['e1', 'e2']);
    expect(api.requests.map((r) => r.url.searchParams.get('cursor'))).toEqual([null, '1', null]);
  });

  it('puts a failure in error and lets the next loadMore() try the same page again', async () => {
    let n = 0;
    const { client } = harness({ retry: { reads: 0 } }, (req) =>
      ++n === 1 ? problem(500, 'internal_error') : page(req),
    );
    const store = createEventsStore(client);
    await store.loadMore();
    expect(store.error.value).toMatchObject({ status: 500 });
    expect(store.hasMore.value).toBe(true);
    await store.loadMore();
    expect(store.error.value).toBeNull();
    expect(store.items.value).toHaveLength(2);
  });

  it('dispose() aborts the page in flight and ignores it', async () => {
    const { client, api } = harness({}, () => 'hang');
    const store = createEventsStore(client);
    const loading = store.loadMore();
    await until(() => api.requests.length === 1);
    store.dispose();
    await loading;
    expect(api.requests[0]!.signal!.aborted).toBe(true);
    expect(store.loading.value).toBe(false);
    expect(store.error.value).toBeNull();
    await store.loadMore();
    expect(api.requests).toHaveLength(1);
  });
});

const summary = (req: SeenRequest) =>
  json(200, {
    metrics: req.url.searchParams.getAll('metrics'),
    daily: [],
    totals: { events: api.requests.length },
  });
let api: ReturnType<typeof harness>['api'];

describe('createMetricsStore()', () => {
  it('shares one request between stores with the same (normalised) params', async () => {
    const h = harness({}, (req) => summary(req));
    api = h.api;
    const a = createMetricsStore(h.client, { metrics: ['events:click', 'events'], start_date: '2025-01-01' });
    const b = createMetricsStore(h.client, {
      start_date: '2025-01-01',
      metrics: ['events', 'events:click', 'events'],
    });
    expect(a.data).toBe(b.data);
    const stops = [watch(a), watch(b)];
    await until(() => a.data.value !== undefined);
    expect(b.data.value).toBe(a.data.value);
    expect(h.api.requests).toHaveLength(1);
    expect(h.api.requests[0]!.url.searchParams.getAll('metrics')).toEqual(['events', 'events:click']);
    await Promise.all([a.refresh(), b.refresh()]);
    expect(h.api.requests).toHaveLength(2);
    for (const stop of stops) stop();
  });

  it('treats the default metrics and time zone as the same query as omitting them', async () => {
    const h = harness({}, (req) => summary(req));
    api = h.api;
    const a = createMetricsStore(h.client, {});
    const b = createMetricsStore(h.client, { metrics: ['active_users', 'events'], tz: 'UTC' });
    expect(a.data).toBe(b.data);
  });

  it('sends the filters and the bot switch, the same filters in any order sharing one request', async () => {
    const h = harness({}, (req) => summary(req));
    api = h.api;
    const a = createMetricsStore(h.client, { filter: ['country==DE', 'device==mobile'], include_bots: true });
    const b = createMetricsStore(h.client, {
      filter: ['device==mobile', 'country==DE', 'device==mobile'],
      include_bots: true,
    });
    expect(a.data).toBe(b.data);
    expect(createMetricsStore(h.client, { filter: ['country==DE'] }).data).not.toBe(a.data);
    expect(createMetricsStore(h.client, {}).data).not.toBe(a.data);
    const stop = watch(a);
    await until(() => a.data.value !== undefined);
    expect(h.api.requests).toHaveLength(1);
    const params = h.api.requests[0]!.url.searchParams;
    expect(params.getAll('filter')).toEqual(['country==DE', 'device==mobile']);
    expect(params.get('include_bots')).toBe('true');
    stop();
  });

  it('serves a fresh result from the cache and revalidates a stale one while still showing it', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const h = harness({}, (req) => summary(req));
    api = h.api;
    const first = createMetricsStore(h.client, {}, { ttl: 60_000 });
    let stop = watch(first);
    await until(() => first.data.value !== undefined);
    stop();
    first.dispose();
    vi.advanceTimersByTime(30_000);
    const second = createMetricsStore(h.client, {}, { ttl: 60_000 });
    stop = watch(second);
    await tick();
    expect(h.api.requests).toHaveLength(1);
    expect(second.data.value).toEqual({ metrics: [], daily: [], totals: { events: 1 } });
    stop();
    vi.setSystemTime(Date.now() + 31_000);
    let gate!: () => void;
    h.api.setHandler(async (req) => {
      await new Promise<void>((r) => {
        gate = r;
      });
      return summary(req);
    });
    stop = watch(second);
    await until(() => h.api.requests.length === 2);
    expect(second.loading.value).toBe(true);
    expect(second.data.value).toEqual({ metrics: [], daily: [], totals: { events: 1 } });
    gate();
    await until(() => !second.loading.value);
    expect(second.data.value).toEqual({ metrics: [], daily: [], totals: { events: 2 } });
    stop();
  });

  it('keeps one cache per client', async () => {
    const h1 = harness({}, (req) => summary(req));
    const h2 = harness({}, (req) => summary(req));
    expect(createMetricsStore(h1.client, {}).data).not.toBe(createMetricsStore(h2.client, {}).data);
  });

  it('aborts the shared request when the last store is disposed, not before', async () => {
    const h = harness({}, () => 'hang');
    const a = createMetricsStore(h.client, { start_date: '2025-02-01' });
    const b = createMetricsStore(h.client, { start_date: '2025-02-01' });
    void a.refresh();
    await until(() => h.api.requests.length === 1);
    a.dispose();
    await tick();
    expect(h.api.requests[0]!.signal!.aborted).toBe(false);
    b.dispose();
    expect(h.api.requests[0]!.signal!.aborted).toBe(true);
    expect(b.loading.value).toBe(false);
  });
});

describe('createEventTypesStore()', () => {
  it('loads the event types when watched', async () => {
    const h = harness({}, () => json(200, { data: [{ event_type: 'click', count: 3, last_seen: 'x' }] }));
    const store = createEventTypesStore(h.client);
    const stop = effect(() => void store.data.value);
    await until(() => store.data.value !== undefined);
    expect(store.data.value).toEqual([{ event_type: 'click', count: 3, last_seen: 'x' }]);
    expect(h.api.requests[0]!.url.pathname).toBe('/api/v1/event-types');
    stop();
  });
});
