/**
 * GET /api/v1/metrics/summary against a brute-force oracle, on both stores: fast-check makes visitors (SDK
 * visitors with anonymous ids, client sessions and sometimes a sign-in; server-side users without sessions;
 * cookieless visitors; bots among them) and their events around a daylight-saving change, sends them through
 * the API, then asks for every metric in UTC, Europe/Berlin and America/New_York, with and without filters
 * and bots. The oracle below is plain TypeScript over the generated events: it knows what each event's
 * columns must be from the test's own tables, and groups, sorts and counts without any of the server's code.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SummaryResponse } from '../../src/contract.js';
import { bearer, createTestApp, orgId, stores, type TestApp } from '../helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const GAP = 30 * 60_000;

// User-Agents and what the server must make of them.
const AGENTS = [
  {
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    browser: 'Chrome',
    os: 'Windows',
    device: 'desktop',
    bot: false,
  },
  {
    ua: 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
    browser: 'Firefox',
    os: 'Linux',
    device: 'desktop',
    bot: false,
  },
  {
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
    browser: 'Mobile Safari',
    os: 'iOS',
    device: 'mobile',
    bot: false,
  },
  {
    ua: 'Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
    browser: 'Mobile Safari',
    os: 'iOS',
    device: 'tablet',
    bot: false,
  },
  {
    ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    browser: null,
    os: null,
    device: 'bot',
    bot: true,
  },
  {
    ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
    browser: 'Chrome Headless',
    os: 'Linux',
    device: 'bot',
    bot: true,
  },
];
// One address per visitor, and its country in the packaged database.
const IPS: [string, string | null][] = [
  ['8.8.8.8', 'US'],
  ['81.2.69.160', 'GB'],
  ['2a00:1450:4001:80b::200e', 'DE'],
  ['193.99.144.80', 'DE'],
  ['210.140.92.183', 'JP'],
  ['200.147.67.142', 'BR'],
  ['127.0.0.1', null],
  ['81.2.69.142', 'GB'],
];
const PATHS = ['/home', '/pricing', '/docs', '/Pricing/Plans'];
const REFERRERS: [string | null, string | null][] = [
  [null, null],
  ['https://www.google.com/search?q=x', 'google.com'],
  ['https://news.ycombinator.com/item', 'news.ycombinator.com'],
];
const CAMPAIGNS = [null, 'spring', 'Spring-Sale'];
const PROPS: Record<string, unknown>[] = [
  {},
  { plan: 'pro' },
  { plan: 'free', seats: 3 },
  { plan: 'PRO', seats: 10 },
];
const TYPES = ['page_view', 'page_view', 'click', 'purchase'];
const FILTERS = [
  'path==/pricing',
  'path!=/pricing',
  'path~pricing',
  'referrer_host~GOOGLE',
  'utm_campaign!~spring',
  'device==mobile',
  'browser!=Chrome',
  'country==DE',
  'entry_path==/home',
  'entry_path!~doc',
  'prop.plan==pro',
  'prop.seats==3',
  'event_type==page_view',
  'user_id!=srv1',
  'os~linux',
];

// ---- the oracle's own calendar: local dates from Intl, nothing of the server's time code -----------

const formats = new Map<string, Intl.DateTimeFormat>();
function localDate(ms: number, tz: string): string {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' });
    formats.set(tz, f);
  }
  return f.format(new Date(ms));
}

function offsetAt(ms: number, tz: string): string {
  return (
    new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' })
      .formatToParts(new Date(ms))
      .find((p) => p.type === 'timeZoneName')?.value ?? ''
  );
}

/** The latest day (UTC midnight) at least 4 days ago on which `tz` changes its offset. */
function lastChange(tz: string): number {
  const today = Math.floor(Date.now() / DAY) * DAY;
  for (let d = today - 4 * DAY; d > today - 380 * DAY; d -= DAY) {
    if (offsetAt(d - DAY + 12 * HOUR, tz) !== offsetAt(d + 12 * HOUR, tz)) return d;
  }
  throw new Error(`no offset change in ${tz} this past year`);
}

const dateText = (d: number) => new Date(d).toISOString().slice(0, 10);

// ---- generated data -----------------------------------------------------------------------------------

