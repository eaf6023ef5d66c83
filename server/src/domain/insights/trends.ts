/**
 * Trends (`GET /api/v1/insights/trends`): the metrics-summary metrics per hour, local day, ISO week or month
 * of a zone, optionally per value of a dimension. Both stores hand over the same stream of matching events
 * (`scanMetricEvents`) and the counting happens here, once, so their answers cannot differ.
 *
 * A metric means what it means in the summary, over the events that pass the filters (bots only with
 * `include_bots`): `visitors` and `active_users` are distinct within each bucket and over the range,
 * sessions count in the bucket they start in (when that is inside the range) with the whole session's
 * facts. With a breakdown, the series of a value is what the request with one more filter
 * `<dimension>==<value>` would answer, and `$other` what it would answer for every value not shown.
 */
import { ApiError, type FieldError } from '../../lib/errors.js';
import type { Dimension, Filter } from '../../lib/filters.js';
import { DAY_MS, formatDay, parseDayRange, startOfLocalDay, zoneOffset } from '../../lib/time.js';
import { PAGE_VIEW_EVENT } from '../../store/sessions.js';
import type { EventStore, MetricEventRow, MetricTally, SessionFacts } from '../../store/types.js';
import { type Metric, resolveMetrics } from '../metrics.js';
import { type Budget, dimensionAt, filtersAt, invalid } from './index.js';
import { periodStart, type RetentionPeriod } from './retention.js';

export type Interval = 'hour' | 'day' | 'week' | 'month';
/** The longest range an hourly trend covers, days. */
export const MAX_HOUR_DAYS = 31;
const HOUR_MS = 3_600_000;
const OTHER = '$other';

const SESSION_KINDS: ReadonlySet<string> = new Set([
  'sessions',
  'bounce_rate',
  'avg_session_duration',
  'views_per_session',
]);

/**
 * The instants where the buckets of local days `start..end` begin, and where the last ends (length
 * buckets + 1). Hours are hours of elapsed time from the first local midnight, so a DST day has 23 or 25 of
 * them; days, weeks and months begin at local midnights, the first cut to the range's start.
 */
export function bucketBounds(start: number, end: number, tz: string, interval: Interval): number[] {
  const from = startOfLocalDay(start, tz);
  const to = startOfLocalDay(end + 1, tz);
  if (interval === 'hour') {
    const out: number[] = [];
    for (let t = from; t < to; t += HOUR_MS) out.push(t);
    out.push(to);
    return out;
  }
  const days: number[] = [start];
  const period: RetentionPeriod = interval;
  for (let d = start + 1; d <= end; d++) if (periodStart(d, period) === d) days.push(d);
  days.push(end + 1);
  return days.map((d) => startOfLocalDay(d, tz));
}

