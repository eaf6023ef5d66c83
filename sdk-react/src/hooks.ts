'use client';
import {
  type AnalyticsEvent,
  createEventsStore,
  createEventTypesStore,
  createMetricsStore,
  type EventFilters,
  type EventsStore,
  type EventTypeCount,
  type MetricsParams,
  type MetricsSummary,
  type QueryStore,
} from '@acme/analytics-sdk';
import { useCallback, useMemo } from 'react';
import { useAnalytics } from './context.js';
import { keyOf } from './keys.js';
import { useStore } from './use-store.js';

export interface UseEventsResult {
  events: readonly AnalyticsEvent[];
  loading: boolean;
  error: Error | null;
  hasMore: boolean;
  /** Loads the next page; calling it while a page is in flight does not load twice. */
  loadMore: () => Promise<void>;
  refresh: () => Promise<void>;
}

const selectEvents = (store: EventsStore) => ({
  events: store.items.value,
  loading: store.loading.value,
  error: store.error.value,
  hasMore: store.hasMore.value,
});

/** The newest events matching `filters`, one page at a time. Changing the filters starts a new list. */
export function useEvents(filters: EventFilters = {}): UseEventsResult {
  const client = useAnalytics();
  const [store, state] = useStore(
    [client, keyOf(filters)],
    () => createEventsStore(client, filters),
    selectEvents,
  );
  const actions = useMemo(
    () => ({ loadMore: () => store.loadMore(), refresh: () => store.refresh() }),
    [store],
  );
  return { ...state, ...actions };
}

export interface UseQueryResult<T> {
  /** The last data received; kept while a refresh is in flight. */
  data: T | undefined;
  loading: boolean;
  error: Error | null;
  refresh: () => Promise<void>;
}

const selectQuery = <T>(store: QueryStore<T>) => ({
  data: store.data.value,
  loading: store.loading.value,
  error: store.error.value,
});

/** The base of the cached-query hooks: a core query store per `deps`, its state and a stable `refresh`. */
export function useQuery<T>(deps: readonly unknown[], create: () => QueryStore<T>): UseQueryResult<T> {
  const [store, state] = useStore(deps, create, selectQuery<T>);
  const refresh = useCallback(() => store.refresh(), [store]);
  return { ...state, refresh };
}

/**
 * The metrics summary for `params`, through the client's shared cache: components asking for the same
 * params share one request, and cached data shows at once while it revalidates.
 */
export function useMetrics(params: MetricsParams = {}): UseQueryResult<MetricsSummary> {
  const client = useAnalytics();
  return useQuery([client, keyOf(params)], () => createMetricsStore(client, params));
}

/** The org's event types, most frequent first (for filter menus). */
export function useEventTypes(): UseQueryResult<EventTypeCount[]> {
  const client = useAnalytics();
  return useQuery([client], () => createEventTypesStore(client));
}
