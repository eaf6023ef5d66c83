import type { ReadonlySignal } from '@preact/signals-core';
import type {
  AnalyticsEvent,
  EventFilters,
  EventTypeCount,
  MetricsParams,
  MetricsSummary,
} from '../types.js';

/**
 * The reactive state that widgets (Lit) and hooks (React) subscribe to. All fetching, caching and
 * pagination lives behind these; adapters only read the signals and call the methods.
 */

/** An infinite list over `GET /api/v1/events`, one per filter set. */
export interface EventsStore {
  readonly filters: EventFilters;
  readonly items: ReadonlySignal<readonly AnalyticsEvent[]>;
  /** True while a page is in flight (first page or `loadMore`). */
  readonly loading: ReadonlySignal<boolean>;
  readonly error: ReadonlySignal<Error | null>;
  readonly hasMore: ReadonlySignal<boolean>;
  /** Loads the next page; a call while a page is in flight returns that same promise (never loads twice). */
  loadMore(): Promise<void>;
  /** Drops the list and loads the first page again. */
  refresh(): Promise<void>;
  /** Aborts what is in flight; later responses are ignored. */
  dispose(): void;
}

/** A cached query (metrics summary, event types): stale-while-revalidate, in-flight requests shared. */
export interface QueryStore<T> {
  readonly data: ReadonlySignal<T | undefined>;
  readonly loading: ReadonlySignal<boolean>;
  readonly error: ReadonlySignal<Error | null>;
  /** Fetches again, keeping the current data visible meanwhile. */
  refresh(): Promise<void>;
  dispose(): void;
}

export type MetricsStore = QueryStore<MetricsSummary>;
export type EventTypesStore = QueryStore<EventTypeCount[]>;

export type { EventFilters, MetricsParams };
