export { AnalyticsClient } from './client.js';
export { AnalyticsApiError, AnalyticsError, type AnalyticsErrorCode } from './errors.js';
export type { AnalyticsClientOptions, AnalyticsPlatform, RejectedBatch, RequestOptions } from './options.js';
export { trackPageViews } from './pageviews.js';
export { type RetryOptions, type RetryPolicy, type RetryRequest, retryDelay } from './retry.js';
export { createEventsStore } from './stores/events.js';
export {
  createEventTypesStore,
  createMetricsStore,
  createQueryStore,
  normaliseMetricsParams,
  type QueryStoreOptions,
} from './stores/query.js';
export type { EventsStore, EventTypesStore, MetricsStore, QueryStore } from './stores/types.js';
export { createTokenFetcher, tokenExpiry } from './token.js';
export type * from './types.js';
export { uuidv7 } from './uuid.js';
