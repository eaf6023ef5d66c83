import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { assertOrg, principalOf } from '../../../plugins/app/auth.js';
import delivery from './delivery.js';
import eventTypes from './event-types.js';
import events from './events.js';
import exportRoutes from './export.js';
import insights from './insights/index.js';
import keys from './keys.js';
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
 *    client's flood of one kind cannot exhaust another's budget;
 * 5. `sameOrg` answers 403 `org_mismatch` when the query string names another org than the token's, on
 *    every route alike, before the request's own validation.
 *
 * Unknown paths under the prefix reach the app's not-found handler without these hooks (a plain 404).
 */
/** The tenant is the token's org: an `org_id` in the query string (repeated or not) may only repeat it. */
async function sameOrg(request: FastifyRequest): Promise<void> {
  const given = (request.query as Record<string, unknown> | undefined)?.org_id;
  if (given === undefined) return;
  const principal = principalOf(request);
  for (const org of Array.isArray(given) ? given : [given]) assertOrg(principal, String(org), '/org_id');
}

const apiV1: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRoute', (route) => {
    if (!route.config?.scope) throw new Error(`${route.method} ${route.url} must declare config.scope`);
  });
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', app.limitAnonymous);
  app.addHook('onRequest', app.authorize);
  app.addHook('onRequest', app.limitRate);
  app.addHook('onRequest', sameOrg);

  await app.register(events);
  await app.register(eventTypes);
  await app.register(metrics);
  await app.register(keys);
  await app.register(insights);
  await app.register(exportRoutes);
  await app.register(delivery);
};

export default apiV1;
