import { AnalyticsApiError } from './errors.js';

/** What failed: a batch of events (or the first token, which names the tenant), or a read. */
export type RetryRequest = 'delivery' | 'read';

/**
 * After a failed request: how many ms to wait before trying it again, or `false` to give up. `attempt` counts
 * the retries already made (0 after the first failure); `error` is what the request failed with (an
 * `AnalyticsApiError`, a `timeout` `AnalyticsError`, the `TypeError` of a network failure, ...).
 *
 * Giving up on a read rejects it with `error`. Giving up on a delivery keeps the batch queued under its
 * idempotency key, rejects the pending `flush()` calls with `error`, and stops sending until the next trigger
 * (`flushAt`, `flushInterval`, `flush()`, the connection coming back, the next page); giving up on the first
 * token waits for the connection to come back. `retryDelay` is the default policy, for policies that wrap it.
 */
export type RetryPolicy = (attempt: number, error: unknown, request: RetryRequest) => number | false;

/** The default policy's settings: full-jitter exponential backoff, honouring `Retry-After`. */
export interface RetryOptions {
  /** ms (default 1000). */
  baseDelay?: number;
  /** ms (default 60,000). */
  maxDelay?: number;
  /** Retries of a read on 408/409/425/429/5xx and network errors (default 2). Deliveries never give up. */
  reads?: number;
}

/** 408, 409 (the same idempotency key still in flight), 425, 429 and 5xx may succeed later. */
export const isRetryable = (status: number): boolean =>
  status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;

/**
 * A batch the API refused: a 4xx that no retry can change (401 can: a new token). It is set aside, never
 * handed to the policy, so no policy can hold the queue behind it.
 */
export const refused = (error: unknown): error is AnalyticsApiError =>
  error instanceof AnalyticsApiError && error.status !== 401 && !isRetryable(error.status);

/**
 * The default policy: the server's `Retry-After` if it sent one, else full jitter, a uniform draw below
 * min(maxDelay, baseDelay × 2^attempt), so clients that failed together do not come back together. Reads
 * give up after `reads` retries or on an API error no retry can change; deliveries go on until they pass.
 * Pure but for `random` (the platform's, which tests fix).
 */
export function retryDelay(
  attempt: number,
  error: unknown,
  request: RetryRequest,
  { baseDelay = 1000, maxDelay = 60_000, reads = 2 }: RetryOptions = {},
  random: () => number = Math.random,
): number | false {
  const api = error instanceof AnalyticsApiError ? error : undefined;
  if (request === 'read' && (attempt >= reads || (api && !isRetryable(api.status)))) return false;
  return api?.retryAfter ?? random() * Math.min(maxDelay, baseDelay * 2 ** attempt);
}

/** The policy the `retry` option asks for: its own function, or the default one with its settings. */
export const retryPolicy = (retry: RetryOptions | RetryPolicy = {}, random?: () => number): RetryPolicy =>
  typeof retry === 'function'
    ? retry
    : (attempt, error, request) => retryDelay(attempt, error, request, retry, random);
