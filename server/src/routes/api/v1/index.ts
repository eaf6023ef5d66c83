import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import eventTypes from './event-types.js';
import events from './events.js';
import metrics from './metrics.js';

/**
 * Every route of the API, registered under `/api/v1`. Access is declared here once: each route names the
 * scope it needs in `config.scope`, and these hooks run for every route, in this order:
 *
 * 1. `authenticate` verifies the token, if any, and remembers a failure instead of answering it yet;
 * 2. `limitAnonymous` counts a request without a valid token against its client address, so a flood of
 *    bad tokens is limited too and nobody can spend another org's budget with a forged claim;
 * 3. `authorize` answers 401 for a missing or invalid token and 403 without the route's scope;
 * 4. `limitRate` counts an authorised request against its own bucket (the org's ingest, the org's other
 *    requests, or its publishable key's), so a request refused for its scope costs nothing and one
 *    client's flood of one kind cannot exhaust another's budget.
 *
 * Unknown paths under the prefix reach the app's not-found handler without these hooks (a plain 404).
 */
const apiV1: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRoute', (route) => {
    if (!route.config?.scope) throw new Error(`${route.method} ${route.url} must declare config.scope`);
  });
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', app.limitAnonymous);
  app.addHook('onRequest', app.authorize);
  app.addHook('onRequest', app.limitRate);

  await app.register(events);
  await app.register(eventTypes);
  await app.register(metrics);
};

export default apiV1;
