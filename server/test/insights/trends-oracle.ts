/**
 * The data set and brute-force oracles of the trends and breakdown suites. One generated data set (people
 * with anonymous ids, some signing in through `$identify`, some bots, sessions sent by the client, events
 * around Europe's March 2024 DST change, colliding timestamps) goes through the API into every store; the
 * oracles are plain TypeScript over the generated events: local dates and offsets from Intl, sessions as
 * the events that share an id, and nothing of the server's code.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { bearer, type TestApp } from '../helpers.js';

const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const BASE = Date.UTC(2024, 2, 22); // 2024-03-22: Europe's spring DST change (31 Mar) is in reach

const HUMAN_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const MOBILE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';
const BOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
export const AGENTS = [
  { ua: HUMAN_UA, device: 'desktop', bot: false },
  { ua: MOBILE_UA, device: 'mobile', bot: false },
  { ua: BOT_UA, device: 'bot', bot: true },
];
const TYPES = ['page_view', 'signup', 'purchase', 'click'];
const PATHS = [null, '/home', '/pricing', '/docs/start'];
const PLANS = [undefined, 'pro', 'free', 'PRO'];
export const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'];
export const METRICS = [
  'events',
  'events:signup',
  'active_users',
  'visitors',
  'sessions',
  'pageviews',
  'bounce_rate',
  'avg_session_duration',
  'views_per_session',
];
const SESSION_METRICS = new Set(['sessions', 'bounce_rate', 'avg_session_duration', 'views_per_session']);
export const DIMENSIONS = ['prop.plan', 'device', 'path', 'user_id', 'event_type'];
export const FILTERS = [
  'prop.plan==pro',
  'prop.plan!=pro',
  'prop.plan~PR',
  'path==/pricing',
  'path!~doc',
  'device==mobile',
  'device!=desktop',
  'event_type!=click',
  'user_id!=user-1',
  'visitor_id~anon',
];

interface Person {
  anon: string;
  user: string | undefined;
  agent: number;
}
interface GenEvent {
  person: number;
  ts: number;
  type: string;
  path: string | null;
  plan: string | undefined;
  signedIn: boolean;
  session: string;
}
/** An event as the oracle sees it. */
export interface Row {
  visitor: string;
  user: string | null;
  ts: number;
  type: string;
  bot: boolean;
  /** Session id and bot flag. */
  session: string;
  dims: Record<string, string | null>;
}

const dataArb = fc
  .array(
    fc.record({
      user: fc.option(fc.constant(true), { nil: undefined }),
      agent: fc.nat({ max: 2 }),
      events: fc.array(
        fc.record({
          minute: fc.nat({ max: 20 * 24 * 60 }),
          type: fc.constantFrom(...TYPES),
          path: fc.constantFrom(...PATHS),
          plan: fc.constantFrom(...PLANS),
          signedIn: fc.boolean(),
        }),
        { minLength: 10, maxLength: 40 },
      ),
      cluster: fc.nat({ max: 20 * 24 * 60 }),
    }),
    { minLength: 12, maxLength: 16 },
  )
  .map((raw) => {
    const people: Person[] = raw.map((p, i) => ({
      anon: `anon-${i}`,
      user: p.user ? `user-${i}` : undefined,
      agent: p.agent,
    }));
    const events: GenEvent[] = raw.flatMap((p, i) =>
      p.events.map((e, k) => {
        const scattered = k % 3 === 0;
        return {
          person: i,
          // Two thirds cluster within an hour (one session, often equal timestamps); the rest scatter over
          // two sessions each, some of them many days long.
          ts: BASE + (scattered ? e.minute : p.cluster + (e.minute % 60)) * MINUTE,
          type: e.type,
          path: e.path,
          plan: e.plan,
          signedIn: people[i]!.user !== undefined && e.signedIn,
          session: scattered ? `s${i}-${k % 2}` : `s${i}-c`,
        };
      }),
    );
    return { people, events };
  });

const [DATA] = fc.sample(dataArb, { seed: 20241027, numRuns: 1 });
const { people, events } = DATA!;

