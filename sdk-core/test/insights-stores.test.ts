// The insight stores against the real API server: shared requests, separate keys, typed errors.
import { effect } from '@preact/signals-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AnalyticsApiError, type QueryStore } from '../src/index.js';
import {
  createBreakdownStore,
  createFunnelStore,
  createRetentionStore,
  createTrendsStore,
} from '../src/insights.js';
import { until } from './helpers.js';
import { DAYS, distinct, END, funnel, insightsServer, START, week } from './insights-data.js';

let ctx: Awaited<ReturnType<typeof insightsServer>>;

beforeAll(async () => {
  ctx = await insightsServer();
  // Stores fetch only where there is a document (never during server rendering). The API server cannot run
  // in a DOM environment, so the suite runs in Node with a document to see.
  vi.stubGlobal('document', {});
});
afterAll(async () => {
  vi.unstubAllGlobals();
  await ctx?.server.close();
});

/** Subscribes the way Lit's SignalWatcher and React's useSyncExternalStore do; returns the unsubscribe. */
const watch = (store: QueryStore<unknown>) =>
  effect(() => {
    void store.data.value;
    void store.loading.value;
    void store.error.value;
  });

describe('insight stores', () => {
  it('share one request between stores of equal queries, whatever the order of their filters', async () => {
    const { client, seen } = await ctx.orgClient({ apiKey: ctx.weekToken });
    const range = { start_date: START, end_date: END };
    const a = createTrendsStore(client, {
      ...range,
      metric: ['events'],
      filter: ['event_type==view', 'path==/pricing'],
    });
    const b = createTrendsStore(client, {
      metric: ['events'],
      filter: ['path==/pricing', 'event_type==view', 'path==/pricing'],
      tz: 'UTC',
      interval: 'day',
      ...range,
    });
    const stops = [watch(a), watch(b)];
    await until(() => a.data.value !== undefined && b.data.value !== undefined);
    expect(a.data.value).toBe(b.data.value);
    expect(a.data.value!.series[0]!.total).toBe(
      week.filter((e) => e.event_type === 'view' && e.context.page.path === '/pricing').length,
    );
    expect(seen.filter((path) => path === '/api/v1/insights/trends')).toHaveLength(1);
    for (const stop of stops) stop();
    a.dispose();
    b.dispose();
  });

  it('keep stores of other queries apart', async () => {
    const { client, seen } = await ctx.orgClient({ apiKey: ctx.weekToken });
    const range = { start_date: START, end_date: END };
    const pro = createBreakdownStore(client, { ...range, dimension: 'path', filter: ['prop.plan==pro'] });
    const free = createBreakdownStore(client, { ...range, dimension: 'path', filter: ['prop.plan==free'] });
    const stops = [watch(pro), watch(free)];
    await until(() => pro.data.value !== undefined && free.data.value !== undefined);
    const visitors = (plan: string) => distinct(week.filter((e) => e.properties.plan === plan));
    expect(pro.data.value!.totals).toEqual({ visitors: visitors('pro') });
    expect(free.data.value!.totals).toEqual({ visitors: visitors('free') });
    expect(seen.filter((path) => path === '/api/v1/insights/breakdown')).toHaveLength(2);
    for (const stop of stops) stop();
  });

  it('funnel and retention stores share a request like the others', async () => {
    const { client, seen } = await ctx.orgClient({ apiKey: ctx.weekToken });
    const steps = [{ event_type: 'view' }, { event_type: 'signup' }];
    const query = { steps, window_seconds: 3600, start_date: START, end_date: END };
    const funnels = [createFunnelStore(client, query), createFunnelStore(client, { ...query, limit: 5 })];
    const retention = [
      createRetentionStore(client, { start_date: START, end_date: END }),
      createRetentionStore(client, { end_date: END, start_date: START, period: 'day', periods: 8 }),
    ];
    const stops = [...funnels, ...retention].map(watch);
    await until(() => [...funnels, ...retention].every((s) => s.data.value !== undefined));
    expect(funnels[0]!.data.value).toBe(funnels[1]!.data.value);
    expect(retention[0]!.data.value).toBe(retention[1]!.data.value);
    const expected = funnel(
      (e) => e.event_type === 'view',
      (e) => e.event_type === 'signup',
      3_600_000,
    );
    expect(funnels[0]!.data.value!.steps.map((s) => s.visitors)).toEqual([
      expected.entered,
      expected.converted,
    ]);
    expect(retention[0]!.data.value!.cohorts).toHaveLength(DAYS.length);
    expect(seen.filter((path) => path === '/api/v1/insights/funnel')).toHaveLength(1);
    expect(seen.filter((path) => path === '/api/v1/insights/retention')).toHaveLength(1);
    for (const stop of stops) stop();
  });

  it('hold a typed error for a bad filter', async () => {
    const { client } = await ctx.orgClient({ apiKey: ctx.weekToken });
    const store = createRetentionStore(client, { filter: ['nonsense'] });
    const stop = watch(store);
    await until(() => store.error.value !== null);
    expect(store.error.value).toBeInstanceOf(AnalyticsApiError);
    expect(store.error.value).toMatchObject({ status: 422, code: 'validation_failed' });
    expect(store.data.value).toBeUndefined();
    stop();
  });
});
