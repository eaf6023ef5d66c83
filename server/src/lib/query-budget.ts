/**
 * The contract's query budget: every read has `ANALYTICS_QUERY_TIMEOUT_MS`; past it the store cancels the
 * query in the database and the client gets 503 `query_timeout` with `Retry-After`. Expensive reads
 * (insights, export) are also bounded per org, so one tenant's dashboards cannot take every connection or
 * core while another tenant waits.
 */
import { ApiError } from './errors.js';

/** Seconds a client should wait before retrying a timed-out query. */
const RETRY_AFTER_SECONDS = 10;

export function queryTimeout(timeoutMs: number): ApiError {
  return new ApiError(
    'query_timeout',
    `The query took longer than its ${timeoutMs} ms budget and was cancelled; narrow the range or filters, or retry later.`,
    { headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } },
  );
}

export function isQueryTimeout(err: unknown): boolean {
  return err instanceof ApiError && err.code === 'query_timeout';
}

/** Thrown into a scan whose client went away: nobody is left to answer. */
export class QueryAbortedError extends Error {
  override name = 'QueryAbortedError';
  constructor() {
    super('the client disconnected; the query was stopped');
  }
}

/**
 * How many expensive reads each org may run at once. A request over the bound is refused at once (429
 * `too_many_queries`, `Retry-After: 1`) rather than queued: a queue would hold the client's connection for
 * up to the whole budget and still time out.
 */
export class OrgConcurrency {
  readonly #running = new Map<string, number>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** Take a slot for `orgId`; the returned function gives it back (once). */
  acquire(orgId: string): () => void {
    const n = this.#running.get(orgId) ?? 0;
    if (n >= this.#max) {
      throw new ApiError(
        'too_many_queries',
        `This organisation already runs ${this.#max} insight or export queries; retry when one finishes.`,
        { headers: { 'retry-after': '1' } },
      );
    }
    this.#running.set(orgId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#running.get(orgId) ?? 1) - 1;
      if (left === 0) this.#running.delete(orgId);
      else this.#running.set(orgId, left);
    };
  }
}
