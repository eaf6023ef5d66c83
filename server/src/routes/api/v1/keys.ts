import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { createIngestKey, listIngestKeys } from '../../../domain/ingest-keys.js';
import { ApiError } from '../../../lib/errors.js';
import { isUuid } from '../../../lib/ids.js';
import { principalOf } from '../../../plugins/app/auth.js';
import { problems } from '../../../schemas/common.js';
import {
  CreateKeyBody,
  IngestKeyCreated,
  IngestKeyList,
  KeyParams,
  KeyRevoked,
} from '../../../schemas/keys.js';

const ADMIN =
  'Needs a token with the `admin` role and the `keys:write` scope (listing: `keys:read` or `keys:write`); ' +
  'publishable keys themselves can never manage keys.';

/** Publishable ingest keys of the token's org: make one (shown once), list them, revoke one. */
const keys: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/keys',
    {
      config: { scope: 'keys:write', role: 'admin' },
      schema: {
        tags: ['keys'],
        operationId: 'createIngestKey',
        summary: 'Make a publishable ingest key (shown once)',
        description:
          "A publishable key (`pk_…`) goes in a web page (`data-api-key`, or the SDK's `apiKey`) and " +
          'authorises only `POST /api/v1/events` for this org, only from `allowed_origins`, under a rate ' +
          "bucket of its own (`rate_limit_per_minute`, default the server's). The key is in this response " +
          `only: the server keeps its SHA-256. ${ADMIN}`,
        security: [{ bearerAuth: [] }],
        body: CreateKeyBody,
        response: { 201: IngestKeyCreated, ...problems(400, 401, 403, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const body = request.body;
      const created = await createIngestKey(app.store, {
        orgId,
        name: body.name,
        allowedOrigins: body.allowed_origins,
        rateLimitPerMinute: body.rate_limit_per_minute,
      });
      // Ingest preflights from the new key's origins should not wait for an earlier "no" to expire.
      app.ingestKeys.forget();
      // A relative reference (against `…/api/v1/keys`), so it stays right behind a proxy that mounts the API
      // under a path prefix of another origin.
      return reply.code(201).header('Location', `keys/${created.id}`).send(created);
    },
  );

  app.get(
    '/keys',
    {
      config: { scope: 'keys:read', role: 'admin' },
      schema: {
        tags: ['keys'],
        operationId: 'listIngestKeys',
        summary: "List the org's publishable keys (without the secrets)",
        description: `Keys that are not revoked, oldest first, each with a \`prefix\` to recognise it. ${ADMIN}`,
        security: [{ bearerAuth: [] }],
        response: { 200: IngestKeyList, ...problems(401, 403, 429) },
      },
    },
    async (request) => listIngestKeys(app.store, principalOf(request).orgId),
  );

  app.delete(
    '/keys/:id',
    {
      config: { scope: 'keys:write', role: 'admin' },
      schema: {
        tags: ['keys'],
        operationId: 'revokeIngestKey',
        summary: 'Revoke a publishable key',
        description:
          'Every server process refuses the key (401 `invalid_token`) within 5 seconds. Revoking a revoked ' +
          "key again is a 204 too; an id the org has no key under (another org's key included) is a 404. " +
          ADMIN,
        security: [{ bearerAuth: [] }],
        params: KeyParams,
        response: { 204: KeyRevoked, ...problems(401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const { id } = request.params;
      const revoked = isUuid(id) && (await app.store.revokeKey(orgId, id.toLowerCase(), Date.now()));
      if (!revoked) {
        throw new ApiError('not_found', `This organisation has no key with id "${id.slice(0, 64)}".`);
      }
      app.ingestKeys.forget();
      // No payload at all (the typed reply would serialise the documented null as the text "null").
      return (reply as unknown as FastifyReply).code(204).send();
    },
  );
};

export default keys;
