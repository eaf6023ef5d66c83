import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';

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

/**
 * OpenAPI generated from the route schemas: `/openapi.json`, Swagger UI at `/docs`, ReDoc at `/redoc`
 * (served from the local package, no CDN).
 */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Analytics API',
          version: '1.0.0',
          description:
            'Event ingestion and analytics for embedded dashboards. Errors are RFC 9457 problem documents ' +
            '(`application/problem+json`); every response carries `X-Request-Id`.',
        },
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
          },
        },
        tags: [
          { name: 'events', description: 'Ingest and query events' },
          { name: 'metrics', description: 'Aggregates' },
          { name: 'keys', description: 'Publishable ingest keys for web pages (admin tokens only)' },
          { name: 'operations', description: 'Health, readiness, Prometheus metrics' },
          { name: 'sdk', description: 'The widgets bundle for a script tag (static files, no token)' },
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

    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

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
  { name: 'docs' },
);