interface VisitorSpec {
  kind: 'sdk' | 'server' | 'cookieless';
  agent: number;
  /** For SDK visitors: sign in as `id<n>` after this many events (beyond the count: never). */
  identifyAfter: number;
  identifyAs: number;
}

interface EventSpec {
  visitor: number;
  /** Hours after the data set's first hour (modulo its span) and minutes into that hour. */
  hour: number;
  minute: number;
  type: number;
  path: number;
  referrer: number;
  campaign: number;
  props: number;
  /** For SDK visitors: which of its client sessions. */
  session: number;
}

/** An event as sent, with every column the server must derive for it. */
interface OracleEvent {
  eventId: string;
  body: Record<string, unknown>;
  visitor: number;
  ts: number;
  type: string;
  userId: string | null;
  visitorId: string;
  session: string;
  bot: boolean;
  columns: Record<string, string | null>;
  props: Record<string, unknown>;
}

const visitorArb = fc.record({
  kind: fc.constantFrom<VisitorSpec['kind']>('sdk', 'sdk', 'server', 'cookieless'),
  agent: fc.integer({ min: 0, max: AGENTS.length - 1 }),
  identifyAfter: fc.integer({ min: 0, max: 12 }),
  identifyAs: fc.integer({ min: 0, max: 2 }),
});
const eventArb = fc.record({
  visitor: fc.nat(),
  hour: fc.integer({ min: 0, max: 95 }),
  minute: fc.integer({ min: 0, max: 59 }),
  type: fc.integer({ min: 0, max: TYPES.length - 1 }),
  path: fc.integer({ min: 0, max: PATHS.length - 1 }),
  referrer: fc.integer({ min: 0, max: REFERRERS.length - 1 }),
  campaign: fc.integer({ min: 0, max: CAMPAIGNS.length - 1 }),
  props: fc.integer({ min: 0, max: PROPS.length - 1 }),
  session: fc.integer({ min: 0, max: 2 }),
});
const dataArb = fc.record({
  change: fc.constantFrom('Europe/Berlin', 'America/New_York'),
  visitors: fc.array(visitorArb, { minLength: 1, maxLength: IPS.length }),
  events: fc.array(eventArb, { minLength: 1, maxLength: 70 }),
  // Events start this many hours into the four days from a day and a half before the change day's UTC
  // midnight, and spread over `span` hours: a few hours make long sessions, four days mostly short ones.
  first: fc.integer({ min: 0, max: 90 }),
  span: fc.constantFrom(3, 96),
  filters: fc.subarray(FILTERS, { maxLength: 2 }),
});

type Data = {
  change: string;
  visitors: VisitorSpec[];
  events: EventSpec[];
  first: number;
  span: number;
  filters: string[];
};

