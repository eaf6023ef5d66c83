import type { AnalyticsError } from './errors.js';
import type { RetryOptions, RetryPolicy } from './retry.js';
import type { EventPayload, ProblemDocument } from './types.js';

/**
 * Platform hooks, injected so tests drive them and server rendering never touches `window`
 * (the defaults read `window` only when it exists). Each subscriber returns its cleanup.
 */
export interface AnalyticsPlatform {
  /** Connectivity: call `setOnline` now and on every change. Default: `navigator.onLine` and `online`/`offline`. */
  online?: (setOnline: (online: boolean) => void) => (() => void) | undefined;
  /** Page exit: call `onExit` when the page may be about to go. Default: `pagehide` and `visibilitychange` to hidden. */
  exit?: (onExit: () => void) => (() => void) | undefined;
  /** Cross-tab mutual exclusion; `null` turns it off. Default: `navigator.locks` where it exists. */
  locks?: Pick<LockManager, 'request'> | null;
  /** For the backoff's jitter. Default: `Math.random`. */
  random?: () => number;
  /** The clock sessions are timed by, in ms. Default: `Date.now`. */
  now?: () => number;
}

export interface AnalyticsClientOptions {
  /** The API's origin (and path prefix, if any), e.g. `https://analytics.example.com`. */
  baseUrl: string;
  /** A static bearer token (a browser ingest key carries only `events:write`). */
  apiKey?: string;
  /**
   * The org the client tracks for (the tokens' `org_id`). It names the persisted queue, so no other tenant's
   * client ever sends these events, and is stamped on each event as `org_id`, so a token of another org gets a
   * 403 instead of storing them. Default: the `org_id` claim of `apiKey`, or of the first token `getToken`
   * gives (events tracked before that wait in memory).
   */
  tenant?: string;
  /**
   * Returns a bearer token. Called for every request, so cache inside (as `createTokenFetcher` does); after a
   * 401 it is called once more with `forceRefresh: true` and the request retried once, concurrent 401s
   * sharing that one call.
   */
  getToken?: (options: { forceRefresh: boolean }) => string | Promise<string>;
  /** Told of everything that goes wrong in the background. Default: `console.warn`. */
  onError?: (error: AnalyticsError) => void;
  /** Send once this many events are queued (default 20). */
  flushAt?: number;
  /** Send queued events at the latest this many ms after they were tracked (default 1000). */
  flushInterval?: number;
  /** Most events kept queued; beyond, the oldest are dropped and `onError` says how many (default 10,000). */
  maxQueueSize?: number;
  /** `auto` (default): IndexedDB where it exists, else memory. */
  persistence?: 'auto' | 'indexeddb' | 'memory';
  /**
   * Name of the IndexedDB database; clients of one origin with the same name share one queue. Default: the
   * base URL and the tenant (or, for a static key without `org_id`, a digest of the key).
   */
  storageName?: string;
  fetch?: typeof fetch;
  /** Per request, ms (default 10,000); a request that times out is retried with the same idempotency key. */
  timeout?: number;
  /**
   * When to try a failed request again. Settings of the default policy: `Retry-After` when the API sends it,
   * else full-jitter backoff, delay = random × min(maxDelay, baseDelay × 2^attempt), reads retried `reads`
   * times and deliveries until they pass. Or a policy of your own, `(attempt, error, request) => ms | false`:
   *
   * ```ts
   * // Three quick retries, then give up (a delivery stays queued for the next flush; flush() rejects).
   * retry: (attempt) => (attempt < 3 ? 500 * (attempt + 1) : false)
   * ```
   *
   * It is not asked about a batch the API refused (a 4xx other than 401, 408, 409, 425, 429): that is set
   * aside at once (`rejectedBatches()`). See `RetryPolicy`.
   */
  retry?: RetryOptions | RetryPolicy;
  /** Treat `navigator.doNotTrack === '1'` or Global Privacy Control as opted out, unless `optIn()` was called. */
  respectDoNotTrack?: boolean;
  /**
   * Store no visitor id at all: events carry no `anonymous_id` and no `session_id`, and the API derives the
   * visitor (a daily-rotating hash) and the session itself. Users and super properties last for the page.
   */
  cookieless?: boolean;
  /** A session ends after this many ms without an event (default 30 minutes); a new UTM campaign ends it too. */
  sessionTimeoutMs?: number;
  /**
   * The last say over each event, once it is stamped with ids, super properties and context: return it
   * (changed or not), or `null` to drop it. A dropped event is never queued, so it is never counted as sent.
   */
  beforeSend?: (event: EventPayload) => EventPayload | null;
  /**
   * Share of visitors tracked, 0 to 1 (default: all). Decided once per visitor and persisted with it, so a
   * visitor's whole journey is kept or dropped (cookieless: decided per page load).
   */
  sampleRate?: number;
  platform?: AnalyticsPlatform;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

/** A batch the API refused with a 4xx other than 401: kept aside, never silently dropped. */
export interface RejectedBatch {
  id: string;
  idempotencyKey: string;
  events: EventPayload[];
  problem: ProblemDocument;
}
