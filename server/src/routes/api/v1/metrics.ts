import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { metricsSummary } from '../../../domain/metrics.js';
import { ApiError, type FieldError } from '../../../lib/errors.js';
import { parseFilters } from '../../../lib/filters.js';
import { parseDayRange } from '../../../lib/time.js';
import { principalOf } from '../../../plugins/app/auth.js';
import { problems } from '../../../schemas/common.js';
import { SummaryQuery, SummaryResponse } from '../../../schemas/metrics.js';

const metrics: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/metrics/summary',
    {
      config: { scope: 'metrics:read' },
      schema: {
        tags: ['metrics'],
        operationId: 'getMetricsSummary',
        summary: 'Daily metrics with totals for a date range',
        description:
          'Every day of the range appears, zeros included. Built-in metrics: `events`, `active_users` ' +
          '(distinct users; its total is distinct over the range), `events:<event_type>`; names from the ' +
          'stored metrics table are summed. Visitor metrics (bots left out unless `include_bots=true`): ' +
          '`visitors` (distinct `visitor_id` merged through `$identify`; total distinct over the range), ' +
          '`pageviews`, and over the sessions that start each day: `sessions`, `bounce_rate` (one event, a ' +
          'page view), `avg_session_duration` (seconds, last event minus first), `views_per_session`. ' +
          '`filter` keeps the matching events; a session counts when one of its events in the range matches. ' +
          'Days are local days of `tz`; UTC-aligned ranges without filters are answered from daily rollups in ' +
          "O(days), anything else by one pass over the range's events.",
        security: [{ bearerAuth: [] }],
        querystring: SummaryQuery,
        response: { 200: SummaryResponse, ...problems(401, 403, 422, 429) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const q = request.query;

      const errors: FieldError[] = [];
      const days = parseDayRange(q, errors);
      if (!days)
        throw new ApiError('validation_failed', 'The query string is invalid; see `errors`.', { errors });
      const { start, end, tz } = days;

      const filters = parseFilters(q.filter);
      return metricsSummary(app.store, {
        orgId: principal.orgId,
        start,
        end,
        tz,
        metrics: q.metrics,
        filters,
        includeBots: q.include_bots === true,
      });
    },
  );
};

export default metrics;
