import cors from '@fastify/cors';
import fp from 'fastify-plugin';

/**
 * CORS from `ANALYTICS_CORS_ORIGINS`. `*` is safe here because auth is a bearer token, never a cookie
 * (credentials are not allowed). The SDK needs to read the request id, retry hints and replay marker.
 */
export default fp(
  async (app) => {
    const origins = app.config.corsOrigins;
    await app.register(cors, {
      origin: origins.includes('*') ? '*' : origins,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
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
    });
  },
  { name: 'cors', dependencies: ['config'] },
);
