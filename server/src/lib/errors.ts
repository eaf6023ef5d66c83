/**
 * The error registry: every error the API returns has a stable code, an HTTP status and a title. One error
 * handler (`plugins/app/errors.ts`) turns `ApiError`s, Fastify's own errors and anything unexpected into
 * RFC 9457 problem documents.
 */
import type { Problem as ProblemBody } from '../contract.js';

export const ERRORS = {
  unauthorized: { status: 401, title: 'Authentication required' },
  invalid_token: { status: 401, title: 'Invalid access token' },
  insufficient_scope: { status: 403, title: 'Insufficient scope' },
  org_mismatch: { status: 403, title: 'Organisation does not match the token' },
  insufficient_role: { status: 403, title: 'Insufficient role' },
  origin_not_allowed: { status: 403, title: 'Origin not allowed for this key' },
  malformed_json: { status: 400, title: 'Malformed JSON body' },
  bad_request: { status: 400, title: 'Bad request' },
  validation_failed: { status: 422, title: 'Request validation failed' },
  invalid_cursor: { status: 422, title: 'Invalid cursor' },
  unknown_metric: { status: 422, title: 'Unknown metric' },
  idempotency_key_reused: { status: 422, title: 'Idempotency key reused with a different body' },
  idempotency_key_in_use: { status: 409, title: 'A request with this idempotency key is in progress' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  request_timeout: { status: 408, title: 'Request timeout' },
  headers_too_large: { status: 431, title: 'Request header fields too large' },
  rate_limited: { status: 429, title: 'Too many requests' },
  too_many_queries: { status: 429, title: 'Too many expensive queries at once for this organisation' },
  internal_error: { status: 500, title: 'Internal server error' },
  service_unavailable: { status: 503, title: 'Service unavailable' },
  query_timeout: { status: 503, title: 'Query exceeded its time budget' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** One entry of a problem's `errors`: a JSON Pointer to the field (query parameters: `/limit`) and why. */
export type FieldError = NonNullable<ProblemBody['errors']>[number];

/** An error meant for the client: a code from the registry and a detail that says how to fix it. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    detail: string,
    extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.code = code;
    this.status = ERRORS[code].status;
    this.errors = extra.errors;
    this.headers = extra.headers ?? {};
  }
}

/** An RFC 9457 problem document as the API sends it: the `Problem` schema, with `code` from the registry. */
export type Problem = ProblemBody & { code: ErrorCode };

export function problem(code: ErrorCode, detail: string, requestId: string, errors?: FieldError[]): Problem {
  const doc: Problem = {
    // A relative URI reference (RFC 9457 §3.1.1) that is stable per code; `code` repeats it for switch statements.
    type: `/problems/${code.replaceAll('_', '-')}`,
    title: ERRORS[code].title,
    status: ERRORS[code].status,
    detail,
    code,
    request_id: requestId,
  };
  if (errors && errors.length > 0) doc.errors = errors;
  return doc;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
