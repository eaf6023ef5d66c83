import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

/**
 * Security headers. API responses are JSON, so the policy forbids everything; the documentation pages set
 * their own, wider policy (`docs.ts`). API responses are also never stored by browsers or proxies: they
 * are per tenant and authorised by a bearer token, which shared caches do not key on.
 */
export default fp(
  async (app) => {
    await app.register(helmet, {
      global: true,
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
      },
      // Widgets on other origins read the API with CORS; CORP must not block those responses.
      crossOriginResourcePolicy: { policy: 'cross-origin' },
      hsts: app.config.production ? { maxAge: 15_552_000, includeSubDomains: true } : false,
    });
    app.addHook('onSend', async (request, reply) => {
      if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) {
        reply.header('cache-control', 'no-store');
      }
    });
  },
  { name: 'helmet', dependencies: ['config'] },
);
