import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { deliveryForRange } from '../../../domain/delivery.js';
import { ApiError, type FieldError } from '../../../lib/errors.js';
import { parseDayRange } from '../../../lib/time.js';
import { principalOf } from '../../../plugins/app/auth.js';
import { problems } from '../../../schemas/common.js';
import { DeliveryQuery, DeliveryResponse } from '../../../schemas/delivery.js';

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
      const days = parseDayRange(q, errors, { now });
      if (!days)
        throw new ApiError('validation_failed', 'The query string is invalid; see `errors`.', { errors });
      const { start, end, tz } = days;
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
