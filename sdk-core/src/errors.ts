import type { ProblemDocument } from './types.js';

/**
 * Codes of errors the SDK raises itself; API errors carry the server's code (`validation_failed`,
 * `invalid_token`, ...) or `http_<status>` when the response was not a problem document.
 */
export type AnalyticsErrorCode =
  | 'invalid_event'
  | 'queue_overflow'
  | 'storage_unavailable'
  | 'batch_rejected'
  | 'timeout'
  | 'closed'
  | 'token_fetch_failed'
  // IndexedDB wanted, but no tenant to name the queue by (no `tenant`, no `org_id` in the token): memory queue.
  | 'tenant_unknown'
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

  constructor(problem: ProblemDocument, retryAfter?: number) {
    const code =
      typeof problem.code === 'string'
        ? problem.code
        : problem.type && problem.type !== 'about:blank'
          ? problem.type.slice(problem.type.lastIndexOf('/') + 1).replaceAll('-', '_')
          : `http_${problem.status}`;
    super(problem.detail || problem.title, code);
    this.status = problem.status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  get requestId(): string | undefined {
    return this.problem.request_id;
  }
}

/** An `AnalyticsError` that says how many events it concerns. */
export function counted(message: string, code: AnalyticsErrorCode, count: number): AnalyticsError {
  const error = new AnalyticsError(message, code);
  error.count = count;
  return error;
}

/** What every call on a shut-down client fails with. */
export const shutDown = (): AnalyticsError => new AnalyticsError('The client is shut down', 'closed');

/** Reads a response that is not ok into an `AnalyticsApiError`. */
export async function toApiError(res: Response): Promise<AnalyticsApiError> {
  let problem: ProblemDocument | undefined;
  try {
    const body: unknown = await res.json();
    if (body && typeof body === 'object' && typeof (body as ProblemDocument).status === 'number') {
      problem = body as ProblemDocument;
    }
  } catch {
    // Not JSON (a proxy's HTML error page, an empty body): synthesise the document below.
  }
  problem ??= { type: 'about:blank', title: res.statusText || `HTTP ${res.status}`, status: res.status };
  const header = res.headers.get('retry-after');
  let retryAfter: number | undefined;
  if (header) {
    const seconds = Number(header);
    retryAfter = Math.max(0, Number.isNaN(seconds) ? Date.parse(header) - Date.now() : seconds * 1000) || 0;
  }
  return new AnalyticsApiError(problem, retryAfter);
}
