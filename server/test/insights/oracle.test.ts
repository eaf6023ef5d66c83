/**
 * POST /api/v1/insights/funnel and GET /api/v1/insights/retention against brute-force oracles, on both
 * stores at once: one generated data set (people with anonymous ids, some signing in through `$identify`,
 * some bots, events around the 2024 daylight-saving changes, timestamps that collide) goes through the API
 * into every store; fast-check then draws funnels (steps, per-step and global filters, windows, zones,
 * breakdowns) and retention queries, and each store's answer must equal the oracle's and the other
 * store's. The oracles below are plain TypeScript over the generated events: an exhaustive search for the
 * furthest step, local dates from Intl, and nothing of the server's code.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, HISTORIC_TIMESTAMPS, orgId, stores, type TestApp } from '../helpers.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const BASE = Date.UTC(2024, 2, 22); // 2024-03-22: both DST changes of Europe (31 Mar) are in reach

const HUMAN_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const MOBILE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';
const BOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const AGENTS = [
  { ua: HUMAN_UA, device: 'desktop', bot: false },
  { ua: MOBILE_UA, device: 'mobile', bot: false },
  { ua: BOT_UA, device: 'bot', bot: true },
];
const TYPES = ['page_view', 'signup', 'purchase', 'click'];
const PATHS = [null, '/home', '/pricing', '/docs/start'];
const PLANS = [undefined, 'pro', 'free', 'PRO'];
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'];

interface Person {
  anon: string;
  /** Signs in (events with user_id, and an `$identify` linking the anonymous id) or never. */
  user: string | undefined;
  agent: number;
}
interface GenEvent {
  person: number;
  ts: number;
  type: string;
  path: string | null;
  plan: string | undefined;
  /** Sent with the user id (after sign-in) or only the anonymous id. */
  signedIn: boolean;
}
/** An event as the oracle sees it: its visitor and every dimension the filters use. */
interface Row {
  visitor: string;
  ts: number;
  type: string;
  bot: boolean;
  dims: Record<string, string | null>;
}

// ---- the data set -------------------------------------------------------------------------------------

const dataArb = fc
  .array(
    fc.record({
      user: fc.option(fc.constant(true), { nil: undefined }),
      agent: fc.nat({ max: 2 }),
      events: fc.array(
        fc.record({
          // Whole minutes from BASE, so events of one visitor often share a timestamp.
          minute: fc.nat({ max: 20 * 24 * 60 }),
          type: fc.constantFrom(...TYPES),
          path: fc.constantFrom(...PATHS),
          plan: fc.constantFrom(...PLANS),
          signedIn: fc.boolean(),
        }),
        { minLength: 15, maxLength: 50 },
      ),
      cluster: fc.nat({ max: 20 * 24 * 60 }),
    }),
    { minLength: 12, maxLength: 18 },
  )
  .map((raw) => {
    const people: Person[] = raw.map((p, i) => ({
      anon: `anon-${i}`,
      user: p.user ? `user-${i}` : undefined,
      agent: p.agent,
    }));
    const events: GenEvent[] = raw.flatMap((p, i) =>
      p.events.map((e, k) => ({
        person: i,
        // Two thirds of the events cluster within an hour (equal timestamps are common), so funnels inside short windows happen.
        ts: BASE + (k % 3 === 0 ? e.minute : p.cluster + (e.minute % 60)) * MINUTE,
        type: e.type,
        path: e.path,
        plan: e.plan,
        signedIn: people[i]!.user !== undefined && e.signedIn,
      })),
    );
    return { people, events };
  });

const [DATA] = fc.sample(dataArb, { seed: 20240331, numRuns: 1 });
const { people, events } = DATA!;

