import {
  type AnalyticsClient,
  createMetricsStore,
  createQueryStore,
  type MetricsParams,
  type MetricsStore,
  type MetricsSummary,
  normaliseMetricsParams,
} from '@acme/analytics-sdk';

/**
 * The core's metrics store, filters included. `createMetricsStore` normalises its params through
 * `normaliseMetricsParams`, which keeps no `filter`: a filtered summary would be fetched (and cached)
 * unfiltered. Until the core keeps them, a filtered summary goes through the core's own query store, under
 * a cache key that holds the filters (sorted: the same filters in another order are the same query).
 */
export function metricsStore(client: AnalyticsClient, params: MetricsParams): MetricsStore {
  if (!params.filter?.length) return createMetricsStore(client, params);
  const query = { ...normaliseMetricsParams(params), filter: [...params.filter].sort() };
  return createQueryStore<MetricsSummary>(client, `metrics ${JSON.stringify(query)}`, (signal) =>
    client.getMetricsSummary(query, { signal }),
  );
}