export function oracleRows(): Row[] {
  const rows: Row[] = events.map((e) => {
    const p = people[e.person]!;
    const user = e.signedIn ? p.user! : null;
    const bot = AGENTS[p.agent]!.bot;
    return {
      visitor: user ?? p.user ?? p.anon,
      user,
      ts: e.ts,
      type: e.type,
      bot,
      session: `${e.session}:${bot}`,
      dims: {
        event_type: e.type,
        path: e.path,
        device: AGENTS[p.agent]!.device,
        user_id: user,
        visitor_id: user ?? p.anon,
        'prop.plan': e.plan ?? null,
      },
    };
  });
  for (const [i, p] of people.entries()) {
    if (!p.user) continue;
    const bot = AGENTS[p.agent]!.bot;
    rows.push({
      visitor: p.user,
      user: p.user,
      ts: BASE - DAY,
      type: '$identify',
      bot,
      session: `s${i}-id:${bot}`,
      dims: {
        event_type: '$identify',
        path: null,
        device: AGENTS[p.agent]!.device,
        user_id: p.user,
        visitor_id: p.user,
        'prop.plan': null,
      },
    });
  }
  return rows.sort((a, b) => a.ts - b.ts);
}

/** Sends the data set to a store through the API. */
export async function send(t: TestApp, token: string): Promise<void> {
  for (const [i, p] of people.entries()) {
    const body: Record<string, unknown>[] = events
      .filter((e) => e.person === i)
      .map((e) => ({
        event_id: crypto.randomUUID(),
        event_type: e.type,
        timestamp: new Date(e.ts).toISOString(),
        anonymous_id: p.anon,
        session_id: e.session,
        ...(e.signedIn ? { user_id: p.user } : {}),
        properties: e.plan === undefined ? {} : { plan: e.plan },
        ...(e.path === null ? {} : { context: { page: { path: e.path } } }),
      }));
    if (p.user) {
      body.push({
        event_id: crypto.randomUUID(),
        event_type: '$identify',
        timestamp: new Date(BASE - DAY).toISOString(),
        anonymous_id: p.anon,
        session_id: `s${i}-id`,
        user_id: p.user,
        properties: {},
      });
    }
    for (let k = 0; k < body.length; k += 100) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { ...bearer(token), 'user-agent': AGENTS[p.agent]!.ua },
        payload: { events: body.slice(k, k + 100) },
      });
      expect(res.statusCode, res.body).toBe(202);
    }
  }
}

// ---- filters -----------------------------------------------------------------------------------------

export function passes(row: Row, filter: string): boolean {
  const m = /^(prop\.[a-z]+|[a-z_]+)(==|!=|!~|~)(.*)$/.exec(filter)!;
  const [, dim, op, value] = m as unknown as [string, string, string, string];
  const actual = row.dims[dim] ?? null;
  const lower = (s: string) => s.toLowerCase();
  switch (op) {
    case '==':
      return actual === value;
    case '!=':
      return actual !== value;
    case '~':
      return actual !== null && lower(actual).includes(lower(value));
    default:
      return actual === null || !lower(actual).includes(lower(value));
  }
}

// ---- calendar, from Intl -----------------------------------------------------------------------------