/** An instant as RFC 3339 with the zone's offset at that instant (`2024-03-31T03:00:00+02:00`). */
export function formatLocal(ms: number, tz: string): string {
  const offset = zoneOffset(ms, tz);
  const local = new Date(ms + offset).toISOString().slice(0, 19);
  const abs = Math.abs(offset) / 60_000;
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${offset < 0 ? '-' : '+'}${hh}:${mm}`;
}

/** What the metrics asked for need read from each event. */
function needs(metrics: Metric[]) {
  return {
    user: metrics.some((m) => m.kind === 'active_users'),
    visitor: metrics.some((m) => m.kind === 'visitors'),
    session: metrics.some((m) => SESSION_KINDS.has(m.kind)),
  };
}

/**
 * The counts of one group of events (all of them, or one breakdown value) per bucket and over the range.
 * Sets are made only for the buckets that have a member.
 */
export class GroupCounts {
  readonly events: Float64Array;
  readonly pageviews: Float64Array;
  readonly byType = new Map<string, Float64Array>();
  readonly users: (Set<string> | undefined)[];
  readonly visitors: (Set<string> | undefined)[];
  readonly allUsers = new Set<string>();
  readonly allVisitors = new Set<string>();
  /** The sessions with an event in the group, by key (bucketed by their start when read). */
  readonly sessions = new Map<string, SessionFacts>();

  constructor(buckets: number) {
    this.events = new Float64Array(buckets);
    this.pageviews = new Float64Array(buckets);
    this.users = new Array(buckets);
    this.visitors = new Array(buckets);
  }

  add(row: MetricEventRow, b: number, types: ReadonlySet<string>): void {
    this.events[b]!++;
    if (row.type === PAGE_VIEW_EVENT) this.pageviews[b]!++;
    if (types.has(row.type)) {
      let counts = this.byType.get(row.type);
      if (!counts) {
        counts = new Float64Array(this.events.length);
        this.byType.set(row.type, counts);
      }
      counts[b]!++;
    }
    if (row.user !== null) {
      setAt(this.users, b).add(row.user);
      this.allUsers.add(row.user);
    }
    if (row.visitor !== null) {
      setAt(this.visitors, b).add(row.visitor);
      this.allVisitors.add(row.visitor);
    }
    if (row.session !== null) this.sessions.set(row.session.key, row.session);
  }

  /** Another group's counts added to these (a union for the distinct ones). */
  merge(other: GroupCounts): void {
    for (let b = 0; b < this.events.length; b++) {
      this.events[b]! += other.events[b]!;
      this.pageviews[b]! += other.pageviews[b]!;
      const u = other.users[b];
      if (u) for (const x of u) setAt(this.users, b).add(x);
      const v = other.visitors[b];
      if (v) for (const x of v) setAt(this.visitors, b).add(x);
    }
    for (const [type, counts] of other.byType) {
      let mine = this.byType.get(type);
      if (!mine) {
        mine = new Float64Array(this.events.length);
        this.byType.set(type, mine);
      }
      for (let b = 0; b < counts.length; b++) mine[b]! += counts[b]!;
    }
    for (const u of other.allUsers) this.allUsers.add(u);
    for (const v of other.allVisitors) this.allVisitors.add(v);
    for (const [k, s] of other.sessions) this.sessions.set(k, s);
  }

  /** The group's counts per bucket, sessions by the bucket they start in (inside the range only). */
  tally(bounds: number[]): MetricTally {
    const n = this.events.length;
    const zeros = () => new Array<number>(n).fill(0);
    const t: MetricTally = {
      events: [...this.events],
      pageviews: [...this.pageviews],
      byType: Object.fromEntries([...this.byType].map(([type, counts]) => [type, [...counts]])),
      users: Array.from(this.users, (s) => s?.size ?? 0),
      visitors: Array.from(this.visitors, (s) => s?.size ?? 0),
      totalUsers: this.allUsers.size,
      totalVisitors: this.allVisitors.size,
      sessions: zeros(),
      bounces: zeros(),
      durationMs: zeros(),
      sessionPageviews: zeros(),
    };
    const from = bounds[0]!;
    const to = bounds[n]!;
    for (const s of this.sessions.values()) {
      if (s.startTs < from || s.startTs >= to) continue;
      const b = bucketOf(bounds, s.startTs);
      t.sessions[b]!++;
      if (s.events === 1 && s.pageviews === 1) t.bounces[b]!++;
      t.durationMs[b]! += s.endTs - s.startTs;
      t.sessionPageviews[b]! += s.pageviews;
    }
    return t;
  }
}

/** Each metric's value per bucket and its total over the range, from a group's tally. */
export function tallyValues(t: MetricTally, metrics: Metric[]): { points: number[]; total: number }[] {
  const n = t.events.length;
  const sum = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0);
  const per = (x: number, count: number) => (count === 0 ? 0 : x / count);
  const sessions = sum(t.sessions);
  const rate = (xs: number[], scale = 1) => ({
    points: xs.map((x, b) => per(x, t.sessions[b]!) / scale),
    total: per(sum(xs), sessions) / scale,
  });
  const counts = (xs: number[]) => ({ points: xs, total: sum(xs) });
  return metrics.map((m) => {
    switch (m.kind) {
      case 'events':
        return counts(t.events);
      case 'pageviews':
        return counts(t.pageviews);
      case 'event_type':
        return counts(t.byType[m.eventType] ?? new Array<number>(n).fill(0));
      case 'active_users':
        return { points: t.users, total: t.totalUsers };
      case 'visitors':
        return { points: t.visitors, total: t.totalVisitors };
      case 'sessions':
        return counts(t.sessions);
      case 'bounce_rate':
        return rate(t.bounces);
      case 'avg_session_duration':
        return rate(t.durationMs, 1000);
      case 'views_per_session':
        return rate(t.sessionPageviews);
      case 'stored':
        // Stored metrics are answered apart (`storedValues`).
        return counts(new Array<number>(n).fill(0));
    }
    return m satisfies never;
  });
}

/** The set of bucket `b`, made on first use. */
function setAt(sets: (Set<string> | undefined)[], b: number): Set<string> {
  let s = sets[b];
  if (!s) {
    s = new Set();
    sets[b] = s;
  }
  return s;
}

/** The bucket holding instant `t` (bounds[0] <= t < bounds[last]). */
export function bucketOf(bounds: number[], t: number): number {
  let lo = 0;
  let hi = bounds.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (bounds[mid]! <= t) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The scan's events counted per group: `all` and, with a breakdown, per value (`\0` keys the null). */
export async function countGroups(
  store: Pick<EventStore, 'scanMetricEvents'>,
  scan: {
    orgId: string;
    filters: Filter[];
    includeBots: boolean;
    breakdown?: Dimension | undefined;
  },
  metrics: Metric[],
  bounds: number[],
  budget: Budget,
): Promise<{ all: GroupCounts; groups: Map<string | null, GroupCounts> }> {
  const n = bounds.length - 1;
  const types = new Set(metrics.flatMap((m) => (m.kind === 'event_type' ? [m.eventType] : [])));
  const all = new GroupCounts(n);
  const groups = new Map<string | null, GroupCounts>();
  const rows = store.scanMetricEvents({
    orgId: scan.orgId,
    fromTs: bounds[0]!,
    toTs: bounds[n]!,
    filters: scan.filters,
    includeBots: scan.includeBots,
    ...(scan.breakdown ? { breakdown: scan.breakdown } : {}),
    need: needs(metrics),
    ...budget,
  });
  let b = 0;
  for await (const chunk of rows) {
    for (const row of chunk) {
      // Rows come in time order, so the bucket only moves forward.
      while (row.ts >= bounds[b + 1]!) b++;
      all.add(row, b, types);
      if (scan.breakdown) {
        const value = row.value ?? null;
        let g = groups.get(value);
        if (!g) {
          g = new GroupCounts(n);
          groups.set(value, g);
        }
        g.add(row, b, types);
      }
    }
  }
  return { all, groups };
}

/** Breakdown values by a total, descending, then by value (null last). */
export function compareRanked(
  a: { value: string | null; key: number },
  b: { value: string | null; key: number },
): number {
  if (a.key !== b.key) return b.key - a.key;
  if (a.value === b.value) return 0;
  if (a.value === null) return 1;
  if (b.value === null) return -1;
  return a.value < b.value ? -1 : 1;
}

/** Metric names resolved for these endpoints (`metric`, default `visitors`); errors name `/metric`. */
export async function resolveInsightMetrics(
  store: Pick<EventStore, 'storedMetricNames'>,
  orgId: string,
  requested: readonly string[] | undefined,
): Promise<Metric[]> {
  try {
    return resolveMetrics(
      requested && requested.length > 0 ? requested : ['visitors'],
      await store.storedMetricNames(orgId),
    );
  } catch (err) {
    if (err instanceof ApiError && err.code === 'unknown_metric') {
      throw new ApiError('unknown_metric', err.message, {
        errors: (err.errors ?? []).map((e) => ({ ...e, path: '/metric' })),
      });
    }
    throw err;
  }
}

/** A 422 for stored metrics where they cannot apply (`why`). */
export function storedRefused(metrics: Metric[], why: string, path = '/metric'): void {
  const stored = metrics.filter((m) => m.kind === 'stored');
  if (stored.length === 0) return;
  throw new ApiError(
    'validation_failed',
    `Stored metrics (${stored.map((m) => `"${m.name}"`).join(', ')}) are daily numbers, not events: ${why}.`,
    { errors: stored.map((m) => ({ path, message: `"${m.name}" is a stored metric: ${why}` })) },
  );
}

export interface TrendsInput {
  metric?: string[] | undefined;
  start_date?: string | undefined;
  end_date?: string | undefined;
  tz?: string | undefined;
  interval?: Interval | undefined;
  filter?: string[] | undefined;
  breakdown?: string | undefined;
  limit?: number | undefined;
  compare?: 'previous' | undefined;
  include_bots?: boolean | undefined;
}

/** Validate a trends request completely (before any slot or query is taken). */
export function prepareTrends(orgId: string, q: TrendsInput) {
  const errors: FieldError[] = [];
  const r = parseDayRange(q, errors);
  const filters = filtersAt(q.filter, '/filter', errors);
  const breakdown = q.breakdown === undefined ? undefined : dimensionAt(q.breakdown, '/breakdown', errors);
  const interval = q.interval ?? 'day';
  if (r && interval === 'hour' && r.end - r.start + 1 > MAX_HOUR_DAYS) {
    errors.push({
      path: '/interval',
      message: `hour needs a range of at most ${MAX_HOUR_DAYS} days; ask for day, week or month`,
    });
  }
  if (errors.length > 0 || !r) throw invalid(errors);
  return {
    orgId,
    ...r,
    interval,
    filters,
    breakdown,
    limit: q.limit ?? 5,
    compare: q.compare === 'previous',
    includeBots: q.include_bots === true,
    metric: q.metric,
  };
}

type TrendsPlan = ReturnType<typeof prepareTrends>;

export interface TrendSeriesOut {
  metric: string;
  breakdown_value?: string | null;
  total: number;
  points: { t: string; value: number }[];
}

export interface TrendsOutput {
  interval: Interval;
  tz: string;
  start_date: string;
  end_date: string;
  series: TrendSeriesOut[];
  compare?: { start_date: string; end_date: string; series: TrendSeriesOut[] };
}

export async function runTrends(
  store: Pick<EventStore, 'scanMetricEvents' | 'storedMetricNames' | 'metricsSummary' | 'metricRollups'>,
  plan: TrendsPlan,
  budget: Budget,
): Promise<TrendsOutput> {
  const metrics = await resolveInsightMetrics(store, plan.orgId, plan.metric);
  if (plan.interval === 'hour') storedRefused(metrics, 'they have no hours');
  if (plan.breakdown) storedRefused(metrics, 'they cannot be broken down');
  if (plan.filters.length > 0) storedRefused(metrics, 'they cannot be filtered');
  const out: TrendsOutput = {
    interval: plan.interval,
    tz: plan.tz,
    start_date: formatDay(plan.start),
    end_date: formatDay(plan.end),
    series: await trendSeries(store, plan, metrics, plan.start, plan.end, budget),
  };
  if (plan.compare) {
    const days = plan.end - plan.start + 1;
    out.compare = {
      start_date: formatDay(plan.start - days),
      end_date: formatDay(plan.start - 1),
      series: await trendSeries(store, plan, metrics, plan.start - days, plan.start - 1, budget),
    };
  }
  return out;
}

async function trendSeries(
  store: Pick<EventStore, 'scanMetricEvents' | 'metricsSummary' | 'metricRollups'>,
  plan: TrendsPlan,
  metrics: Metric[],
  start: number,
  end: number,
  budget: Budget,
): Promise<TrendSeriesOut[]> {
  const bounds = bucketBounds(start, end, plan.tz, plan.interval);
  const times = bounds.slice(0, -1).map((t) => formatLocal(t, plan.tz));
  const series = (metric: string, v: { points: number[]; total: number }) => ({
    metric,
    total: v.total,
    points: v.points.map((value, i) => ({ t: times[i]!, value })),
  });
  const counted = metrics.filter((m) => m.kind !== 'stored');
  if (!plan.breakdown) {
    // Without filters the store's rollups may answer, in O(hours) rows; else one scan of the range.
    const need = needs(counted);
    const rolled =
      plan.filters.length === 0 && store.metricRollups
        ? await store.metricRollups({
            orgId: plan.orgId,
            bounds,
            eventTypes: counted.flatMap((m) => (m.kind === 'event_type' ? [m.eventType] : [])),
            countBots: plan.includeBots,
            peopleBots: plan.includeBots,
            users: need.user,
            visitors: need.visitor,
            sessions: need.session,
          })
        : null;
    const tally = rolled ?? (await countGroups(store, plan, counted, bounds, budget)).all.tally(bounds);
    const values = tallyValues(tally, counted);
    const stored = await storedValues(store, plan, metrics, start, end, bounds);
    let c = 0;
    return metrics.map((m) => series(m.name, m.kind === 'stored' ? stored.get(m.name)! : values[c++]!));
  }
  const { groups } = await countGroups(store, plan, counted, bounds, budget);
  const ranked = [...groups]
    .map(([value, g]) => ({ value, g, key: tallyValues(g.tally(bounds), counted.slice(0, 1))[0]!.total }))
    .sort(compareRanked);
  const top = ranked.slice(0, plan.limit);
  const other = new GroupCounts(bounds.length - 1);
  for (const r of ranked.slice(plan.limit)) other.merge(r.g);
  const perGroup = [
    ...top.map((r) => ({ value: r.value, values: tallyValues(r.g.tally(bounds), counted) })),
    { value: OTHER as string | null, values: tallyValues(other.tally(bounds), counted) },
  ];
  return counted.flatMap((m, i) =>
    perGroup.map((g) => ({ ...series(m.name, g.values[i]!), breakdown_value: g.value })),
  ) as TrendSeriesOut[];
}

/** Stored metrics summed over the calendar dates of each bucket (they are numbers per date, no zone). */
async function storedValues(
  store: Pick<EventStore, 'metricsSummary'>,
  plan: TrendsPlan,
  metrics: Metric[],
  start: number,
  end: number,
  bounds: number[],
): Promise<Map<string, { points: number[]; total: number }>> {
  const names = metrics.flatMap((m) => (m.kind === 'stored' ? [m.name] : []));
  const out = new Map<string, { points: number[]; total: number }>();
  if (names.length === 0) return out;
  const dates: string[] = [];
  const dayStarts: number[] = [];
  for (let d = start; d <= end; d++) {
    dates.push(formatDay(d));
    dayStarts.push(d * DAY_MS);
  }
  dayStarts.push((end + 1) * DAY_MS);
  // UTC day boundaries and nothing but stored metrics asked: the store reads only its `metrics` table.
  const summary = await store.metricsSummary({
    orgId: plan.orgId,
    dayStarts,
    dates,
    events: false,
    activeUsers: false,
    eventTypes: [],
    storedMetrics: names,
  });
  for (const name of names) {
    const points = new Array<number>(bounds.length - 1).fill(0);
    summary.days.forEach((day, i) => {
      const b = bucketOf(bounds, startOfLocalDay(start + i, plan.tz));
      points[b]! += day.stored[name] ?? 0;
    });
    out.set(name, { points, total: points.reduce((a, x) => a + x, 0) });
  }
  return out;
}
