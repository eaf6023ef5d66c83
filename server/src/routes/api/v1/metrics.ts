import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError, type FieldError } from '../../../lib/errors.js';
import { dayBoundaries, formatDay, isValidTimeZone, localDay, parseDate } from '../../../lib/time.js';
import { assertOrg, principalOf } from '../../../plugins/app/auth.js';
import { problems } from '../../../schemas/common.js';
import { EVENT_TYPE_PATTERN } from '../../../schemas/events.js';
import { SummaryQuery, SummaryResponse } from '../../../schemas/metrics.js';

const MAX_DAYS = 366;
const TYPE_RE = new RegExp(EVENT_TYPE_PATTERN);

const metrics: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/metrics/summary',
    {
      onRequest: [app.authenticate, app.limitRate, app.authorize('metrics:read')],
      schema: {
        tags: ['metrics'],
        summary: 'Daily metrics with totals for a date range',
        description:
          'Every day of the range appears, zeros included. Built-in metrics: `events`, `active_users` ' +
          '(distinct users; its total is distinct over the range), `events:<event_type>`; names from the ' +
          'stored metrics table are summed. Days are local days of `tz`; UTC-aligned ranges are answered ' +
          "from daily rollups in O(days), other zones by one pass over the range's events.",
        security: [{ bearerAuth: [] }],
        querystring: SummaryQuery,
        response: { 200: SummaryResponse, ...problems(401, 403, 422, 429) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const q = request.query;
      assertOrg(principal, q.org_id, '/org_id');

      const errors: FieldError[] = [];
      const tz = q.tz ?? 'UTC';
      if (!isValidTimeZone(tz))
        errors.push({ path: '/tz', message: 'must be an IANA time zone, e.g. Europe/Berlin' });
      const today = errors.length === 0 ? localDay(Date.now(), tz) : Math.floor(Date.now() / 86_400_000);
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

      const names = q.metrics && q.metrics.length > 0 ? [...new Set(q.metrics)] : ['events', 'active_users'];
      const stored = await app.store.storedMetricNames(principal.orgId);
      const storedSet = new Set(stored);
      const eventTypes: string[] = [];
      const storedWanted: string[] = [];
      const unknown: string[] = [];
      for (const name of names) {
        if (name === 'events' || name === 'active_users') continue;
        if (storedSet.has(name)) storedWanted.push(name);
        else if (name.startsWith('events:') && TYPE_RE.test(name.slice(7))) eventTypes.push(name.slice(7));
        else unknown.push(name);
      }
      if (unknown.length > 0) {
        const known = ['events', 'active_users', 'events:<event_type>', ...stored].join(', ');
        throw new ApiError(
          'unknown_metric',
          `Unknown metric ${unknown.map((u) => `"${u}"`).join(', ')}; known: ${known}.`,
          {
            errors: unknown.map((u) => ({ path: '/metrics', message: `"${u}" is not a known metric` })),
          },
        );
      }

      const dates: string[] = [];
      for (let d = start; d <= end; d++) dates.push(formatDay(d));
      const summary = await app.store.metricsSummary({
        orgId: principal.orgId,
        dayStarts: dayBoundaries(start, end, tz),
        dates,
        events: names.includes('events'),
        activeUsers: names.includes('active_users'),
        eventTypes,
        storedMetrics: storedWanted,
      });

      const metricValue = (day: (typeof summary.days)[number], name: string): number => {
        if (name === 'events') return day.events;
        if (name === 'active_users') return day.activeUsers;
        if (storedSet.has(name)) return day.stored[name] ?? 0;
        return day.byType[name.slice(7)] ?? 0;
      };
      const daily = summary.days.map((day, i) => ({
        date: dates[i]!,
        values: Object.fromEntries(names.map((n) => [n, metricValue(day, n)])),
      }));
      const totals: Record<string, number> = {};
      for (const n of names) {
        totals[n] =
          n === 'active_users'
            ? summary.totalActiveUsers
            : daily.reduce((sum, d) => sum + (d.values[n] ?? 0), 0);
      }
      return {
        org_id: principal.orgId,
        start_date: formatDay(start),
        end_date: formatDay(end),
        tz,
        metrics: names,
        daily,
        totals,
      };
    },
  );
};

export default metrics;