const formats = new Map<string, Intl.DateTimeFormat>();
function fmt(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    });
    formats.set(tz, f);
  }
  return f;
}
function parts(ms: number, tz: string) {
  const p = Object.fromEntries(
    fmt(tz)
      .formatToParts(new Date(ms))
      .map((x) => [x.type, x.value]),
  );
  const offset = p.timeZoneName === 'GMT' ? '+00:00' : p.timeZoneName!.slice(3);
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}:${p.second}`, offset };
}
export const localDate = (ms: number, tz: string) => parts(ms, tz).date;
/** RFC 3339 with the zone's offset at that instant. */
export function rfc3339(ms: number, tz: string): string {
  const p = parts(ms, tz);
  return `${p.date}T${p.time}${p.offset}`;
}
/** The first instant of a local date, by walking quarter hours (every zone's changes fall on them). */
export function localMidnight(date: string, tz: string): number {
  let t = Date.parse(`${date}T00:00:00Z`) - 15 * HOUR;
  while (localDate(t, tz) < date) t += 15 * MINUTE;
  return t;
}
export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}
const isMonday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay() === 1;

// ---- the oracle --------------------------------------------------------------------------------------

export interface TrendsQ {
  metric: string[];
  start_date: string;
  end_date: string;
  tz: string;
  interval: 'hour' | 'day' | 'week' | 'month';
  filter?: string[];
  breakdown?: string;
  limit?: number;
  compare?: 'previous';
  include_bots?: boolean;
}

/** Buckets of a range: each one's start instant, and a function from an event's time to its bucket. */
function buckets(q: { start_date: string; end_date: string; tz: string; interval: TrendsQ['interval'] }) {
  const from = localMidnight(q.start_date, q.tz);
  const to = localMidnight(addDays(q.end_date, 1), q.tz);
  if (q.interval === 'hour') {
    const starts: number[] = [];
    for (let t = from; t < to; t += HOUR) starts.push(t);
    return { starts, of: (ts: number) => Math.floor((ts - from) / HOUR), from, to };
  }
  const dates: string[] = [];
  for (let d = q.start_date; d <= q.end_date; d = addDays(d, 1)) {
    const opens =
      d === q.start_date ||
      q.interval === 'day' ||
      (q.interval === 'week' && isMonday(d)) ||
      (q.interval === 'month' && d.endsWith('-01'));
    if (opens) dates.push(d);
  }
  const of = (ts: number) => {
    const d = localDate(ts, q.tz);
    let i = 0;
    while (i + 1 < dates.length && dates[i + 1]! <= d) i++;
    return i;
  };
  return { starts: dates.map((d) => localMidnight(d, q.tz)), of, from, to };
}

/** A metric's value over `rows` (the events of one bucket, or of the range), sessions by their start. */
function metricValue(
  metric: string,
  rows: Row[],
  sessionRows: Map<string, Row[]>,
  startsIn: (ts: number) => boolean,
): number {
  switch (metric) {
    case 'events':
      return rows.length;
    case 'pageviews':
      return rows.filter((r) => r.type === 'page_view').length;
    case 'active_users':
      return new Set(rows.flatMap((r) => (r.user === null ? [] : [r.user]))).size;
    case 'visitors':
      return new Set(rows.map((r) => r.visitor)).size;
  }
  if (metric.startsWith('events:')) return rows.filter((r) => r.type === metric.slice(7)).length;
  let n = 0;
  let bounces = 0;
  let ms = 0;
  let views = 0;
  for (const key of new Set(rows.map((r) => r.session))) {
    const all = sessionRows.get(key)!;
    const start = Math.min(...all.map((r) => r.ts));
    if (!startsIn(start)) continue;
    const pv = all.filter((r) => r.type === 'page_view').length;
    n++;
    if (all.length === 1 && pv === 1) bounces++;
    ms += Math.max(...all.map((r) => r.ts)) - start;
    views += pv;
  }
  const per = (x: number) => (n === 0 ? 0 : x / n);
  if (metric === 'sessions') return n;
  if (metric === 'bounce_rate') return per(bounces);
  if (metric === 'avg_session_duration') return per(ms) / 1000;
  return per(views);
}

/** Every event of the range that counts, and the sessions' whole rows. */
function selected(q: {
  start_date: string;
  end_date: string;
  tz: string;
  filter?: string[];
  include_bots?: boolean;
}) {
  const all = oracleRows();
  const sessionRows = new Map<string, Row[]>();
  for (const r of all) sessionRows.set(r.session, [...(sessionRows.get(r.session) ?? []), r]);
  const rows = all.filter((r) => {
    const d = localDate(r.ts, q.tz);
    return (
      (q.include_bots || !r.bot) &&
      d >= q.start_date &&
      d <= q.end_date &&
      (q.filter ?? []).every((f) => passes(r, f))
    );
  });
  return { rows, sessionRows };
}

/** Values by a total, descending, then by value (null last). */
function rank<T extends { value: string | null; key: number }>(xs: T[]): T[] {
  return xs.sort((a, b) => {
    if (a.key !== b.key) return b.key - a.key;
    if (a.value === b.value) return 0;
    if (a.value === null) return 1;
    if (b.value === null) return -1;
    return a.value < b.value ? -1 : 1;
  });
}

function trendSeriesOracle(q: TrendsQ, start: string, end: string) {
  const range = { ...q, start_date: start, end_date: end };
  const b = buckets(range);
  const { rows, sessionRows } = selected(range);
  const inRange = (ts: number) => ts >= b.from && ts < b.to;
  const seriesOf = (metric: string, group: Row[]) => {
    const perBucket = b.starts.map(() => [] as Row[]);
    for (const r of group) perBucket[b.of(r.ts)]!.push(r);
    return {
      metric,
      total: metricValue(metric, group, sessionRows, inRange),
      points: b.starts.map((t, i) => ({
        t: rfc3339(t, q.tz),
        // Sessions: those with an event of the group in the range that start in the bucket.
        value: SESSION_METRICS.has(metric)
          ? metricValue(metric, group, sessionRows, (s) => inRange(s) && b.of(s) === i)
          : metricValue(metric, perBucket[i]!, sessionRows, inRange),
      })),
    };
  };
  if (!q.breakdown) return q.metric.map((m) => seriesOf(m, rows));
  const dim = q.breakdown;
  const values = [...new Set(rows.map((r) => r.dims[dim] ?? null))];
  const ranked = rank(
    values.map((value) => ({
      value,
      key: metricValue(
        q.metric[0]!,
        rows.filter((r) => (r.dims[dim] ?? null) === value),
        sessionRows,
        inRange,
      ),
    })),
  );
  const top = ranked.slice(0, q.limit ?? 5).map((r) => r.value);
  const groups: [string | null, Row[]][] = [
    ...top.map((v) => [v, rows.filter((r) => (r.dims[dim] ?? null) === v)] as [string | null, Row[]]),
    ['$other', rows.filter((r) => !top.includes(r.dims[dim] ?? null))],
  ];
  return q.metric.flatMap((m) =>
    groups.map(([value, group]) => ({ ...seriesOf(m, group), breakdown_value: value })),
  );
}

export function trendsOracle(q: TrendsQ) {
  const out: Record<string, unknown> = {
    interval: q.interval,
    tz: q.tz,
    start_date: q.start_date,
    end_date: q.end_date,
    series: trendSeriesOracle(q, q.start_date, q.end_date),
  };
  if (q.compare) {
    const days = (Date.parse(q.end_date) - Date.parse(q.start_date)) / DAY + 1;
    const start = addDays(q.start_date, -days);
    const end = addDays(q.start_date, -1);
    out.compare = { start_date: start, end_date: end, series: trendSeriesOracle(q, start, end) };
  }
  return out;
}

export interface BreakdownQ {
  dimension: string;
  metric: string[];
  start_date: string;
  end_date: string;
  tz: string;
  filter?: string[];
  include_bots?: boolean;
}

/** Every row of a breakdown (all pages), and the totals. */
export function breakdownOracle(q: BreakdownQ) {
  const { rows, sessionRows } = selected(q);
  const from = localMidnight(q.start_date, q.tz);
  const to = localMidnight(addDays(q.end_date, 1), q.tz);
  const inRange = (ts: number) => ts >= from && ts < to;
  const valuesOf = (group: Row[]) =>
    Object.fromEntries(q.metric.map((m) => [m, metricValue(m, group, sessionRows, inRange)]));
  const values = [...new Set(rows.map((r) => r.dims[q.dimension] ?? null))];
  const data = rank(
    values.map((value) => {
      const v = valuesOf(rows.filter((r) => (r.dims[q.dimension] ?? null) === value));
      return { value, values: v, key: v[q.metric[0]!]! };
    }),
  ).map(({ value, values }) => ({ value, values }));
  return { dimension: q.dimension, metrics: q.metric, data, totals: valuesOf(rows) };
}

export function queryUrl(path: string, q: object): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) params.append(k, String(x));
    else params.set(k, String(v));
  }
  return `${path}?${params}`;
}

export const dateArb = fc
  .nat({ max: 22 })
  .map((d) => new Date(BASE - DAY + d * DAY).toISOString().slice(0, 10));
export const rangeArb = fc
  .tuple(dateArb, dateArb)
  .map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [string, string]);
export const filtersArb = fc.option(fc.uniqueArray(fc.constantFrom(...FILTERS), { maxLength: 2 }), {
  nil: undefined,
});
export const metricsArb = fc.uniqueArray(fc.constantFrom(...METRICS), { minLength: 1, maxLength: 3 });
