import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EventOut } from '../../../contract.js';
import { ApiError, type FieldError } from '../../../lib/errors.js';
import { parseFilters } from '../../../lib/filters.js';
import { QueryAbortedError } from '../../../lib/query-budget.js';
import { parseRangeQuery } from '../../../lib/time.js';
import { principalOf } from '../../../plugins/app/auth.js';
import { problems } from '../../../schemas/common.js';
import { EventOut as EventOutSchema } from '../../../schemas/events.js';
import { ExportQuery } from '../../../schemas/insights.js';
import type { StoredEvent } from '../../../store/types.js';
import { toEventOut } from './events.js';
import { budgetProblems } from './insights/index.js';

/** Events per keyset query: small enough that 32 KiB properties keep a chunk within a few MiB. */
const CHUNK = 200;

/**
 * The CSV columns: the fields of an event as `GET /api/v1/events` returns it, in its order, with the two
 * JSON objects (`properties`, `context`) moved to the end, where a wide cell hides nothing after it.
 */
const JSON_COLUMNS = ['properties', 'context'] as const;
const CSV_COLUMNS = [
  ...(Object.keys(EventOutSchema.properties) as (keyof EventOut)[]).filter(
    (c) => !(JSON_COLUMNS as readonly string[]).includes(c),
  ),
  ...JSON_COLUMNS,
];

/**
 * RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. A text cell that a
 * spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a carriage return: a visitor
 * controls user ids, paths and campaign names) gets a leading apostrophe, as OWASP advises, so opening an
 * export never executes what a visitor sent. Numbers and booleans are written as they are.
 */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvRow(e: EventOut): string {
  return `${CSV_COLUMNS.map((c) => csvField(e[c])).join(',')}\r\n`;
}

const exportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/events/export',
    {
      config: { scope: 'events:read' },
      schema: {
        tags: ['events'],
        operationId: 'exportEvents',
        summary: 'Stream every matching event, oldest first (NDJSON or CSV)',
        description:
          'The filters of `GET /api/v1/events` plus `filter`; every matching event, oldest first (`timestamp`, ' +
          'then `event_id`). `ndjson` (default): one event per line as `GET /api/v1/events` returns it. `csv`: ' +
          'a header row, then one row per event, `properties` and `context` as JSON text. Gzip-compressed ' +
          'when the request accepts it. The server reads 200 events per keyset query, each within the ' +
          'query budget, and only as fast as the client reads: memory stays bounded at any size, and a ' +
          'client that disconnects stops the reading. A failure before the first bytes is a problem ' +
          'document; after them, the connection is closed without the final chunk, so a cut-off export ' +
          'never looks complete.',
        security: [{ bearerAuth: [] }],
        querystring: ExportQuery,
        response: {
          200: {
            description: 'The events, streamed',
            content: {
              'application/x-ndjson': { schema: { type: 'string' } },
              'text/csv': { schema: { type: 'string' } },
            },
          },
          ...problems(401, 403, 422),
          ...budgetProblems,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const q = request.query;
      const errors: FieldError[] = [];
      const { fromTs, toTs } = parseRangeQuery(q, errors);
      if (errors.length > 0) {
        throw new ApiError('validation_failed', 'The query string is invalid; see `errors`.', { errors });
      }
      const filters = parseFilters(q.filter);
      const csv = q.format === 'csv';

      const budget = app.startRead(reply, principal.orgId);
      const chunks = app.store.exportEvents({
        orgId: principal.orgId,
        ...(q.user_id === undefined ? {} : { userId: q.user_id }),
        ...(q.event_type && q.event_type.length > 0 ? { eventTypes: [...new Set(q.event_type)] } : {}),
        ...(fromTs === undefined ? {} : { fromTs }),
        ...(toTs === undefined ? {} : { toTs }),
        filters,
        chunkSize: CHUNK,
        timeoutMs: budget.timeoutMs,
        signal: budget.signal,
      });
      const it = chunks[Symbol.asyncIterator]();
      // The first chunk before any header: a timeout or failure there is still a proper problem document.
      let first: IteratorResult<StoredEvent[]>;
      try {
        first = await it.next();
      } catch (err) {
        budget.release();
        if (err instanceof QueryAbortedError) {
          throw new ApiError('service_unavailable', 'The client disconnected; the export was stopped.');
        }
        throw err;
      }
      const format = (events: StoredEvent[]) =>
        events.map((e) => (csv ? csvRow(toEventOut(e)) : `${JSON.stringify(toEventOut(e))}\n`)).join('');
      async function* body(): AsyncGenerator<string> {
        try {
          if (csv) yield `${CSV_COLUMNS.join(',')}\r\n`;
          for (let chunk = first; !chunk.done; chunk = await it.next()) yield format(chunk.value);
        } finally {
          // The client left, or the stream failed: the store's reading stops here.
          await it.return?.();
          budget.release();
        }
      }
      let stream: Readable = Readable.from(body(), { objectMode: false });
      const accepts = request.headers['accept-encoding'] ?? '';
      if (/\bgzip\b/i.test(accepts)) {
        const gzip = createGzip();
        stream.on('error', (err) => gzip.destroy(err));
        gzip.on('close', () => stream.destroy());
        stream = stream.pipe(gzip);
        reply.header('content-encoding', 'gzip');
      }
      reply.header('vary', 'accept-encoding');
      reply.type(csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
      return reply.send(stream);
    },
  );
};

export default exportRoutes;
