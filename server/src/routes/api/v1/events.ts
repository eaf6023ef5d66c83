import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { EventOut } from '../../../contract.js';
import { ingestBatch } from '../../../domain/ingest.js';
import { decodeCursor, encodeCursor, filterHash } from '../../../lib/cursor.js';
import { ApiError, type FieldError } from '../../../lib/errors.js';
import { parseFilters } from '../../../lib/filters.js';
import { formatInstant, parseRangeQuery } from '../../../lib/time.js';
import { assertOrg, principalOf } from '../../../plugins/app/auth.js';
import { rawBody } from '../../../plugins/app/json.js';
import { problems } from '../../../schemas/common.js';
import {
  EventsPage,
  EventsQuery,
  IngestAccepted,
  IngestBody,
  IngestHeaders,
} from '../../../schemas/events.js';
import type { StoredEvent } from '../../../store/types.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** A stored event as the API returns it. */
export function toEventOut(e: StoredEvent): EventOut {
  return {
    event_id: e.eventId,
    org_id: e.orgId,
    user_id: e.userId,
    event_type: e.eventType,
    timestamp: formatInstant(e.ts),
    received_at: formatInstant(e.receivedAt),
    properties: e.properties,
    schema_version: e.schemaVersion,
    anonymous_id: e.anonymousId,
    session_id: e.sessionId,
    visitor_id: e.visitorId,
    context: e.context,
    path: e.path,
    referrer_host: e.referrerHost,
    utm_source: e.utmSource,
    utm_medium: e.utmMedium,
    utm_campaign: e.utmCampaign,
    browser: e.browser,
    os: e.os,
    device: e.device,
    country: e.country,
    is_bot: e.isBot,
  };
}

/**
 * The hash a cursor is bound to: the v1 filters' (so cursors made without `filter` stay valid), and with
 * `filter`s, also those (sorted: their order does not change what matches).
 */
function cursorHash(base: Parameters<typeof filterHash>[0], filters: readonly string[]): string {
  const hash = filterHash(base);
  if (filters.length === 0) return hash;
  return createHash('sha256')
    .update(JSON.stringify([hash, [...new Set(filters)].sort()]))
    .digest('base64url');
}

/**
 * The most a page of `GET /api/v1/events` may weigh: 1,000 events of 32 KiB properties would otherwise be a
 * 32 MiB body, built in memory at once. A page that would pass it stops early (never before its first
 * event) with `has_more` and a cursor, as if `limit` had been smaller.
 */
export const MAX_PAGE_BYTES = 4 * 1024 * 1024;
/** A generous bound on an event's JSON beyond its properties and context (ids, instants, columns). */
const EVENT_OVERHEAD_BYTES = 1_024;

function capPage(list: StoredEvent[], hasMore: boolean): { events: StoredEvent[]; hasMore: boolean } {
  let bytes = 0;
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    // The JSON text of these two is what can be large; counted in UTF-16 units, which is the bytes for
    // ASCII and bounds the memory the page takes as strings either way.
    const size =
      EVENT_OVERHEAD_BYTES +
      JSON.stringify(e.properties).length +
      (e.context ? JSON.stringify(e.context).length : 0);
    bytes += size;
    if (bytes > MAX_PAGE_BYTES && i > 0) return { events: list.slice(0, i), hasMore: true };
  }
  return { events: list, hasMore };
}

