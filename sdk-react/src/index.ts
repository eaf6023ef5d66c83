'use client';
/**
 * `@acme/analytics-react`: React bindings for the analytics SDK. The logic (fetching, caching, paging,
 * delivery) lives in `@acme/analytics-sdk`; these hooks and components only subscribe to it.
 */
export {
  AnalyticsDashboard,
  type AnalyticsDashboardElement,
  type AnalyticsDashboardProps,
  BreakdownList,
  type BreakdownListElement,
  type BreakdownListProps,
  EventsTable,
  type EventsTableElement,
  type EventsTableProps,
  EventTypeSelect,
  type EventTypeSelectElement,
  type EventTypeSelectProps,
  type FilterChangeEvent,
  FunnelChart,
  type FunnelChartElement,
  type FunnelChartProps,
  type LoadErrorEvent,
  MetricsCard,
  type MetricsCardElement,
  type MetricsCardProps,
  RetentionGrid,
  type RetentionGridElement,
  type RetentionGridProps,
  type RowSelectEvent,
  TrendChart,
  type TrendChartElement,
  type TrendChartProps,
  type TypeChangeEvent,
} from './components.js';
export {
  AnalyticsContext,
  AnalyticsProvider,
  type AnalyticsProviderProps,
  useAnalytics,
  useIdentify,
  useTrackEvent,
} from './context.js';
export { type UseEventsResult, type UseQueryResult, useEvents, useEventTypes, useMetrics } from './hooks.js';
export { useBreakdown, useFunnel, useRetention, useTrends } from './insights.js';
