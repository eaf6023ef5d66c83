import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { problemResponse } from '../../schemas/common.js';

const require = createRequire(import.meta.url);

/** ReDoc's standalone bundle from the installed package, read once (about 1 MB) on first request. */
let redocBundle: Buffer | undefined;
function redocScript(): Buffer {
  redocBundle ??= readFileSync(require.resolve('redoc/bundles/redoc.standalone.js'));
  return redocBundle;
}

const REDOC_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Analytics API reference</title>
</head>
<body>
  <redoc spec-url="/openapi.json"></redoc>
  <script src="/redoc/redoc.standalone.js"></script>
</body>
</html>
`;

// ReDoc renders with styled-components (inline styles) and a blob: web worker for search.
const REDOC_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; connect-src 'self'; worker-src blob:; frame-ancestors 'none'; base-uri 'none'";

/** What any route may answer: an unexpected failure, as a problem without internals (`request_id` finds it). */
const ANY_ROUTE_PROBLEMS = [500];
/** Problems every route that needs a token can answer: no or a bad token, too little scope, too many requests. */
const AUTHENTICATED_PROBLEMS = [401, 403, 429];
/** Problems of a route that validates input (query string, path, headers or body). */
const INPUT_PROBLEMS = [422];
/** Problems of a route that takes a JSON body: malformed, over 1 MiB, not JSON. */
const BODY_PROBLEMS = [400, 413, 415];
/**
 * A route that answers no client error itself still gets one, for the linters' rule that every operation
 * documents a 4xx: the 431 that any request with over 16 KiB of headers receives before routing.
 */
const FALLBACK_PROBLEM = 431;

/**
 * What every documented route gets unless its schema says otherwise, so a new route is complete (and passes
 * `npm run lint`'s OpenAPI check) by default: `security` from whether it needs a token (`config.scope`:
 * the bearer scheme; none: `[]`, public), and a problem response for each client error the app's plugins
 * answer for it. The `operationId` cannot be guessed well, so a route without one fails at registration.
 */
export function documentRoute(route: RouteOptions): void {
  const schema = route.schema;
  if (!schema || schema.hide) return;
  const name = `${route.method} ${route.url}`;
  if (!schema.operationId) {
    throw new Error(
      `${name} must declare schema.operationId, a camelCase verb phrase such as listEvents (client generators ` +
        'name their methods after it), or schema.hide to leave the route out of the OpenAPI document',
    );
  }
  if (!/^[a-z][A-Za-z0-9]*$/.test(schema.operationId)) {
    throw new Error(`${name}: schema.operationId "${schema.operationId}" must be camelCase, e.g. listEvents`);
  }
  const authenticated = route.config?.scope !== undefined;
  schema.security ??= authenticated ? [{ bearerAuth: [] }] : [];

  const withResponses = schema as { response?: Record<string, unknown> };
  withResponses.response ??= {};
  const response = withResponses.response;
  const statuses = [
    ...ANY_ROUTE_PROBLEMS,
    ...(authenticated ? AUTHENTICATED_PROBLEMS : []),
    ...(schema.querystring || schema.params || schema.headers || schema.body ? INPUT_PROBLEMS : []),
    ...(schema.body ? BODY_PROBLEMS : []),
  ];
  for (const status of statuses) response[status] ??= problemResponse(status);
  if (!Object.keys(response).some((status) => /^4(\d\d|XX)$/i.test(status))) {
    response[FALLBACK_PROBLEM] = problemResponse(FALLBACK_PROBLEM);
  }
}

/**
 * OpenAPI generated from the route schemas: `/openapi.json`, Swagger UI at `/docs`, ReDoc at `/redoc`
 * (served from the local package, no CDN).
 */
export default fp(
  async (app) => {
    // Added before the routes (and swagger's own hook), so it completes their schemas as they register.
    app.addHook('onRoute', documentRoute);

    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Analytics API',
          version: '1.0.0',
          description:
            'Event ingestion and analytics for embedded dashboards. Errors are RFC 9457 problem documents ' +
            '(`application/problem+json`); every response carries `X-Request-Id`.',
          license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
        },
        // Relative: the document describes the server that serves it, whatever its public address.
        servers: [{ url: '/', description: 'The server that serves this document' }],
        components: {
          securitySchemes: {
            bearerAuth: {
              type: 'http',
              scheme: 'bearer',
              bearerFormat: 'JWT',
              description:
                'HS256 (or JWKS) JWT with `org_id`, `scope`, `aud=analytics-api`; or, for ' +
                '`POST /api/v1/events` only, a publishable key `pk_…` (see `POST /api/v1/keys`)',
            },
            // Only where `/metrics` takes it (routes/ops.ts): an unused scheme would be listed for nothing.
            ...(app.config.metrics.token === undefined
              ? {}
              : {
                  metricsToken: {
                    type: 'http' as const,
                    scheme: 'bearer',
                    description: '`ANALYTICS_METRICS_TOKEN`, a token of its own for the Prometheus scraper',
                  },
                }),
          },
        },
        tags: [
          { name: 'events', description: 'Ingest and query events' },
          { name: 'metrics', description: 'Aggregates' },
          { name: 'keys', description: 'Publishable ingest keys for web pages (admin tokens only)' },
          { name: 'operations', description: 'Health, readiness, Prometheus metrics' },
          { name: 'sdk', description: 'The widgets bundle for a script tag (static files, no token)' },
          { name: 'docs', description: 'This document; it is rendered at `/docs` (Swagger UI) and `/redoc`' },
        ],
      },
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) =>
          typeof json.$id === 'string' ? json.$id : `def-${i}`,
      },
    });
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      // The page is also served over plain HTTP on loopback, where upgrading subresources would break it.
      // Swagger UI sets a few inline styles at run time; scripts stay restricted to its own files.
      transformStaticCSP: (header) =>
        header
          .replace(/\s*upgrade-insecure-requests;?/, '')
          .replace(/style-src [^;]*/, "style-src 'self' 'unsafe-inline'"),
      uiConfig: { deepLinking: true },
    });

    // Browsers ask for it on every docs page; an empty answer keeps their consoles clean.
    app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) => reply.code(204).send());

    app.get(
      '/openapi.json',
      {
        schema: {
          tags: ['docs'],
          operationId: 'getOpenApiDocument',
          summary: 'This OpenAPI 3.1 document',
          response: {
            200: { description: 'The OpenAPI document', type: 'object', additionalProperties: true },
          },
        },
      },
      async () => app.swagger(),
    );

    app.get('/redoc', { schema: { hide: true } }, async (_request, reply) =>
      reply.header('Content-Security-Policy', REDOC_CSP).type('text/html; charset=utf-8').send(REDOC_HTML),
    );
    app.get('/redoc/redoc.standalone.js', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .header('Cache-Control', 'public, max-age=86400')
        .type('application/javascript; charset=utf-8')
        .send(redocScript()),
    );
  },
  { name: 'docs', dependencies: ['config'] },
);