const events: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/events',
    {
      config: { scope: 'events:write' },
      schema: {
        tags: ['events'],
        operationId: 'ingestEvents',
        summary: 'Ingest a batch of 1–100 events',
        description:
          'A 202 means the events are durably stored. With `Idempotency-Key`, repeating the same body within ' +
          '24 h replays the first response (`Idempotent-Replayed: true`); another body with that key is a 422, ' +
          'and a repeat while the first is still in flight a 409. An `event_id` already stored counts as a ' +
          'duplicate and is never stored twice. `properties` may nest at most 64 levels and take at most ' +
          '32 KiB as JSON; `user_id` and the strings in `properties` must not contain NUL (U+0000) or ' +
          'unpaired surrogates; the same holds for `anonymous_id`, `session_id` and `context` (at most 4 KiB). ' +
          'Each violation is a 422 naming the field. The body must be JSON in UTF-8 (another declared charset ' +
          "is a 415). The server derives each event's visitor, session (when none is sent), page, referrer, UTM, " +
          'browser, OS, device, country and bot flag from the event and the request (User-Agent, IP); the IP ' +
          "is never stored. `context.delivery` (`install_id`, `seq`) and the batch's optional `client` report " +
          '(queue depth, drops by reason: only the six documented reasons) feed delivery completeness ' +
          '(`GET /api/v1/delivery`).',
        security: [{ bearerAuth: [] }],
        headers: IngestHeaders,
        body: IngestBody,
        response: {
          202: IngestAccepted,
          ...problems(400, 401, 403, 409, 413, 415, 422, 429),
        },
      },
    },
    async (request, typedReply) => {
      const receivedAt = Date.now();
      const principal = principalOf(request);
      const input = request.body.events;
      const foreign = input.findIndex((e) => e.org_id !== undefined && e.org_id !== principal.orgId);
      if (foreign !== -1) assertOrg(principal, input[foreign]!.org_id, `/events/${foreign}/org_id`);

      const res = await ingestBatch(app.store, {
        orgId: principal.orgId,
        events: input,
        client: request.body.client,
        receivedAt,
        idempotencyKey: request.headers['idempotency-key'],
        rawBody: rawBody(request),
        timestampWindow: app.config.timestampWindow,
        userAgent: request.headers['user-agent'],
        ip: request.ip,
      });
      if (!res.replayed) app.metrics.eventsIngested(principal.orgId, res.accepted);
      if (res.delivery) app.metrics.delivery(res.delivery);
      // Responses are sent as pre-serialised text (the exact bytes an idempotent replay repeats), which the
      // typed reply does not model; the 202 schema still documents them.
      const reply = typedReply as unknown as FastifyReply;
      if (res.replayed) reply.header('Idempotent-Replayed', 'true');
      return reply.code(res.status).type(JSON_TYPE).send(res.body);
    },
  );

  app.get(
    '/events',
    {
      config: { scope: 'events:read' },
      schema: {
        tags: ['events'],
        operationId: 'listEvents',
        summary: 'List events, newest first, with keyset cursors',
        description:
          'Order: `timestamp` descending, then `event_id` descending. `next_cursor` is opaque, signed and ' +
          'bound to the filters and the org; reuse it only with the same filters. Walking every page returns ' +
          'each event that matched when the walk began exactly once, even while events are being ingested. ' +
          '`filter` (repeatable, ANDed) narrows by the derived dimensions; a malformed filter or an unknown ' +
          'dimension is a 422 naming it (`/filter/0`). Bot events are listed like any other (`is_bot`). A ' +
          'page stops before `limit` when its body would pass about 4 MiB (large `properties`), with ' +
          '`has_more: true` and a `next_cursor` that continues after its last event.',
        security: [{ bearerAuth: [] }],
        querystring: EventsQuery,
        response: { 200: EventsPage, ...problems(401, 403, 422, 429) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const q = request.query;

      const errors: FieldError[] = [];
      const { fromTs, toTs } = parseRangeQuery(q, errors);
      if (errors.length > 0)
        throw new ApiError('validation_failed', 'The query string is invalid; see `errors`.', { errors });

      const eventTypes = q.event_type && q.event_type.length > 0 ? [...new Set(q.event_type)] : undefined;
      const filters = { userId: q.user_id, eventTypes, fromTs, toTs };
      const filterTexts = q.filter ?? [];
      const parsed = parseFilters(filterTexts);
      const hash = cursorHash(filters, filterTexts);
      const secret = app.config.cursorSecret;
      let before: { ts: number; eventId: string } | undefined;
      if (q.cursor !== undefined) {
        const decoded = decodeCursor(secret, principal.orgId, hash, q.cursor);
        if (!decoded) {
          throw new ApiError(
            'invalid_cursor',
            'The cursor is malformed, was altered, or belongs to other filters or another organisation; ' +
              'start again without a cursor.',
            { errors: [{ path: '/cursor', message: 'is not valid for this query' }] },
          );
        }
        before = decoded;
      }
      const limit = q.limit ?? 50;
      const page = await app.store.queryEvents({
        orgId: principal.orgId,
        ...filters,
        filters: parsed,
        before,
        limit,
      });
      const { events: kept, hasMore } = capPage(page.events, page.hasMore);
      const last = kept[kept.length - 1];
      return {
        data: kept.map(toEventOut),
        next_cursor: hasMore && last ? encodeCursor(secret, principal.orgId, hash, last) : null,
        has_more: hasMore,
      };
    },
  );
};

export default events;