function oracleRows(): Row[] {
  const rows: Row[] = events.map((e) => {
    const p = people[e.person]!;
    const user = e.signedIn ? p.user! : null;
    // user first; an anonymous id that $identify linked counts as its user.
    const visitor = user ?? p.user ?? p.anon;
    return {
      visitor,
      ts: e.ts,
      type: e.type,
      bot: AGENTS[p.agent]!.bot,
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
  // The $identify events themselves: one per signed-in person, at BASE - 1 day (before every range).
  for (const p of people) {
    if (!p.user) continue;
    rows.push({
      visitor: p.user,
      ts: BASE - DAY,
      type: '$identify',
      bot: AGENTS[p.agent]!.bot,
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

// ---- filters, as the oracle applies them ------------------------------------------------------------

const FILTERS = [
  'prop.plan==pro',
  'prop.plan!=pro',
  'prop.plan~PR',
  'prop.plan!~fr',
  'path==/pricing',
  'path!~doc',
  'path~/',
  'device==mobile',
  'device!=desktop',
  'event_type!=click',
  'user_id!=user-1',
  'visitor_id~anon',
];

function passes(row: Row, filter: string): boolean {
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

// ---- calendar ----------------------------------------------------------------------------------------

const dateFormats = new Map<string, Intl.DateTimeFormat>();
function localDate(ms: number, tz: string): string {
  let f = dateFormats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(tz, f);
  }
  return f.format(new Date(ms));
}
/** The label of the period holding a local date: itself, its Monday, or its month's first day. */
function periodLabel(date: string, period: 'day' | 'week' | 'month'): string {
  if (period === 'day') return date;
  if (period === 'month') return `${date.slice(0, 7)}-01`;
  const d = new Date(`${date}T00:00:00Z`);
  const back = (d.getUTCDay() + 6) % 7;
  return new Date(d.getTime() - back * DAY).toISOString().slice(0, 10);
}
function addPeriods(label: string, period: 'day' | 'week' | 'month', n: number): string {
  const d = new Date(`${label}T00:00:00Z`);
  if (period === 'day') return new Date(d.getTime() + n * DAY).toISOString().slice(0, 10);
  if (period === 'week') return new Date(d.getTime() + 7 * n * DAY).toISOString().slice(0, 10);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1)).toISOString().slice(0, 10);
}
const inRange = (ms: number, tz: string, start: string, end: string) => {
  const d = localDate(ms, tz);
  return d >= start && d <= end;
};

// ---- the funnel oracle -------------------------------------------------------------------------------

interface FunnelQuery {
  steps: { event_type: string; filter?: string[] }[];
  window_seconds: number;
  start_date: string;
  end_date: string;
  tz: string;
  filter?: string[];
  breakdown?: string;
  limit?: number;
  include_bots?: boolean;
}

interface StepOut {
  index: number;
  event_type: string;
  visitors: number;
  conversion_from_first: number;
  conversion_from_previous: number;
  median_seconds_from_previous: number | null;
}

function funnelOracle(q: FunnelQuery): {
  steps: StepOut[];
  breakdown?: { value: string | null; steps: StepOut[] }[];
} {
  const rows = oracleRows().filter(
    (r) =>
      (q.include_bots || !r.bot) &&
      inRange(r.ts, q.tz, q.start_date, q.end_date) &&
      (q.filter ?? []).every((f) => passes(r, f)),
  );
  const matches = (r: Row, k: number) =>
    r.type === q.steps[k]!.event_type && (q.steps[k]!.filter ?? []).every((f) => passes(r, f));
  const byVisitor = new Map<string, Row[]>();
  for (const r of rows) byVisitor.set(r.visitor, [...(byVisitor.get(r.visitor) ?? []), r]);
  const windowMs = q.window_seconds * 1000;
  const n = q.steps.length;
  const outcomes: { level: number; times: number[]; value: string | null }[] = [];
  for (const list of byVisitor.values()) {
    let best: { level: number; times: number[]; value: string | null } | undefined;
    for (const start of list) {
      if (!matches(start, 0)) continue;
      // Exhaustive: the deepest chain of strictly later events within the window.
      const deepest = (k: number, prev: number): number => {
        if (k === n) return n;
        let d = k;
        for (const r of list) {
          if (r.ts > prev && r.ts <= start.ts + windowMs && matches(r, k))
            d = Math.max(d, deepest(k + 1, r.ts));
          if (d === n) break;
        }
        return d;
      };
      const level = deepest(1, start.ts);
      // The reported times: each step at the earliest time any chain reaches it.
      const times = [start.ts];
      for (let k = 1; k < level; k++) {
        const prev = times[k - 1]!;
        times.push(
          Math.min(
            ...list
              .filter((r) => r.ts > prev && r.ts <= start.ts + windowMs && matches(r, k))
              .map((r) => r.ts),
          ),
        );
      }
      const value = q.breakdown ? (start.dims[q.breakdown] ?? null) : null;
      const lower = (a: string | null, b: string | null) => a !== null && (b === null || a < b);
      if (
        !best ||
        level > best.level ||
        (level === best.level &&
          (start.ts < best.times[0]! || (start.ts === best.times[0]! && lower(value, best.value))))
      ) {
        best = { level, times, value };
      }
    }
    if (best) outcomes.push(best);
  }
  const stepsOf = (os: typeof outcomes): StepOut[] =>
    q.steps.map((s, k) => {
      const reached = os.filter((o) => o.level > k);
      const prevCount = k === 0 ? reached.length : os.filter((o) => o.level > k - 1).length;
      const first = os.filter((o) => o.level > 0).length;
      const gaps = k === 0 ? [] : reached.map((o) => o.times[k]! - o.times[k - 1]!).sort((a, b) => a - b);
      const mid = Math.floor(gaps.length / 2);
      const median =
        gaps.length === 0 ? null : (gaps.length % 2 ? gaps[mid]! : (gaps[mid - 1]! + gaps[mid]!) / 2) / 1000;
      return {
        index: k,
        event_type: s.event_type,
        visitors: reached.length,
        conversion_from_first: first === 0 ? 0 : reached.length / first,
        conversion_from_previous: prevCount === 0 ? 0 : reached.length / prevCount,
        median_seconds_from_previous: median,
      };
    });
  const out: ReturnType<typeof funnelOracle> = { steps: stepsOf(outcomes) };
  if (q.breakdown) {
    const groups = new Map<string | null, typeof outcomes>();
    for (const o of outcomes) groups.set(o.value, [...(groups.get(o.value) ?? []), o]);
    const ranked = [...groups.entries()].sort(([a, x], [b, y]) => {
      if (y.length !== x.length) return y.length - x.length;
      if (a === null) return 1;
      if (b === null) return -1;
      return a < b ? -1 : a > b ? 1 : 0;
    });
    const limit = q.limit ?? 5;
    out.breakdown = ranked.slice(0, limit).map(([value, g]) => ({ value, steps: stepsOf(g) }));
    const rest = ranked.slice(limit).flatMap(([, g]) => g);
    if (rest.length > 0) out.breakdown.push({ value: '$other', steps: stepsOf(rest) });
  }
  return out;
}

// ---- the retention oracle ----------------------------------------------------------------------------

interface RetentionQueryT {
  start_event?: string;
  return_event?: string;
  period: 'day' | 'week' | 'month';
  periods: number;
  start_date: string;
  end_date: string;
  tz: string;
  filter?: string[];
  include_bots?: boolean;
}

function retentionOracle(q: RetentionQueryT) {
  const rows = oracleRows().filter(
    (r) => (q.include_bots || !r.bot) && (q.filter ?? []).every((f) => passes(r, f)),
  );
  const labels: string[] = [];
  for (let l = periodLabel(q.start_date, q.period); l <= q.end_date; l = addPeriods(l, q.period, 1))
    labels.push(l);
  const cohorts = labels.map((cohort) => ({
    cohort,
    size: 0,
    retained: new Array<number>(q.periods).fill(0),
  }));
  const visitors = new Set(rows.map((r) => r.visitor));
  for (const v of visitors) {
    const mine = rows.filter((r) => r.visitor === v);
    const first = mine.find(
      (r) =>
        (q.start_event === undefined || r.type === q.start_event) &&
        inRange(r.ts, q.tz, q.start_date, q.end_date),
    );
    if (!first) continue;
    const label = periodLabel(localDate(first.ts, q.tz), q.period);
    const c = cohorts[labels.indexOf(label)]!;
    c.size++;
    for (let n = 0; n < q.periods; n++) {
      const target = addPeriods(label, q.period, n);
      if (
        mine.some(
          (r) =>
            (q.return_event === undefined || r.type === q.return_event) &&
            r.ts >= first.ts &&
            periodLabel(localDate(r.ts, q.tz), q.period) === target,
        )
      ) {
        c.retained[n]!++;
      }
    }
  }
  return { period: q.period, cohorts };
}

// ---- the stores --------------------------------------------------------------------------------------

const apps: { name: string; t: TestApp; token: string }[] = [];
const ORG = orgId('insights_oracle');

async function send(t: TestApp, token: string): Promise<void> {
  for (const [i, p] of people.entries()) {
    const mine = events.filter((e) => e.person === i);
    const body = mine.map((e) => ({
      event_id: crypto.randomUUID(),
      event_type: e.type,
      timestamp: new Date(e.ts).toISOString(),
      anonymous_id: p.anon,
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

beforeAll(async () => {
  for (const s of stores) {
    const t = await createTestApp(s, { env: { ...HISTORIC_TIMESTAMPS } });
    const token = await t.token({ org: ORG });
    await send(t, token);
    apps.push({ name: s.name, t, token });
  }
}, 120_000);

afterAll(async () => {
  for (const a of apps) await a.t.close();
});

const dateArb = fc.nat({ max: 22 }).map((d) => new Date(BASE - DAY + d * DAY).toISOString().slice(0, 10));
const rangeArb = fc.tuple(dateArb, dateArb).map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [string, string]);
const filtersArb = fc.option(fc.uniqueArray(fc.constantFrom(...FILTERS), { maxLength: 2 }), {
  nil: undefined,
});

const funnelArb: fc.Arbitrary<FunnelQuery> = fc
  .record({
    steps: fc.array(
      fc.record({
        event_type: fc.constantFrom(...TYPES, '$identify'),
        filter: fc.option(fc.uniqueArray(fc.constantFrom(...FILTERS), { maxLength: 1 }), {
          nil: undefined,
          freq: 2,
        }),
      }),
      { minLength: 2, maxLength: 3 },
    ),
    window_seconds: fc.constantFrom(60, 1800, 3 * 3600, 86_400, 7 * 86_400),
    range: rangeArb,
    tz: fc.constantFrom(...ZONES),
    filter: filtersArb,
    breakdown: fc.option(fc.constantFrom('prop.plan', 'device', 'path', 'user_id'), { nil: undefined }),
    limit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    include_bots: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map(({ range, steps, ...q }) => {
    const out: FunnelQuery = {
      ...q,
      steps: steps.map(
        (s) => (s.filter === undefined ? { event_type: s.event_type } : s) as FunnelQuery['steps'][number],
      ),
      start_date: range[0],
      end_date: range[1],
    };
    for (const k of Object.keys(out) as (keyof FunnelQuery)[]) if (out[k] === undefined) delete out[k];
    return out;
  });

const retentionArb: fc.Arbitrary<RetentionQueryT> = fc
  .record({
    start_event: fc.option(fc.constantFrom(...TYPES), { nil: undefined }),
    return_event: fc.option(fc.constantFrom(...TYPES), { nil: undefined }),
    period: fc.constantFrom('day', 'week', 'month') as fc.Arbitrary<'day' | 'week' | 'month'>,
    periods: fc.integer({ min: 1, max: 10 }),
    range: rangeArb,
    tz: fc.constantFrom(...ZONES),
    filter: filtersArb,
    include_bots: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map(({ range, ...q }) => {
    const out: RetentionQueryT = { ...q, start_date: range[0], end_date: range[1] };
    for (const k of Object.keys(out) as (keyof RetentionQueryT)[]) if (out[k] === undefined) delete out[k];
    return out;
  });

function retentionUrl(q: RetentionQueryT): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (k === 'filter') for (const f of v as string[]) params.append('filter', f);
    else params.set(k, String(v));
  }
  return `/api/v1/insights/retention?${params}`;
}

describe('POST /api/v1/insights/funnel', () => {
  it('equals the brute-force oracle on every store', async () => {
    let converted = 0;
    await fc.assert(
      fc.asyncProperty(funnelArb, async (q) => {
        const expected = funnelOracle(q);
        if (expected.steps[1]!.visitors > 0) converted++;
        for (const a of apps) {
          const res = await a.t.app.inject({
            method: 'POST',
            url: '/api/v1/insights/funnel',
            headers: bearer(a.token),
            payload: q,
          });
          expect(res.statusCode, `${a.name}: ${res.body}`).toBe(200);
          const got = res.json();
          expect(got, a.name).toEqual(expected);
        }
      }),
      { numRuns: 80, seed: 4242 },
    );
    // Most drawn funnels convert somebody, so the comparisons above are not of zeros.
    expect(converted).toBeGreaterThan(15);
  }, 120_000);

  it('finds visitors that convert (the data set is not trivially empty)', async () => {
    const q: FunnelQuery = {
      steps: [{ event_type: 'page_view' }, { event_type: 'signup' }],
      window_seconds: 7 * 86_400,
      start_date: '2024-03-21',
      end_date: '2024-04-12',
      tz: 'UTC',
    };
    const expected = funnelOracle(q);
    expect(expected.steps[1]!.visitors).toBeGreaterThan(0);
    for (const a of apps) {
      const res = await a.t.app.inject({
        method: 'POST',
        url: '/api/v1/insights/funnel',
        headers: bearer(a.token),
        payload: q,
      });
      expect(res.json()).toEqual(expected);
    }
  });
});

describe('GET /api/v1/insights/retention', () => {
  it('equals the brute-force oracle on every store', async () => {
    let retained = 0;
    await fc.assert(
      fc.asyncProperty(retentionArb, async (q) => {
        const expected = retentionOracle(q);
        if (expected.cohorts.some((c) => c.retained.slice(1).some((n) => n > 0))) retained++;
        for (const a of apps) {
          const res = await a.t.app.inject({ method: 'GET', url: retentionUrl(q), headers: bearer(a.token) });
          expect(res.statusCode, `${a.name}: ${res.body}`).toBe(200);
          expect(res.json(), a.name).toEqual(expected);
        }
      }),
      { numRuns: 60, seed: 777 },
    );
    expect(retained).toBeGreaterThan(15);
  }, 120_000);

  it('has returning visitors in the data set', () => {
    const r = retentionOracle({
      period: 'week',
      periods: 4,
      start_date: '2024-03-21',
      end_date: '2024-04-12',
      tz: 'UTC',
    });
    expect(r.cohorts.some((c) => c.retained.slice(1).some((n) => n > 0))).toBe(true);
  });
});
