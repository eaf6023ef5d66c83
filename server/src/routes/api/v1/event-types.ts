import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { formatInstant } from '../../../lib/time.js';
import { principalOf } from '../../../plugins/app/auth.js';
import { problems } from '../../../schemas/common.js';
import { EventTypesResponse } from '../../../schemas/events.js';

const eventTypes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/event-types',
    {
      config: { scope: 'events:read' },
      schema: {
        tags: ['events'],
        operationId: 'listEventTypes',
        summary: "The org's event types, most frequent first (for filter menus)",
        security: [{ bearerAuth: [] }],
        // Checked for every route in index.ts; listed here so the document shows it.
        querystring: Type.Object({
          org_id: Type.Optional(Type.String({ maxLength: 255, description: "Must equal the token's" })),
        }),
        response: { 200: EventTypesResponse, ...problems(401, 403, 429) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const stats = await app.store.eventTypes(principal.orgId);
      return {
        data: stats.map((s) => ({
          event_type: s.eventType,
          count: s.count,
          last_seen: formatInstant(s.lastSeen),
        })),
      };
    },
  );
};

export default eventTypes;
