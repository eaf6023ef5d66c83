import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { deliveryForRange } from '../../../domain/delivery.js';
import { ApiError, type FieldError } from '../../../lib/errors.js';
import { DAY_MS, isValidTimeZone, localDay, parseDate } from '../../../lib/time.js';
import { principalOf } from '../../../plugins/app/auth.js';
import { problems } from '../../../schemas/common.js';
import { DeliveryQuery, DeliveryResponse } from '../../../schemas/delivery.js';

const MAX_DAYS = 366;

const delivery: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/delivery',
    {
      config: { scope: 'metrics:read' },
      schema: {
        tags: ['metrics'],
        operationId: 'getDelivery',
        summary: 'Delivery completeness: how many tracked events arrived, per day and in total',
        description:
          "From `context.delivery` (`install_id`, `seq`) on events and the batches' `client` reports. Per local " +
          'day of `tz` and in total: `installs` (with a received event), `received` (distinct seqs, on the day of ' +
          'their `timestamp`), `duplicates` (a seq sent again; stored once), `missing` (seqs in a gap whose next ' +
          "received event arrived more than 24 h ago, counted on that event's day), `pending` (younger gaps, " +
          "and the `queue_depth` of each install's latest report, on its day) and `completeness` = received / " +
          '(received + missing), 1 when both are 0. Seqs an install reported dropped (`queue_overflow`, ' +
          '`opt_out`, `storage_cleared`) are not missing; `totals.intentional` sums the reported counts by ' +
          'reason of the installs active in the range. The range may cover at most 366 days.',
        security: [{ bearerAuth: [] }],
        querystring: DeliveryQuery,
        response: { 200: DeliveryResponse, ...problems(401, 403, 422, 429) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const q = request.query;
      const now = Date.now();

      const errors: FieldError[] = [];
      const tz = q.tz ?? 'UTC';
      if (!isValidTimeZone(tz))
        errors.push({ path: '/tz', message: 'must be an IANA time zone, e.g. Europe/Berlin' });
      const today = errors.length === 0 ? localDay(now, tz) : Math.floor(now / DAY_MS);
      const end = q.end_date === undefined ? today : parseDate(q.end_date);
      if (end === null) errors.push({ path: '/end_date', message: 'must be a date YYYY-MM-DD' });
      const start = q.start_date === undefined ? (end ?? today) - 29 : parseDate(q.start_date);
      if (start === null) errors.push({ path: '/start_date', message: 'must be a date YYYY-MM-DD' });
      if (start !== null && end !== null) {
        if (start > end) errors.push({ path: '/start_date', message: 'must not be after end_date' });
        else if (end - start + 1 > MAX_DAYS) {
          errors.push({ path: '/end_date', message: `the range may cover at most ${MAX_DAYS} days` });
        }
      }
      if (errors.length > 0 || start === null || end === null) {
        throw new ApiError('validation_failed', 'The query string is invalid; see `errors`.', { errors });
      }
      return deliveryForRange(app.store, {
        orgId: principal.orgId,
        start,
        end,
        tz,
        now,
        futureMs: app.config.timestampWindow.futureMs,
      });
    },
  );
};

export default delivery;
