'use client';
import {
  type BreakdownQuery,
  type BreakdownResponse,
  createBreakdownStore,
  createFunnelStore,
  createRetentionStore,
  createTrendsStore,
  type FunnelQuery,
  type FunnelResponse,
  type RetentionQuery,
  type RetentionResponse,
  type TrendsQuery,
  type TrendsResponse,
} from '@acme/analytics-sdk/insights';
import { useAnalytics } from './context.js';
import { type UseQueryResult, useQuery } from './hooks.js';
import { keyOf } from './keys.js';

// The insights hooks: each subscribes to the core's store for its query (`@acme/analytics-sdk/insights`), so
// components asking the same query share one request and one cached answer, as `useMetrics` does.

/** Metrics per hour, day, week or month (`GET /api/v1/insights/trends`); a new query starts a new store. */
export function useTrends(query: TrendsQuery = {}): UseQueryResult<TrendsResponse> {
  const client = useAnalytics();
  return useQuery([client, keyOf(query)], () => createTrendsStore(client, query));
}

/** One page of a dimension's values: top pages, referrers, campaigns, countries (`/insights/breakdown`). */
export function useBreakdown(query: BreakdownQuery): UseQueryResult<BreakdownResponse> {
  const client = useAnalytics();
  return useQuery([client, keyOf(query)], () => createBreakdownStore(client, query));
}

/** Visitors through ordered steps within a window (`POST /api/v1/insights/funnel`). */
export function useFunnel(query: FunnelQuery): UseQueryResult<FunnelResponse> {
  const client = useAnalytics();
  return useQuery([client, keyOf(query)], () => createFunnelStore(client, query));
}

/** Cohorts by first start event and their returns per period (`GET /api/v1/insights/retention`). */
export function useRetention(query: RetentionQuery = {}): UseQueryResult<RetentionResponse> {
  const client = useAnalytics();
  return useQuery([client, keyOf(query)], () => createRetentionStore(client, query));
}