function build(
  d: Data,
  base: number,
): { batches: { visitor: number; events: OracleEvent[] }[]; identities: Map<string, string> } {
  const byVisitor = new Map<number, EventSpec[]>();
  for (const e of d.events) {
    const v = e.visitor % d.visitors.length;
    byVisitor.set(v, [...(byVisitor.get(v) ?? []), e]);
  }
  const identities = new Map<string, string>();
  const batches: { visitor: number; events: OracleEvent[] }[] = [];
  for (const [v, specs] of [...byVisitor].sort((a, b) => a[0] - b[0])) {
    const visitor = d.visitors[v]!;
    const agent = AGENTS[visitor.agent]!;
    const country = IPS[v]![1];
    const sorted = specs
      .map((s) => ({ s, ts: base + (((d.first + (s.hour % d.span)) % 96) * 60 + s.minute) * 60_000 }))
      .sort((a, b) => a.ts - b.ts);
    const events: OracleEvent[] = [];
    const anon = `anon-${v}`;
    let user: string | null = visitor.kind === 'server' ? `srv${v}` : null;
    const make = (s: EventSpec, ts: number, type: string): OracleEvent => {
      const eventId = crypto.randomUUID();
      const sdk = visitor.kind === 'sdk';
      const path = sdk || visitor.kind === 'cookieless' ? PATHS[s.path]! : null;
      const [referrer, host] = REFERRERS[s.referrer]!;
      const campaign = CAMPAIGNS[s.campaign]!;
      const context =
        path === null
          ? undefined
          : {
              page: { path, ...(referrer ? { referrer } : {}) },
              ...(campaign ? { utm: { campaign } } : {}),
            };
      const props = PROPS[s.props]!;
      const body: Record<string, unknown> = {
        event_id: eventId,
        event_type: type,
        timestamp: new Date(ts).toISOString(),
        properties: props,
        ...(user ? { user_id: user } : {}),
        ...(sdk ? { anonymous_id: anon, session_id: `c${v}-${s.session}` } : {}),
        ...(context ? { context } : {}),
      };
      return {
        eventId,
        body,
        visitor: v,
        ts,
        type,
        userId: user,
        visitorId: user ?? (sdk ? anon : `cookieless-${v}`),
        session: sdk ? `c${v}-${s.session}` : '',
        bot: agent.bot,
        columns: {
          event_type: type,
          user_id: user,
          path,
          referrer_host: path === null ? null : host,
          utm_campaign: path === null ? null : campaign,
          browser: agent.browser,
          os: agent.os,
          device: agent.device,
          country,
        },
        props,
      };
    };
    sorted.forEach(({ s, ts }, i) => {
      if (visitor.kind === 'sdk' && i === visitor.identifyAfter) {
        user = `id${visitor.identifyAs}`;
        events.push(make(s, ts, '$identify'));
        if (!identities.has(anon)) identities.set(anon, user);
      }
      events.push(make(s, ts, TYPES[s.type]!));
    });
    // Sessions the server makes (no session id sent): the visitor's events in time order, a new session
    // after 30 minutes without one, named after its first event.
    let last = Number.NEGATIVE_INFINITY;
    let current = '';
    for (const e of events) {
      if (e.session !== '') continue;
      if (e.ts - last >= GAP) current = `s:${e.eventId}`;
      e.session = current;
      last = e.ts;
    }
    batches.push({ visitor: v, events });
  }
  return { batches, identities };
}

// ---- the oracle -----------------------------------------------------------------------------------------

function matches(op: string, actual: string | null, value: string): boolean {
  const lower = (x: string) => x.replace(/[A-Z]/g, (c) => c.toLowerCase());
  if (op === '==') return actual === value;
  if (op === '!=') return actual !== value;
  const has = actual !== null && lower(actual).includes(lower(value));
  return op === '~' ? has : !has;
}

function propText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

function oracle(
  all: OracleEvent[],
  identities: Map<string, string>,
  tz: string,
  dates: string[],
  filters: string[],
  includeBots: boolean,
): { daily: Record<string, number>[]; totals: Record<string, number> } {
  // Whole sessions, keyed by session and bot flag, over every event.
  const sessions = new Map<string, OracleEvent[]>();
  for (const e of all) {
    const key = `${e.session}|${e.bot}`;
    sessions.set(key, [...(sessions.get(key) ?? []), e]);
  }
  const facts = new Map<
    string,
    { start: number; end: number; events: number; views: number; entry: string | null }
  >();
  for (const [key, list] of sessions) {
    const sorted = [...list].sort((a, b) => a.ts - b.ts);
    const views = sorted.filter((e) => e.type === 'page_view');
    const entry = [...views].sort(
      (a, b) => a.ts - b.ts || ((a.columns.path ?? '') < (b.columns.path ?? '') ? -1 : 1),
    )[0];
    facts.set(key, {
      start: sorted[0]!.ts,
      end: sorted[sorted.length - 1]!.ts,
      events: sorted.length,
      views: views.length,
      entry: entry ? entry.columns.path! : null,
    });
  }
  const dimensionOf = (e: OracleEvent, dimension: string): string | null => {
    if (dimension.startsWith('prop.')) return propText(e.props[dimension.slice(5)]);
    if (dimension === 'entry_path') return facts.get(`${e.session}|${e.bot}`)?.entry ?? null;
    return e.columns[dimension] ?? null;
  };
  const parsed = filters.map((f) => {
    const m = /^([a-z_.]+)(==|!=|!~|~)(.*)$/.exec(f)!;
    return { dimension: m[1]!, op: m[2]!, value: m[3]! };
  });
  const matching = all.filter(
    (e) =>
      dates.includes(localDate(e.ts, tz)) &&
      parsed.every((f) => matches(f.op, dimensionOf(e, f.dimension), f.value)),
  );
  const people = matching.filter((e) => includeBots || !e.bot);
  const merged = (e: OracleEvent) => identities.get(e.visitorId) ?? e.visitorId;
  const counted = new Set(people.map((e) => `${e.session}|${e.bot}`));
  const day = (list: OracleEvent[], date: string) => list.filter((e) => localDate(e.ts, tz) === date);
  const sessionValues = (keys: string[]) => {
    const f = keys.map((k) => facts.get(k)!);
    const n = f.length;
    return {
      sessions: n,
      bounce_rate: n === 0 ? 0 : f.filter((s) => s.events === 1 && s.views === 1).length / n,
      avg_session_duration: n === 0 ? 0 : f.reduce((sum, s) => sum + (s.end - s.start), 0) / n / 1000,
      views_per_session: n === 0 ? 0 : f.reduce((sum, s) => sum + s.views, 0) / n,
    };
  };
  const startingIn = (inDates: string[]) =>
    [...counted].filter((k) => inDates.includes(localDate(facts.get(k)!.start, tz)));
  const values = (events: OracleEvent[], ppl: OracleEvent[], inDates: string[]) => ({
    events: events.length,
    active_users: new Set(events.filter((e) => e.userId !== null).map((e) => e.userId)).size,
    visitors: new Set(ppl.map(merged)).size,
    pageviews: ppl.filter((e) => e.type === 'page_view').length,
    ...sessionValues(startingIn(inDates)),
  });
  return {
    daily: dates.map((date) => values(day(matching, date), day(people, date), [date])),
    totals: values(matching, people, dates),
  };
}

