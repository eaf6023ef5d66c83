'use client';
/**
 * `@acme/analytics-react`: React bindings for the analytics SDK. The logic (fetching, caching, paging,
 * delivery) lives in `@acme/analytics-sdk`; these hooks and components only subscribe to it.
 */
export {
  AnalyticsDashboard,
  type AnalyticsDashboardElement,
  type AnalyticsDashboardProps,
  EventsTable,
  type EventsTableElement,
  type EventsTableProps,
  EventTypeSelect,
  type EventTypeSelectElement,
  type EventTypeSelectProps,
  type LoadErrorEvent,
  MetricsCard,
  type MetricsCardElement,
  type MetricsCardProps,
  type RowSelectEvent,
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
