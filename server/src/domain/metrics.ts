/**
 * Metric names and what they mean, apart from HTTP: which names a summary may ask for, how each resolves
 * (built-in, per event type, or a row of the org's stored `metrics` table), and how the store's daily
 * counts become the summary's values and totals.
 */
import type { SummaryResponse } from '../contract.js';
import { ApiError } from '../lib/errors.js';
import { dayBoundaries, formatDay } from '../lib/time.js';
import { EVENT_TYPE_PATTERN } from '../schemas/events.js';
import type { EventStore, SummaryDay } from '../store/types.js';

/** Asked for when a summary names no metrics. */
export const DEFAULT_METRICS = ['events', 'active_users'];

const TYPE_RE = new RegExp(EVENT_TYPE_PATTERN);
const TYPE_PREFIX = 'events:';

/** One requested metric, resolved. */
export type Metric =
  | { name: string; kind: 'events' | 'active_users' | 'stored' }
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
    else if (storedSet.has(name)) metrics.push({ name, kind: 'stored' });
    else if (name.startsWith(TYPE_PREFIX) && TYPE_RE.test(eventType)) {
      metrics.push({ name, kind: 'event_type', eventType });
    } else unknown.push(name);
  }
  if (unknown.length > 0) {
    const known = [...DEFAULT_METRICS, `${TYPE_PREFIX}<event_type>`, ...stored].join(', ');
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

function dayValue(day: SummaryDay, metric: Metric): number {
  switch (metric.kind) {
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
  const metrics = resolveMetrics(request.metrics, await store.storedMetricNames(orgId));
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
  });

  const daily = summary.days.map((day, i) => ({
    date: dates[i]!,
    values: Object.fromEntries(metrics.map((m) => [m.name, dayValue(day, m)])),
  }));
  const totals: Record<string, number> = {};
  for (const m of metrics) {
    totals[m.name] =
      m.kind === 'active_users'
        ? summary.totalActiveUsers
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
