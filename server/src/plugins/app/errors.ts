import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import {
  ApiError,
  ERRORS,
  type ErrorCode,
  type FieldError,
  PROBLEM_CONTENT_TYPE,
  problem,
} from '../../lib/errors.js';

interface AjvIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/**
 * Schema errors → `{ path, message }`, the path naming the field itself, also for missing and unknown
 * fields (`/events/3/event_type`), one entry per field and problem.
 */
export function fieldErrors(issues: AjvIssue[]): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  const add = (path: string, message: string) => {
    const key = `${path}\0${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ path: path || '/', message });
  };
  for (const issue of issues) {
    const base = issue.instancePath ?? '';
    const p = issue.params ?? {};
    const names = (v: unknown): string[] =>
      Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
    switch (issue.keyword) {
      case 'required':
        for (const n of [...names(p.requiredProperties), ...names(p.missingProperty)])
          add(`${base}/${n}`, 'is required');
        break;
      case 'additionalProperties':
        for (const n of [...names(p.additionalProperties), ...names(p.additionalProperty)]) {
          add(`${base}/${n}`, 'is not a known field');
        }
        break;
      case 'boolean':
        // TypeBox reports an unknown field also as "schema is false" at the field's own path.
        add(base, 'is not a known field');
        break;
      default:
        add(base, issue.message ?? 'is invalid');
    }
  }
  return out;
}

const FASTIFY_CODES: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [
    'payload_too_large',
    'The request body is larger than 1 MiB; send fewer events per batch.',
  ],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    'unsupported_media_type',
    'Send the body as `Content-Type: application/json`.',
  ],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['malformed_json', 'The body is empty; send a JSON document.'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['malformed_json', 'The body is not valid JSON.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['bad_request', 'Content-Length does not match the body.'],
};

function classify(error: FastifyError & { validation?: AjvIssue[] }): {
  code: ErrorCode;
  detail: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
} {
  if (error instanceof ApiError) {
    return { code: error.code, detail: error.message, errors: error.errors, headers: error.headers };
  }
  if (error.validation) {
    const where = (error as { validationContext?: string }).validationContext ?? 'request';
    return {
      code: 'validation_failed',
      detail: `The ${where === 'querystring' ? 'query string' : where} is invalid; see \`errors\`.`,
      errors: fieldErrors(error.validation),
    };
  }
  const known = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (known) return { code: known[0], detail: known[1] };
  const status = error.statusCode ?? 500;
  // The JSON parser's SyntaxError carries statusCode 400; so do prototype-poisoning rejections.
  if (status === 400) return { code: 'malformed_json', detail: 'The body is not valid JSON.' };
  if (status === 404) return { code: 'not_found', detail: 'No such resource.' };
  if (status === 405) return { code: 'method_not_allowed', detail: 'Method not allowed on this resource.' };
  if (status === 413) return { code: 'payload_too_large', detail: 'The request body is larger than 1 MiB.' };
  if (status === 415) return { code: 'unsupported_media_type', detail: 'Send `application/json`.' };
  if (status === 503) return { code: 'service_unavailable', detail: 'The server is shutting down; retry.' };
  if (status >= 400 && status < 500) return { code: 'bad_request', detail: error.message };
  return {
    code: 'internal_error',
    detail: 'An unexpected error occurred; retry, and report the request_id.',
  };
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  code: ErrorCode,
  detail: string,
  errors?: FieldError[],
): FastifyReply {
  return reply
    .code(ERRORS[code].status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problem(code, detail, request.id, errors));
}

/**
 * One error handler for the whole app: every failure becomes an RFC 9457 problem document with a stable
 * code and the request id; 5xx details are logged, never sent.
 */
export default fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError & { validation?: AjvIssue[] }, request, reply) => {
      const c = classify(error);
      if (ERRORS[c.code].status >= 500) {
        request.log.error({ err: error }, 'request failed');
      }
      for (const [k, v] of Object.entries(c.headers ?? {})) reply.header(k, v);
      return sendProblem(request, reply, c.code, c.detail, c.errors);
    });

    app.setNotFoundHandler((request, reply) =>
      sendProblem(
        request,
        reply,
        'not_found',
        `No route for ${request.method} ${request.url.split('?')[0]}.`,
      ),
    );
  },
  { name: 'errors' },
);
