/**
 * Bindings for Preact apps that want fine-grained updates: the hooks return the core's stores, whose
 * signals Preact renders directly (`{events.loading}` as a text node, `events.items.value` in a component
 * that re-renders only when it changes), through `@preact/signals`.
 */
import {
  AnalyticsClient,
  type AnalyticsClientOptions,
  createEventsStore,
  createEventTypesStore,
  createMetricsStore,
  type EventFilters,
  type EventPayload,
  type EventsStore,
  type EventTypesStore,
  type MetricsParams,
  type MetricsStore,
} from '@acme/analytics-sdk';
// Installs the render hooks that let components and text nodes subscribe to the signals they read.
import '@preact/signals';
import { type ComponentChildren, createContext, h } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { keyOf, sameDeps } from './keys.js';

export const AnalyticsContext = createContext<AnalyticsClient | null>(null);

export type AnalyticsProviderProps = { children?: ComponentChildren } & (
  | { client: AnalyticsClient }
  | (AnalyticsClientOptions & { client?: undefined })
);

/** One client for the components below: the `client` given, or one made from the options and shut down on unmount. */
export function AnalyticsProvider(props: AnalyticsProviderProps) {
  const { children, client: given, ...options } = props;
  const owned = useRef<AnalyticsClient | null>(null);
  if (!given && owned.current === null)
    owned.current = new AnalyticsClient(options as AnalyticsClientOptions);
  const client = given ?? owned.current!;
  useEffect(() => {
    const mine = owned.current;
    return () => void mine?.shutdown().catch(() => {});
  }, []);
  return h(AnalyticsContext.Provider, { value: client }, children);
}

export function useAnalytics(): AnalyticsClient {
  const client = useContext(AnalyticsContext);
  if (!client) throw new Error('useAnalytics() needs an <AnalyticsProvider> above this component');
  return client;
}

export function useTrackEvent(): (event: EventPayload) => Promise<void> {
  const client = useAnalytics();
  return useCallback((event: EventPayload) => client.trackEvent(event), [client]);
}

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
