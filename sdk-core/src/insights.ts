/**
 * `@acme/analytics-sdk/insights`: trends, breakdowns, funnels, retention and the event export, as reads of a
 * client and as cached stores. An entry of its own so that an app which only tracks never bundles them.
 *
 * It takes everything from the package's main entry (never from the modules behind it), so the build can
 * point `dist/insights.js` at `dist/index.js` and an app that uses both gets the shared code once.
 */
import {
  type AnalyticsClient,
  AnalyticsError,
  type AnalyticsEvent,
  createQueryStore,
  type QueryStore,
  type QueryStoreOptions,
  type RequestOptions,
} from './index.js';
import type {
  BreakdownQuery,
  BreakdownResponse,
  ExportFilters,
  FunnelQuery,
  FunnelResponse,
  RetentionQuery,
  RetentionResponse,
  TrendsQuery,
  TrendsResponse,
} from './insights-types.js';

export type * from './insights-types.js';

/** The insights reads of one client: its transport (token, the refresh after a 401, retries, typed errors). */
export interface Insights {
  /** `GET /api/v1/insights/trends`: metrics per hour, day, week or month, optionally broken down. */
  getTrends(query?: TrendsQuery, options?: RequestOptions): Promise<TrendsResponse>;
  /** `GET /api/v1/insights/breakdown`: one page of a dimension's values (top pages, referrers, countries...). */
  getBreakdown(query: BreakdownQuery, options?: RequestOptions): Promise<BreakdownResponse>;
  /** `POST /api/v1/insights/funnel`: how many visitors went through the steps in order, within the window. */
  getFunnel(query: FunnelQuery, options?: RequestOptions): Promise<FunnelResponse>;
  /** `GET /api/v1/insights/retention`: cohorts by first start event, and who came back in each period. */
  getRetention(query?: RetentionQuery, options?: RequestOptions): Promise<RetentionResponse>;
  /**
   * `GET /api/v1/events/export`: every matching event, oldest first, read off the NDJSON stream one line at a
   * time as the loop asks for more, so memory stays bounded at any size. Leaving the loop early (or aborting
   * `options.signal`) cancels the response, which stops the query on the server.
   */
  exportEvents(filters?: ExportFilters, options?: RequestOptions): AsyncGenerator<AnalyticsEvent>;
}

/** The insights reads through `client`'s transport. */
export function createInsights(client: AnalyticsClient): Insights {
  const read = client._r;
  return {
    getTrends: (query, options) => read('/api/v1/insights/trends', query, options),
    getBreakdown: (query, options) => read('/api/v1/insights/breakdown', query, options),
    getFunnel: (query, options) =>
      read('/api/v1/insights/funnel', {}, { ...options, body: JSON.stringify(query) }),
    getRetention: (query, options) => read('/api/v1/insights/retention', query, options),
    async *exportEvents(filters, options = {}) {
      const res = await read<Response>(
        '/api/v1/events/export',
        { ...filters, format: 'ndjson' },
        { ...options, raw: true },
      );
      for await (const line of lines(res.body!, options.signal)) {
        // The lines of a chunk already read are not worth handing out once the caller has given up.
        options.signal?.throwIfAborted();
        yield JSON.parse(line) as AnalyticsEvent;
      }
    },
  };
}

/**
 * The non-empty lines of a UTF-8 stream, a chunk at a time. The reader is cancelled when the caller stops
 * early or `signal` aborts: that closes the connection, and the server stops reading for a client gone.
 */
async function* lines(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const cancel = (): void => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener('abort', cancel);
  let rest = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      signal?.throwIfAborted();
      rest += decoder.decode(value, { stream: !done });
      const complete = rest.split('\n');
      rest = complete.pop()!;
      for (const line of complete) if (line) yield line;
      if (done) break;
    }
    // The server ends every line; a last one without its newline was cut off.
    if (rest) throw new AnalyticsError('The export ended in the middle of an event', 'export_truncated');
  } finally {
    signal?.removeEventListener('abort', cancel);
    await reader.cancel().catch(() => {});
  }
}

type Params = Record<string, unknown>;

/**
 * Parameters in one canonical form: fields sorted, filters (ANDed, so their order means nothing) sorted and
 * deduplicated, empty and default values left out. Equal queries get equal keys and send equal requests.
 * The order of `metric` and of funnel `steps` means something, so it is kept.
 */
function canonical<Q extends object>(query: Q, defaults: Params): Q {
  const out: Params = {};
  for (const key of Object.keys(query).sort()) {
    let value = (query as Params)[key];
    if (key === 'filter' && Array.isArray(value)) value = [...new Set(value)].sort();
    if (value == null || value === defaults[key] || (Array.isArray(value) && !value.length)) continue;
    out[key] = value;
  }
  return out as Q;
}

/** Left out of every key and request: the server's defaults. */
const DEFAULTS: Params = { tz: 'UTC', include_bots: false };

/** A store of one insight: the canonical query is both the cache key and what is sent. */
function insightStore<Q extends object, T>(
  client: AnalyticsClient,
  name: string,
  query: Q,
  defaults: Params,
  get: (insights: Insights, query: Q, options: RequestOptions) => Promise<T>,
  options?: QueryStoreOptions,
): QueryStore<T> {
  const q = canonical(query, { ...DEFAULTS, ...defaults });
  const insights = createInsights(client);
  return createQueryStore(
    client,
    `${name} ${JSON.stringify(q)}`,
    (signal) => get(insights, q, { signal }),
    options,
  );
}

export type TrendsStore = QueryStore<TrendsResponse>;
export type BreakdownStore = QueryStore<BreakdownResponse>;
export type FunnelStore = QueryStore<FunnelResponse>;
export type RetentionStore = QueryStore<RetentionResponse>;

/**
 * The trends for `query`, cached per client: stores of equal queries (the same metrics, range, tz, interval
 * and filters, whatever their order) share one entry and one request in flight, as `createMetricsStore`.
 */
export function createTrendsStore(
  client: AnalyticsClient,
  query: TrendsQuery = {},
  options?: QueryStoreOptions,
): TrendsStore {
  return insightStore(
    client,
    'trends',
    query,
    { interval: 'day', limit: 5 },
    (i, q, o) => i.getTrends(q, o),
    options,
  );
}

/** One page of a breakdown for `query`, cached and shared like `createTrendsStore`. */
export function createBreakdownStore(
  client: AnalyticsClient,
  query: BreakdownQuery,
  options?: QueryStoreOptions,
): BreakdownStore {
  return insightStore(client, 'breakdown', query, { limit: 10 }, (i, q, o) => i.getBreakdown(q, o), options);
}

/** The funnel for `query`, cached and shared like `createTrendsStore`. */
export function createFunnelStore(
  client: AnalyticsClient,
  query: FunnelQuery,
  options?: QueryStoreOptions,
): FunnelStore {
  return insightStore(client, 'funnel', query, { limit: 5 }, (i, q, o) => i.getFunnel(q, o), options);
}

/** The retention cohorts for `query`, cached and shared like `createTrendsStore`. */
export function createRetentionStore(
  client: AnalyticsClient,
  query: RetentionQuery = {},
  options?: QueryStoreOptions,
): RetentionStore {
  const defaults = { period: 'day', periods: 8 };
  return insightStore(client, 'retention', query, defaults, (i, q, o) => i.getRetention(q, o), options);
}
