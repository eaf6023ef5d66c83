import type { RequestOptions } from './options.js';
import type { RetryPolicy } from './retry.js';
import type { Transport } from './transport.js';
import type {
  AnalyticsEvent,
  EventFilters,
  EventsPage,
  EventTypeCount,
  MetricsParams,
  MetricsSummary,
} from './types.js';

/** The client's typed reads; `AnalyticsClient` has the same methods (its documentation is there). */
export interface Reads {
  getEventsPage(filters?: EventFilters, options?: RequestOptions & { cursor?: string }): Promise<EventsPage>;
  getEvents(filters?: EventFilters, options?: RequestOptions): AsyncGenerator<AnalyticsEvent>;
  getMetricsSummary(params?: MetricsParams, options?: RequestOptions): Promise<MetricsSummary>;
  getEventTypes(options?: RequestOptions): Promise<EventTypeCount[]>;
}

export function createReads(request: Transport['request'], retry: RetryPolicy): Reads {
  /** A GET with `params` as query parameters (arrays repeated), retried as the policy says. */
  const read = async <T>(path: string, params: object, signal?: AbortSignal): Promise<T> => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      for (const v of [value].flat()) if (v != null) query.append(key, String(v));
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return await request<T>(path, { query: query.toString(), signal });
      } catch (error) {
        const delay = !signal?.aborted && retry(attempt, error, 'read');
        if (delay === false) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };

  const reads: Reads = {
    getEventsPage: (filters = {}, options = {}) =>
      read('/api/v1/events', { ...filters, cursor: options.cursor }, options.signal),

    async *getEvents(filters = {}, { signal } = {}) {
      let cursor: string | undefined;
      do {
        const page = await reads.getEventsPage(filters, { cursor, signal });
        yield* page.data;
        cursor = (page.has_more && page.next_cursor) || undefined;
      } while (cursor);
    },

    getMetricsSummary: (params = {}, { signal } = {}) => read('/api/v1/metrics/summary', params, signal),

    getEventTypes: async ({ signal } = {}) =>
      (await read<{ data: EventTypeCount[] }>('/api/v1/event-types', {}, signal)).data,
  };
  return reads;
}
