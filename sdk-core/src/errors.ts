import type { ProblemDocument } from './types.js';

/**
 * Codes of errors the SDK raises itself; API errors carry the server's code (`validation_failed`,
 * `invalid_token`, ...) or `http_<status>` when the response was not a problem document.
 */
export type AnalyticsErrorCode =
  | 'invalid_event'
  | 'queue_overflow'
  | 'storage_unavailable'
  | 'timeout'
  | 'closed'
  | 'token_fetch_failed'
  // IndexedDB wanted, but no tenant to name the queue by (no `tenant`, no `org_id` in the token): memory queue.
  | 'tenant_unknown'
  // The event export's stream ended inside a line (`@acme/analytics-sdk/insights`).
  | 'export_truncated'
  // Any other string: a code from the API's problem documents.
  | (string & {});

/** Every error the SDK raises or reports to `onError`. */
export class AnalyticsError extends Error {
  override name = 'AnalyticsError';
  readonly code: AnalyticsErrorCode;
  /** How many events the error concerns (events dropped on overflow, events in a rejected batch). */
  count?: number;

  constructor(message: string, code: AnalyticsErrorCode, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
  }
}

/** A non-2xx answer from the API, with its RFC 9457 problem document. */
export class AnalyticsApiError extends AnalyticsError {
  override name = 'AnalyticsApiError';
  readonly status: number;
  readonly problem: ProblemDocument;
  /** From `Retry-After`, in milliseconds. */
  readonly retryAfter: number | undefined;
  readonly requestId: string | undefined;

  constructor(problem: ProblemDocument, retryAfter?: number) {
    const code =
      typeof problem.code === 'string'
        ? problem.code
        : problem.type && problem.type !== 'about:blank'
          ? problem.type.replace(/.*\//, '').replaceAll('-', '_')
          : `http_${problem.status}`;
    super(problem.detail || problem.title, code);
    this.status = problem.status;
    this.problem = problem;
    this.retryAfter = retryAfter;
    this.requestId = problem.request_id;
  }
}

/** `count` events dropped to keep a bound (`queue_overflow`): the queue's, or that of the rejected batches kept. */
export function overflow(count: number, what: string): AnalyticsError {
  const error = new AnalyticsError(`Dropped ${count} oldest ${what}`, 'queue_overflow');
  error.count = count;
  return error;
}

/** Reads a response that is not ok into an `AnalyticsApiError`. */
export async function toApiError(res: Response): Promise<AnalyticsApiError> {
  const { status } = res;
  // Not JSON (a proxy's HTML error page, an empty body), or not a problem document: synthesise one.
  const body = (await res.json().catch(() => {})) as ProblemDocument | undefined;
  const header = res.headers.get('retry-after');
  return new AnalyticsApiError(
    typeof body?.status === 'number'
      ? body
      : { type: 'about:blank', title: res.statusText || `HTTP ${status}`, status },
    // Seconds, else an HTTP date; 0 for 0 or a date past.
    header ? Math.max(0, +header * 1000 || Date.parse(header) - Date.now()) || 0 : undefined,
  );
}