// ---- the test -----------------------------------------------------------------------------------------

const METRICS = [
  'events',
  'active_users',
  'visitors',
  'pageviews',
  'sessions',
  'bounce_rate',
  'avg_session_duration',
  'views_per_session',
];

describe.each(stores)('GET /api/v1/metrics/summary against a brute-force oracle ($name)', (storeCase) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(storeCase);
  });
  afterAll(() => t.close());

  it('gives every visitor metric exactly, per local day and in total, around DST changes', async () => {
    await fc.assert(
      fc.asyncProperty(dataArb, async (data) => {
        const org = orgId('oracle');
        const change = lastChange(data.change);
        const base = change - 36 * HOUR;
        const { batches, identities } = build(data as Data, base);
        const token = await t.token({ org });
        const visitors = data.visitors as VisitorSpec[];
        for (const b of batches) {
          const res = await t.app.inject({
            method: 'POST',
            url: '/api/v1/events',
            headers: { ...bearer(token), 'user-agent': AGENTS[visitors[b.visitor]!.agent]!.ua },
            remoteAddress: IPS[b.visitor]![0],
            payload: { events: b.events.map((e) => e.body) },
          });
          expect(res.statusCode, res.body).toBe(202);
        }
        const all = batches.flatMap((b) => b.events);
        // The change day and its neighbours, as local dates of each zone.
        const dates = [change - DAY, change, change + DAY].map(dateText);
        for (const tz of ['UTC', 'Europe/Berlin', 'America/New_York']) {
          for (const filters of [[], data.filters]) {
            for (const includeBots of [false, true]) {
              const query = new URLSearchParams({ start_date: dates[0]!, end_date: dates[2]!, tz });
              for (const m of METRICS) query.append('metrics', m);
              for (const f of filters) query.append('filter', f);
              if (includeBots) query.set('include_bots', 'true');
              const res = await t.app.inject({
                url: `/api/v1/metrics/summary?${query}`,
                headers: bearer(token),
              });
              expect(res.statusCode, res.body).toBe(200);
              const got = res.json() as SummaryResponse;
              const want = oracle(all, identities, tz, dates, filters, includeBots);
              const label = `${tz} filters=${filters.join('&')} bots=${includeBots}`;
              got.daily.forEach((d, i) => {
                for (const m of METRICS)
                  expect(d.values[m], `${label} ${d.date} ${m}`).toBeCloseTo(want.daily[i]![m]!, 9);
              });
              for (const m of METRICS)
                expect(got.totals[m], `${label} total ${m}`).toBeCloseTo(want.totals[m]!, 9);
            }
          }
        }
      }),
      { numRuns: 12 },
    );
  }, 180_000);
});
