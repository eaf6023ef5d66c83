/**
 * Bindings for Preact apps that want fine-grained updates: the hooks return the core's stores, whose
 * signals Preact renders directly (`{events.loading}` as a text node, `events.items.value` in a component
 * that re-renders only when it changes), through `@preact/signals`.
 */
import type {
  AnalyticsClient,
  EventFilters,
  EventsStore,
  EventTypesStore,
  MetricsParams,
  MetricsStore,
} from '@acme/analytics-sdk';
import { createEventsStore, createEventTypesStore, createMetricsStore } from '@acme/analytics-sdk';
import {
  type BreakdownQuery,
  type BreakdownStore,
  createBreakdownStore,
  createFunnelStore,
  createRetentionStore,
  createTrendsStore,
  type FunnelQuery,
  type FunnelStore,
  type RetentionQuery,
  type RetentionStore,
  type TrendsQuery,
  type TrendsStore,
} from '@acme/analytics-sdk/insights';
// Installs the render hooks that let components and text nodes subscribe to the signals they read.
import '@preact/signals';
import { type ComponentChildren, type Context, createContext, h, type JSX } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { keyOf, sameDeps } from './keys.js';
import { bindProvider, type ProviderProps } from './provider.js';

export type AnalyticsProviderProps = ProviderProps<ComponentChildren>;

const bound = bindProvider<Context<AnalyticsClient | null>, ComponentChildren, JSX.Element>({
  createContext,
  useContext,
  useRef,
  useEffect,
  useCallback,
  provide: (context, client, children) => h(context.Provider, { value: client }, children),
});

/** The same provider, context and client hooks as the React entry's, bound to Preact. */
export const { AnalyticsContext, AnalyticsProvider, useAnalytics, useTrackEvent, useIdentify } = bound;

/** One store per deps, disposed of when the deps change or the component unmounts. */
function useStore<S extends { dispose(): void }>(deps: readonly unknown[], create: () => S): S {
  const [entry, setEntry] = useState(() => ({ deps, store: create() }));
  let current = entry;
  if (!sameDeps(entry.deps, deps)) {
    current = { deps, store: create() };
    setEntry(current);
  }
  const { store } = current;
  useEffect(() => () => store.dispose(), [store]);
  return store;
}

/** The events list store for `filters`: read `items`, `loading`, `error`, `hasMore`; call `loadMore()`. */
export function useEvents(filters: EventFilters = {}): EventsStore {
  const client = useAnalytics();
  return useStore([client, keyOf(filters)], () => createEventsStore(client, filters));
}

/** The metrics summary store for `params`, from the client's shared cache. */
export function useMetrics(params: MetricsParams = {}): MetricsStore {
  const client = useAnalytics();
  return useStore([client, keyOf(params)], () => createMetricsStore(client, params));
}

export function useEventTypes(): EventTypesStore {
  const client = useAnalytics();
  return useStore([client], () => createEventTypesStore(client));
}

/** The trends store for `query`, from the client's shared cache (`@acme/analytics-sdk/insights`). */
export function useTrends(query: TrendsQuery = {}): TrendsStore {
  const client = useAnalytics();
  return useStore([client, keyOf(query)], () => createTrendsStore(client, query));
}

/** The breakdown store for `query`, from the client's shared cache. */
export function useBreakdown(query: BreakdownQuery): BreakdownStore {
  const client = useAnalytics();
  return useStore([client, keyOf(query)], () => createBreakdownStore(client, query));
}

/** The funnel store for `query`, from the client's shared cache. */
export function useFunnel(query: FunnelQuery): FunnelStore {
  const client = useAnalytics();
  return useStore([client, keyOf(query)], () => createFunnelStore(client, query));
}

/** The retention store for `query`, from the client's shared cache. */
export function useRetention(query: RetentionQuery = {}): RetentionStore {
  const client = useAnalytics();
  return useStore([client, keyOf(query)], () => createRetentionStore(client, query));
}
