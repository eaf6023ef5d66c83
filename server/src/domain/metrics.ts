/**
 * Metric names and what they mean, apart from HTTP: which names a summary may ask for, how each resolves
 * (built-in, per event type, or a row of the org's stored `metrics` table), and how the store's daily
 * counts become the summary's values and totals.
 */
import type { SummaryResponse } from '../contract.js';
import { ApiError } from '../lib/errors.js';
import type { Filter } from '../lib/filters.js';
import { dayBoundaries, formatDay } from '../lib/time.js';
import { EVENT_TYPE_PATTERN } from '../schemas/events.js';
import type { EventStore, SummaryDay } from '../store/types.js';

/** Asked for when a summary names no metrics. */
export const DEFAULT_METRICS = ['events', 'active_users'];

/**
 * The visitor metrics (v1.1). Unlike `events` and `active_users`, they leave bot events out unless asked
 * (`include_bots`), and count sessions by the day they start.
 */
export const VISITOR_METRICS = [
  'visitors',
  'sessions',
  'pageviews',
  'bounce_rate',
  'avg_session_duration',
  'views_per_session',
] as const;
type VisitorMetric = (typeof VISITOR_METRICS)[number];
const VISITOR_SET: ReadonlySet<string> = new Set(VISITOR_METRICS);
const SESSION_METRICS: ReadonlySet<string> = new Set([
  'sessions',
  'bounce_rate',
  'avg_session_duration',
  'views_per_session',
]);

const TYPE_RE = new RegExp(EVENT_TYPE_PATTERN);
const TYPE_PREFIX = 'events:';

/** One requested metric, resolved. */
export type Metric =
  | { name: string; kind: 'events' | 'active_users' | 'stored' | VisitorMetric }
  | { name: string; kind: 'event_type'; eventType: string };

/**
 * Resolves metric names, in order, without repeats: `events` and `active_users` are built in and win over
 * a stored metric of the same name; otherwise a stored name wins over `events:<event_type>` (a stored
 * metric may be called `events:signup`). Throws one 422 `unknown_metric` listing every name that is none
 * of these, and what is known.
 */
export function resolveMetrics(
  requested: readonly string[] | undefined,
  stored: readonly string[],
): Metric[] {
  const names = requested && requested.length > 0 ? [...new Set(requested)] : DEFAULT_METRICS;
  const storedSet = new Set(stored);
  const metrics: Metric[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const eventType = name.slice(TYPE_PREFIX.length);
    if (name === 'events' || name === 'active_users') metrics.push({ name, kind: name });
    else if (VISITOR_SET.has(name)) metrics.push({ name, kind: name as VisitorMetric });
    else if (storedSet.has(name)) metrics.push({ name, kind: 'stored' });
    else if (name.startsWith(TYPE_PREFIX) && TYPE_RE.test(eventType)) {
      metrics.push({ name, kind: 'event_type', eventType });
    } else unknown.push(name);
  }
  if (unknown.length > 0) {
    const known = [
      ...DEFAULT_METRICS,
      `${TYPE_PREFIX}<event_type>`,
      ...stored.filter((n) => !VISITOR_SET.has(n) && !DEFAULT_METRICS.includes(n)),
      ...VISITOR_METRICS,
    ].join(', ');
    throw new ApiError(
      'unknown_metric',
      `Unknown metric ${unknown.map((u) => `"${u}"`).join(', ')}; known: ${known}.`,
      {
        errors: unknown.map((u) => ({ path: '/metrics', message: `"${u}" is not a known metric` })),
      },
    );
  }
  return metrics;
}

/** A session rate; 0 when there are no sessions. */
const per = (n: number, sessions: number) => (sessions === 0 ? 0 : n / sessions);

function dayValue(day: SummaryDay, metric: Metric): number {
  switch (metric.kind) {
    case 'visitors':
      return day.visitors;
    case 'pageviews':
      return day.pageviews;
    case 'sessions':
      return day.sessions;
    case 'bounce_rate':
      return per(day.bounces, day.sessions);
    case 'avg_session_duration':
      return per(day.sessionDurationMs, day.sessions) / 1000;
    case 'views_per_session':
      return per(day.sessionPageviews, day.sessions);
    case 'events':
      return day.events;
    case 'active_users':
      return day.activeUsers;
    case 'stored':
      return day.stored[metric.name] ?? 0;
    case 'event_type':
      return day.byType[metric.eventType] ?? 0;
  }
}

