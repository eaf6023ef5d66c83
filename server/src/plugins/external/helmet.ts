import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

/**
 * Security headers. API responses are JSON, so the policy forbids everything; the documentation pages set
 * their own, wider policy (`swagger.ts`).
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
  },
  { name: 'helmet', dependencies: ['config'] },
);
