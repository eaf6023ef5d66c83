import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** The ingest route, the only one a publishable key may call. */
const INGEST_PATH = '/api/v1/events';

/** A browser's ingest request, or the preflight before one: what a publishable key's origins may send. */
function isIngest(request: FastifyRequest): boolean {
  const path = request.url.split('?', 1)[0];
  if (path !== INGEST_PATH) return false;
  const method =
    request.method === 'OPTIONS' ? request.headers['access-control-request-method'] : request.method;
  return method === 'POST';
}

/**
 * CORS from `ANALYTICS_CORS_ORIGINS`. `*` is safe here because auth is a bearer token, never a cookie
 * (credentials are not allowed). The SDK needs to read the request id, retry hints and replay marker.
 *
 * Publishable keys add their own origins, for ingest only: a page on `https://shop.example` with a key that
 * lists that origin may `POST /api/v1/events`, preflight included, while reads (`GET /api/v1/events` too)
 * stay closed to it. A preflight carries no key, so it is allowed when some active key lists the origin (or
 * lists none); the request that follows is then checked against its own key's origins (403
 * `origin_not_allowed`), with the CORS headers on, so the page's script can read that refusal.
 */
export default fp(
  async (app) => {
    const origins = app.config.corsOrigins;
    const any = origins.includes('*');
    const base: FastifyCorsOptions = {
      methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
      // Content-Encoding: a browser that compresses its batch (gzip, deflate, br are decoded) must be
      // allowed to say so, or the preflight fails and the batch never leaves the page.
      allowedHeaders: [
        'Authorization',
        'Content-Type',
        'Content-Encoding',
        'Idempotency-Key',
        'X-Request-Id',
      ],
      exposedHeaders: [
        'X-Request-Id',
        'Retry-After',
        'Idempotent-Replayed',
        'WWW-Authenticate',
        'X-RateLimit-Limit',
        'X-RateLimit-Remaining',
        'X-RateLimit-Reset',
      ],
      credentials: false,
      maxAge: 600,
      // An OPTIONS request that is not a preflight gets 204 rather than the plugin's text/plain 400.
      strictPreflight: false,
    };
    const configured: FastifyCorsOptions = { ...base, origin: any ? '*' : origins };

    await app.register(cors, {
      delegator: (
        request: FastifyRequest,
        done: (err: Error | null, options?: FastifyCorsOptions) => void,
      ) => {
        const origin = request.headers.origin;
        if (any || !origin || origins.includes(origin) || !isIngest(request)) {
          done(null, configured);
          return;
        }
        app.ingestKeys.originAllowed(origin).then(
          (allowed) => done(null, allowed ? { ...base, origin } : configured),
          (err: unknown) => {
            // The database is unreachable: the ingest would fail anyway; answer as for an unknown origin.
            request.log.warn({ err }, 'publishable key origin lookup failed');
            done(null, configured);
          },
        );
      },
    });
  },
  { name: 'cors', dependencies: ['config', 'auth'] },
);