export interface SummaryRequest {
  orgId: string;
  /** First and last local day of the range, as day numbers (days since 1970-01-01), inclusive. */
  start: number;
  end: number;
  /** A valid IANA time zone. */
  tz: string;
  /** The names asked for; none: `DEFAULT_METRICS`. */
  metrics: readonly string[] | undefined;
  /** Parsed `filter` parameters (ANDed); none: every event. */
  filters?: Filter[];
  /** Count bots in the visitor metrics. */
  includeBots?: boolean;
}

/**
 * The summary for a validated range: every day of it (zeros included) with each metric's value, and totals
 * that sum the days, except `active_users`, which is distinct over the whole range.
 */
export async function metricsSummary(
  store: Pick<EventStore, 'storedMetricNames' | 'metricsSummary'>,
  request: SummaryRequest,
): Promise<SummaryResponse> {
  const { orgId, start, end, tz } = request;
  const filters = request.filters ?? [];
  const metrics = resolveMetrics(request.metrics, await store.storedMetricNames(orgId));
  const stored = metrics.filter((m) => m.kind === 'stored');
  if (filters.length > 0 && stored.length > 0) {
    // Stored metrics are numbers supplied per day, not events: nothing in them can be filtered.
    throw new ApiError(
      'validation_failed',
      `Stored metrics cannot be filtered (${stored.map((m) => `"${m.name}"`).join(', ')}); ask for them without \`filter\`.`,
      {
        errors: stored.map((m) => ({
          path: '/filter',
          message: `does not apply to the stored metric "${m.name}"`,
        })),
      },
    );
  }
  const dates: string[] = [];
  for (let d = start; d <= end; d++) dates.push(formatDay(d));
  const summary = await store.metricsSummary({
    orgId,
    dayStarts: dayBoundaries(start, end, tz),
    dates,
    events: metrics.some((m) => m.kind === 'events'),
    activeUsers: metrics.some((m) => m.kind === 'active_users'),
    eventTypes: metrics.flatMap((m) => (m.kind === 'event_type' ? [m.eventType] : [])),
    storedMetrics: metrics.flatMap((m) => (m.kind === 'stored' ? [m.name] : [])),
    visitors: metrics.some((m) => m.kind === 'visitors'),
    pageviews: metrics.some((m) => m.kind === 'pageviews'),
    sessions: metrics.some((m) => SESSION_METRICS.has(m.kind)),
    filters,
    includeBots: request.includeBots === true,
  });

  const daily = summary.days.map((day, i) => ({
    date: dates[i]!,
    values: Object.fromEntries(metrics.map((m) => [m.name, dayValue(day, m)])),
  }));
  // Totals of counts sum the days; distinct counts and rates are taken over the whole range.
  const all: SummaryDay = {
    events: 0,
    activeUsers: summary.totalActiveUsers,
    byType: {},
    stored: {},
    visitors: summary.totalVisitors,
    pageviews: 0,
    sessions: 0,
    bounces: 0,
    sessionDurationMs: 0,
    sessionPageviews: 0,
  };
  for (const d of summary.days) {
    all.sessions += d.sessions;
    all.bounces += d.bounces;
    all.sessionDurationMs += d.sessionDurationMs;
    all.sessionPageviews += d.sessionPageviews;
  }
  const totals: Record<string, number> = {};
  for (const m of metrics) {
    totals[m.name] =
      m.kind === 'active_users' || m.kind === 'visitors' || SESSION_METRICS.has(m.kind)
        ? dayValue(all, m)
        : daily.reduce((sum, d) => sum + (d.values[m.name] ?? 0), 0);
  }
  return {
    org_id: orgId,
    start_date: formatDay(start),
    end_date: formatDay(end),
    tz,
    metrics: metrics.map((m) => m.name),
    daily,
    totals,
  };
}
