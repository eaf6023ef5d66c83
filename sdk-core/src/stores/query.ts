import { batch, type Signal, signal } from '@preact/signals-core';
import type { AnalyticsClient } from '../client.js';
import type { EventTypeCount, MetricsParams, MetricsSummary } from '../types.js';
import type { EventTypesStore, MetricsStore, QueryStore } from './types.js';

export interface QueryStoreOptions {
  /** How long a result counts as fresh, in ms (default 60 s). A stale result stays visible while it is refetched. */
  ttl?: number;
}

interface Entry<T> {
  data: Signal<T | undefined>;
  loading: Signal<boolean>;
  error: Signal<Error | null>;
  /** When `data` arrived (0: never). */
  at: number;
  inflight?: Promise<void> | undefined;
  ctl?: AbortController | undefined;
  stores: number;
  watchers: number;
  gc?: ReturnType<typeof setTimeout> | undefined;
}

/** During server rendering nothing subscribes for real and nothing may fetch. */
export const isServer = (): boolean => typeof document === 'undefined';

/** One cache per client, so two clients (two tenants) never share results. */
const caches = new WeakMap<AnalyticsClient, Map<string, Entry<unknown>>>();

/**
 * A cached query shared by every store with the same `key` on the same client: one request in flight at a
 * time, fetched when its signals gain their first subscriber (if stale) or on `refresh()`.
 */
export function createQueryStore<T>(
  client: AnalyticsClient,
  key: string,
  load: (signal: AbortSignal) => Promise<T>,
  { ttl = 60_000 }: QueryStoreOptions = {},
): QueryStore<T> {
  let cache = caches.get(client);
  if (!cache) {
    cache = new Map();
    caches.set(client, cache);
  }
  let e = cache.get(key) as Entry<T> | undefined;
  const revalidate = (entry: Entry<T>): Promise<void> => {
    if (entry.inflight) return entry.inflight;
    const ctl = new AbortController();
    entry.ctl = ctl;
    entry.loading.value = true;
    entry.inflight = load(ctl.signal)
      .then(
        (data) =>
          batch(() => {
            entry.data.value = data;
            entry.error.value = null;
            entry.at = Date.now();
          }),
        (error: Error) => {
          if (!ctl.signal.aborted) entry.error.value = error;
        },
      )
      .finally(() => {
        if (entry.ctl === ctl) {
          entry.inflight = entry.ctl = undefined;
          entry.loading.value = false;
        }
      });
    return entry.inflight;
  };
  if (!e) {
    const options = {
      watched(): void {
        if (!entry.watchers++ && !isServer() && Date.now() - entry.at > ttl) void revalidate(entry);
      },
      unwatched(): void {
        entry.watchers--;
      },
    };
    const entry: Entry<T> = {
      data: signal<T | undefined>(undefined, options),
      loading: signal(false, options),
      error: signal<Error | null>(null, options),
      at: 0,
      stores: 0,
      watchers: 0,
    };
    cache.set(key, entry as Entry<unknown>);
    e = entry;
  }
  const entry = e;
  entry.stores++;
  clearTimeout(entry.gc);
  let disposed = false;
  return {
    data: entry.data,
    loading: entry.loading,
    error: entry.error,
    refresh: () => (disposed ? Promise.resolve() : revalidate(entry)),
    dispose(): void {
      if (disposed) return;
      disposed = true;
      if (--entry.stores) return;
      // The last store gone: nobody wants the answer in flight. The result stays cached for `ttl`.
      entry.ctl?.abort();
      entry.inflight = entry.ctl = undefined;
      entry.loading.value = false;
      entry.gc = setTimeout(() => {
        if (!entry.stores) cache.delete(key);
      }, ttl);
    },
  };
}

const DEFAULT_METRICS = 'active_users,events';

/** Parameters in one canonical form: equal queries get equal cache keys (and equal requests). */
export function normaliseMetricsParams(params: MetricsParams): MetricsParams {
  const out: MetricsParams = {};
  const metrics = [...new Set(params.metrics)].sort();
  if (metrics.length && metrics.join() !== DEFAULT_METRICS) out.metrics = metrics;
  if (params.org_id) out.org_id = params.org_id;
  if (params.start_date) out.start_date = params.start_date;
  if (params.end_date) out.end_date = params.end_date;
  if (params.tz && params.tz !== 'UTC') out.tz = params.tz;
  // Sorted and deduplicated: the same filters in another order are the same query (one cache entry).
  const filter = [...new Set(params.filter)].sort();
  if (filter.length) out.filter = filter;
  if (params.include_bots) out.include_bots = true;
  return out;
}

/** The metrics summary for `params`, cached per client (see `createQueryStore`). */
export function createMetricsStore(
  client: AnalyticsClient,
  params: MetricsParams = {},
  options?: QueryStoreOptions,
): MetricsStore {
  const p = normaliseMetricsParams(params);
  return createQueryStore<MetricsSummary>(
    client,
    `metrics ${JSON.stringify(p)}`,
    (signal) => client.getMetricsSummary(p, { signal }),
    options,
  );
}

/** The org's event types, most frequent first, cached per client. */
export function createEventTypesStore(client: AnalyticsClient, options?: QueryStoreOptions): EventTypesStore {
  return createQueryStore<EventTypeCount[]>(
    client,
    'event-types',
    (signal) => client.getEventTypes({ signal }),
    options,
  );
}
