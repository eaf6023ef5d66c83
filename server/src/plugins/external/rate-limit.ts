import rateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../../lib/errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook: count the request against its org's budget (the IP's when unauthenticated). */
    limitRate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

/**
 * Per-org rate limits. The key is the verified token's `org_id` (so `app.authenticate` runs first): keying
 * on an unverified claim would let anyone spend another org's budget. Requests without a valid token are
 * counted per IP.
 */
export default fp(
  async (app) => {
    const conf = app.config.rateLimit;
    if (conf === false) {
      app.decorate('limitRate', async () => {});
      return;
    }
    await app.register(rateLimit, {
      global: false,
      max: conf.max,
      timeWindow: conf.timeWindowMs,
      keyGenerator: (request) => (request.principal ? `org:${request.principal.orgId}` : `ip:${request.ip}`),
      errorResponseBuilder: (_request, ctx) =>
        new ApiError(
          'rate_limited',
          `Rate limit of ${ctx.max} requests per ${ctx.after} exceeded; retry later.`,
          {
            headers: { 'Retry-After': String(Math.max(1, Math.ceil(ctx.ttl / 1000))) },
          },
        ),
    });
    const hook = app.rateLimit();
    app.decorate('limitRate', async (request: FastifyRequest, reply: FastifyReply) => {
      await hook.call(app, request, reply);
    });
  },
  { name: 'rate-limit', dependencies: ['config', 'auth'] },
);
