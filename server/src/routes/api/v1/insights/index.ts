import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { prepareBreakdown, runBreakdown } from '../../../../domain/insights/breakdown.js';
import {
  type Budget,
  prepareFunnel,
  prepareRetention,
  runFunnel,
  runRetention,
} from '../../../../domain/insights/index.js';
import { prepareTrends, runTrends } from '../../../../domain/insights/trends.js';
import { ApiError } from '../../../../lib/errors.js';
import { QueryAbortedError } from '../../../../lib/query-budget.js';
import { principalOf } from '../../../../plugins/app/auth.js';
import type { ReadBudget } from '../../../../plugins/app/query-budget.js';
import { problemResponse, problems } from '../../../../schemas/common.js';
import {
  BreakdownQuery,
  BreakdownResponse,
  FunnelBody,
  FunnelResponse,
  RetentionQuery,
  RetentionResponse,
  TrendsQuery,
  TrendsResponse,
} from '../../../../schemas/insights.js';

/** The budget's 503 and 429, as the insight and export routes document them. */
export const budgetProblems = {
  429: {
    ...problemResponse(429),
    description:
      'Rate limited, or the org already runs its bound of insight and export queries (`too_many_queries`); ' +
      '`Retry-After` says when to retry',
  },
  503: {
    ...problemResponse(503),
    description:
      'The query exceeded `ANALYTICS_QUERY_TIMEOUT_MS` and was cancelled in the database (`query_timeout`, ' +
      'with `Retry-After`), or the database is not reachable',
  },
};

/** Run `work` within the org's read budget; a client gone before the answer gets none. */
export async function withBudget<T>(budget: ReadBudget, work: (b: Budget) => Promise<T>): Promise<T> {
  try {
    return await work({ deadline: budget.deadline, timeoutMs: budget.timeoutMs, signal: budget.signal });
  } catch (err) {
    if (err instanceof QueryAbortedError) {
      throw new ApiError('service_unavailable', 'The client disconnected; the query was stopped.');
    }
    throw err;
  } finally {
    budget.release();
  }
}

const insights: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/insights/funnel',
    {
      config: { scope: 'metrics:read' },
      schema: {
        tags: ['insights'],
        operationId: 'getFunnel',
        summary: 'Conversion through 2–10 ordered steps, per visitor',
        description:
          'The unit is the visitor (merged through `$identify`). A visitor reaches step k when it did steps ' +
          '1..k in that order, each strictly after the previous, all within `window_seconds` of its step 1; ' +
          'of its step-1 events in the range, the one that gets it furthest counts (the earliest on a tie, then the ' +
          'lowest breakdown value). ' +
          'Every step happens inside the range (local days of `tz`). A step matches events of its ' +
          '`event_type` that pass its own `filter` and the request’s `filter`. ' +
          '`median_seconds_from_previous` is over the visitors that reached the step. With `breakdown`, ' +
          'visitors are grouped by the value on their step-1 event: the top `limit` by step-1 visitors, ' +
          'then `$other`. Bot events are left out unless `include_bots`. Within the query budget ' +
          '(`ANALYTICS_QUERY_TIMEOUT_MS`), else 503 `query_timeout`.',
        security: [{ bearerAuth: [] }],
        body: FunnelBody,
        response: { 200: FunnelResponse, ...problems(400, 401, 403, 415, 422), ...budgetProblems },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const prepared = prepareFunnel(principal.orgId, request.body);
      const budget = app.startRead(reply, principal.orgId);
      return withBudget(budget, (b) => runFunnel(app.store, prepared, b));
    },
  );

  app.get(
    '/insights/retention',
    {
      config: { scope: 'metrics:read' },
      schema: {
        tags: ['insights'],
        operationId: 'getRetention',
        summary: 'Cohorts by first start event, and who returns in each later period',
        description:
          "A visitor's cohort is the period of its first `start_event` in the range (the cohort dates); it " +
          'is retained in period n when it did `return_event` in period cohort + n at or after that first ' +
          'start event (`retained[0]` is the cohort’s own period, so with the same event for both it equals ' +
          '`size`). Periods are local days, ISO weeks (Monday) or months of `tz`; every cohort of the range ' +
          'appears, empty ones included, each with `periods` entries (later periods not yet reached count 0). ' +
          '`filter` applies to start and return events alike. Within the query budget, else 503 ' +
          '`query_timeout`.',
        security: [{ bearerAuth: [] }],
        querystring: RetentionQuery,
        response: { 200: RetentionResponse, ...problems(401, 403, 422), ...budgetProblems },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const prepared = prepareRetention(principal.orgId, request.query);
      const budget = app.startRead(reply, principal.orgId);
      return withBudget(budget, (b) => runRetention(app.store, prepared, b));
    },
  );
  app.get(
    '/insights/trends',
    {
      config: { scope: 'metrics:read' },
      schema: {
        tags: ['insights'],
        operationId: 'getTrends',
        summary: 'Metrics over time, per hour, day, week or month of a zone, optionally per dimension value',
        description:
          'Any metrics-summary name, counted over the events that pass `filter` (bot events left out unless ' +
          '`include_bots`): `visitors` and `active_users` are distinct within each bucket and over the range, ' +
          'sessions count in the bucket they start in. Buckets are hours (ranges of at most 31 days), local ' +
          'days (23, 24 or 25 hours across DST), ISO weeks (Monday) or months of `tz`; `t` is a bucket’s start ' +
          'with the zone’s offset, and every bucket appears, zeros included; the first and last are cut to the ' +
          'range. With `breakdown`, the top `limit` values by the first metric’s total, then `$other` for the ' +
          'rest; a value’s series is what the request with `filter=<breakdown>==<value>` would answer. With ' +
          '`compare=previous`, the same number of days just before as well. Stored metrics: day, week and ' +
          'month only, without `filter` or `breakdown`. Within the query budget, else 503 `query_timeout`.',
        security: [{ bearerAuth: [] }],
        querystring: TrendsQuery,
        response: { 200: TrendsResponse, ...problems(401, 403, 422), ...budgetProblems },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const prepared = prepareTrends(principal.orgId, request.query);
      const budget = app.startRead(reply, principal.orgId);
      return withBudget(budget, (b) => runTrends(app.store, prepared, b));
    },
  );

  app.get(
    '/insights/breakdown',
    {
      config: { scope: 'metrics:read' },
      schema: {
        tags: ['insights'],
        operationId: 'getBreakdown',
        summary: 'Metrics per value of a dimension (top pages, referrers, campaigns, devices, countries)',
        description:
          'Each row is a value of `dimension` (null: unset) with the metrics over the range’s events that ' +
          'have it and pass `filter` (bot events left out unless `include_bots`); a session counts for a value ' +
          'when one of its events in the range has it, and it starts in the range. Rows are ordered by the ' +
          'first metric, descending, then by value, `limit` a page; pass `next_cursor` as `cursor` with the ' +
          'same parameters for the next. `totals` are over every matching event, whatever its value (distinct ' +
          'counts are not sums of the rows). Within the query budget, else 503 `query_timeout`.',
        security: [{ bearerAuth: [] }],
        querystring: BreakdownQuery,
        response: { 200: BreakdownResponse, ...problems(401, 403, 422), ...budgetProblems },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const prepared = prepareBreakdown(principal.orgId, request.query, app.config.cursorSecret);
      const budget = app.startRead(reply, principal.orgId);
      return withBudget(budget, (b) => runBreakdown(app.store, prepared, b));
    },
  );
};

export default insights;
