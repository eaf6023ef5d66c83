import { Type } from 'typebox';
import type { Problem as ProblemBody } from '../contract.js';
import { ERRORS, type ErrorCode, type FieldError, problem } from '../lib/errors.js';

/** RFC 9457 problem document: the body of every error response. */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'URI reference identifying the problem type (stable per `code`)' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: 'What went wrong and how to fix it' }),
    code: Type.String({ description: 'Stable machine-readable error code' }),
    request_id: Type.String({ description: 'Equals the `X-Request-Id` response header' }),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          path: Type.String({ description: 'JSON Pointer to the field, e.g. `/events/3/event_type`' }),
          message: Type.String(),
        }),
      ),
    ),
  },
  { $id: 'Problem', title: 'Problem' },
);

const ref = Type.Ref('Problem');

/** The media type of every problem document (`PROBLEM_CONTENT_TYPE` without its charset). */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** A problem response as a route's `response` lists it: Fastify serialises by it, the OpenAPI document shows it. */
export interface ProblemResponse {
  description: string;
  content: { [PROBLEM_MEDIA_TYPE]: { schema: typeof ref; example: ProblemBody } };
}

/** The problem response for `status`: `application/problem+json` with the `Problem` schema and an example. */
export function problemResponse(status: number): ProblemResponse {
  const [code, detail, errors] = PROBLEM_EXAMPLES[status] ?? ['bad_request', 'The request is not valid.'];
  return {
    description: PROBLEM_DESCRIPTIONS[status] ?? ERRORS[code].title,
    content: {
      [PROBLEM_MEDIA_TYPE]: { schema: ref, example: problem(code, detail, EXAMPLE_REQUEST_ID, errors) },
    },
  };
}

/** Problem responses shared by the API routes, merged into each route's `response`. */
export function problems(...statuses: number[]): Record<number, ProblemResponse> {
  return Object.fromEntries(statuses.map((s) => [s, problemResponse(s)]));
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed JSON',
  401: 'Missing or invalid token (`WWW-Authenticate: Bearer`)',
  403: "Token lacks the scope (or role), `org_id` is not the token's, or a key's origin is not allowed",
  404: 'No such resource for this organisation',
  409: 'A request with the same `Idempotency-Key` is in flight',
  413: 'Body over 1 MiB',
  415: 'Content type is not `application/json`',
  422: 'Validation failed (`errors` lists each field)',
  429: 'Rate limited (`Retry-After` says when to retry)',
  431: 'Request headers over 16 KiB (answered before routing, on any path)',
  500: 'Unexpected failure: nothing of it is sent; quote `request_id` to find it in the logs',
  503: 'Not ready (database unreachable) or shutting down',
};

const EXAMPLE_REQUEST_ID = '0192f4c4-3b1e-7d2a-9f0e-2c5d1a7b9e41';

/** One example per status, with the code and detail the server really sends in that case. */
const PROBLEM_EXAMPLES: Record<number, [ErrorCode, string, FieldError[]?]> = {
  400: ['malformed_json', 'The body is not valid JSON.'],
  401: ['unauthorized', 'Send `Authorization: Bearer <token>`.'],
  403: ['insufficient_scope', 'This endpoint needs the "events:read" scope.'],
  404: ['not_found', 'No such resource.'],
  409: [
    'idempotency_key_in_use',
    'A request with this Idempotency-Key is still being processed; retry after it completes.',
  ],
  413: ['payload_too_large', 'The request body is larger than 1 MiB; send fewer events per batch.'],
  415: ['unsupported_media_type', 'Send the body as `Content-Type: application/json`.'],
  422: [
    'validation_failed',
    'The query string is invalid; see `errors`.',
    [{ path: '/start_date', message: 'must be a date YYYY-MM-DD or an RFC 3339 instant' }],
  ],
  429: [
    'rate_limited',
    "Rate limit of 600 requests per minute exceeded for this organisation's ingest requests; retry in 12 s.",
  ],
  431: ['headers_too_large', 'The request headers are larger than 16 KiB.'],
  500: ['internal_error', 'An unexpected error occurred; retry, and report the request_id.'],
  503: ['service_unavailable', 'The database is not reachable.'],
};

/** `YYYY-MM-DD` or an RFC 3339 instant; checked semantically in the handler (calendar validity). */
export const DateOrInstant = Type.String({
  minLength: 10,
  maxLength: 40,
  description: 'A date `YYYY-MM-DD` (UTC day) or an RFC 3339 instant with offset',
  examples: ['2024-05-01', '2024-05-01T12:00:00Z'],
});
