import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError } from '../lib/errors.js';
import { METRICS_CONTENT_TYPE } from '../plugins/app/observability.js';
import { problems } from '../schemas/common.js';

const READY_TIMEOUT_MS = 2000;

const ops: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        operationId: 'getHealth',
        summary: 'Liveness: the process is up',
        response: {
          200: Type.Object({ status: Type.Literal('ok') }, { examples: [{ status: 'ok' }] }),
        },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['operations'],
        operationId: 'getReadiness',
        summary: 'Readiness: the database answers',
        response: {
          200: Type.Object(
            { status: Type.Literal('ready'), store: Type.String() },
            { examples: [{ status: 'ready', store: 'sqlite' }] },
          ),
          ...problems(503),
        },
      },
    },
    async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          app.store.ping(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('timed out')), READY_TIMEOUT_MS);
          }),
        ]);
      } catch (err) {
        app.log.warn({ err }, 'readiness check failed');
        throw new ApiError('service_unavailable', 'The database is not reachable.');
      } finally {
        clearTimeout(timer);
      }
      return { status: 'ready' as const, store: app.store.info.kind };
    },
  );

  // `/metrics` tells how much every org sends. On the API port it is served only to its own bearer token
  // (ANALYTICS_METRICS_TOKEN, which no API token can be), and not routed at all without one (404): a scraper
  // inside the network then uses ANALYTICS_METRICS_PORT (plugins/app/observability.ts).
  const { token, open } = app.config.metrics;
  if (token === undefined && !open) return;
  const expected = token === undefined ? undefined : Buffer.from(`Bearer ${token}`);
  app.get(
    '/metrics',
    {
      onRequest: async (request) => {
        if (!expected) return;
        const given = Buffer.from(request.headers.authorization ?? '');
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          throw new ApiError('unauthorized', 'Send `Authorization: Bearer <ANALYTICS_METRICS_TOKEN>`.', {
            headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' },
          });
        }
      },
      schema: {
        tags: ['operations'],
        operationId: 'getPrometheusMetrics',
        summary: 'Prometheus metrics (text exposition format)',
        description:
          'Needs `Authorization: Bearer <ANALYTICS_METRICS_TOKEN>` (a token of its own, not an API token). ' +
          'Without that setting this path answers 404 here; scrape `ANALYTICS_METRICS_PORT` instead.',
        produces: ['text/plain'],
        security: expected ? [{ metricsToken: [] }] : [],
        response: { 200: Type.String(), ...problems(401) },
      },
    },
    async (_request, reply) => reply.type(METRICS_CONTENT_TYPE).send(app.metrics.render(app.store)),
  );
};

export default ops;
