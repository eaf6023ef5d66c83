/**
 * `filter=<dimension><op><value>` on GET /api/v1/events, on both stores: every dimension and operator
 * against a brute-force selection over the events sent, walked page by page with cursors; a bad filter is
 * a 422 naming it; a cursor is bound to its filters; values are data, never SQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventOut } from '../../src/contract.js';
import { bearer, createTestApp, orgId, stores, type TestApp } from '../helpers.js';

const AGENTS = [
  {
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    browser: 'Chrome',
    os: 'Windows',
    device: 'desktop',
  },
  {
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
    browser: 'Mobile Safari',
    os: 'iOS',
    device: 'mobile',
  },
  {
    ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    browser: null,
    os: null,
    device: 'bot',
  },
];
const IPS: [string, string | null][] = [
  ['8.8.8.8', 'US'],
  ['2a00:1450:4001:80b::200e', 'DE'],
  ['127.0.0.1', null],
];
const PATHS = [null, '/home', '/pricing', '/Pricing/Team'];
const REFERRERS: [string | null, string | null][] = [
  [null, null],
  ['https://www.Google.com/search?q=a', 'google.com'],
  ['https://duckduckgo.com/', 'duckduckgo.com'],
];
const PROPS: Record<string, unknown>[] = [
  {},
  { plan: 'pro', seats: 3 },
  { plan: 'Pro Max', seats: 3.5, trial: true },
  { plan: ['pro'], 'a.b': 'dotted', $set: 'x' },
];
const FILTERS = [
  'event_type==page_view',
  'event_type~VIEW',
  'path==/pricing',
  'path!=/pricing',
  'path~pricing',
  'path!~pricing',
  'referrer_host==google.com',
  'referrer_host!~google',
  'utm_source==ads',
  'utm_medium!=email',
  'utm_campaign~sale',
  'browser==Chrome',
  'browser!=Chrome',
  'os~ios',
  'device==bot',
  'device!=desktop',
  'country==DE',
  'country!=US',
  'entry_path==/home',
  'entry_path!~home',
  'user_id==u1',
  'user_id!=u1',
  'visitor_id==u2',
  'visitor_id~anon',
  'prop.plan==pro',
  'prop.plan~PRO',
  'prop.seats==3',
  'prop.seats==3.5',
  'prop.trial==true',
  'prop.plan!=pro',
  'prop.a.b==dotted',
  'prop.$set==x',
  "path==' OR 1=1 --",
];

interface Sent {
  id: string;
  batch: number;
  ts: number;
  columns: Record<string, string | null>;
  props: Record<string, unknown>;
  session: string;
}

function lower(x: string): string {
  return x.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function passes(filter: string, e: Sent, entry: Map<string, string | null>): boolean {
  const m = /^(prop\.[^=!~]+|[a-z_]+)(==|!=|!~|~)(.*)$/.exec(filter)!;
  const [, dimension, op, value] = m as unknown as [string, string, string, string];
  let actual: string | null;
  if (dimension.startsWith('prop.')) {
    const v = e.props[dimension.slice(5)];
    actual = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
  } else if (dimension === 'entry_path') actual = entry.get(e.session) ?? null;
  else actual = e.columns[dimension] ?? null;
  if (op === '==') return actual === value;
  if (op === '!=') return actual !== value;
  const has = actual !== null && lower(actual).includes(lower(value));
  return op === '~' ? has : !has;
}

describe.each(stores)('GET /api/v1/events?filter= ($name)', (storeCase) => {
  let t: TestApp;
  const org = orgId('filters');
  let token: string;
  const sent: Sent[] = [];
  const entry = new Map<string, string | null>();

  beforeAll(async () => {
    t = await createTestApp(storeCase);
    token = await t.token({ org });
    const base = Date.now() - 2 * 86_400_000;
    // 12 batches of 8 events: each batch one browser (one User-Agent and IP) and one session.
    for (let b = 0; b < 12; b++) {
      const agent = AGENTS[b % AGENTS.length]!;
      const [ip, country] = IPS[b % IPS.length]!;
      const user = b % 4 === 0 ? null : `u${b % 3}`;
      const session = `sess-${b}`;
      const events = Array.from({ length: 8 }, (_, i) => {
        const k = b * 8 + i;
        const path = PATHS[(b + i) % PATHS.length]!;
        const [referrer, host] = REFERRERS[k % REFERRERS.length]!;
        const type = i % 3 === 2 ? 'click' : 'page_view';
        const utm = k % 5 === 0 ? { source: 'ads', medium: 'cpc', campaign: 'Winter-Sale' } : undefined;
        const props = PROPS[k % PROPS.length]!;
        const id = crypto.randomUUID();
        // Timestamps repeat within a batch, so pages break ties by event id.
        const ts = base + b * 600_000 + Math.floor(i / 2) * 1000;
        const context =
          path || referrer || utm
            ? {
                ...(path || referrer
                  ? { page: { ...(path ? { path } : {}), ...(referrer ? { referrer } : {}) } }
                  : {}),
                ...(utm ? { utm } : {}),
              }
            : undefined;
        sent.push({
          id,
          batch: b,
          ts,
          session,
          props,
          columns: {
            event_type: type,
            path,
            referrer_host: host,
            utm_source: utm?.source ?? null,
            utm_medium: utm?.medium ?? null,
            utm_campaign: utm?.campaign ?? null,
            browser: agent.browser,
            os: agent.os,
            device: agent.device,
            country,
            user_id: user,
            visitor_id: user ?? `anon-${b}`,
          },
        });
        return {
          event_id: id,
          event_type: type,
          timestamp: new Date(ts).toISOString(),
          anonymous_id: `anon-${b}`,
          session_id: session,
          properties: props,
          ...(user ? { user_id: user } : {}),
          ...(context ? { context } : {}),
        };
      });
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { ...bearer(token), 'user-agent': agent.ua },
        remoteAddress: ip,
        payload: { events },
      });
      expect(res.statusCode, res.body).toBe(202);
      // The session's entry: its earliest page view (then the smaller path).
      const views = sent
        .filter((e) => e.batch === b && e.columns.event_type === 'page_view')
        .sort((x, y) => x.ts - y.ts || ((x.columns.path ?? '') < (y.columns.path ?? '') ? -1 : 1));
      entry.set(session, views[0]?.columns.path ?? null);
    }
  });
  afterAll(() => t.close());

  async function walk(filters: string[], limit: number): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 200; pages++) {
      const q = new URLSearchParams({ limit: String(limit) });
      for (const f of filters) q.append('filter', f);
      if (cursor) q.set('cursor', cursor);
      const res = await t.app.inject({ url: `/api/v1/events?${q}`, headers: bearer(token) });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as { data: EventOut[]; next_cursor: string | null };
      ids.push(...page.data.map((e) => e.event_id));
      cursor = page.next_cursor;
      if (!cursor) return ids;
    }
    throw new Error('too many pages');
  }

  /** The brute-force answer: matching events, newest first, then by event id. */
  const expected = (filters: string[]) =>
    sent
      .filter((e) => filters.every((f) => passes(f, e, entry)))
      .sort((a, b) => b.ts - a.ts || (a.id < b.id ? 1 : -1))
      .map((e) => e.id);

  it.each(FILTERS)('selects %s exactly, across pages', async (filter) => {
    expect(await walk([filter], 7)).toEqual(expected([filter]));
  });

  it('ANDs any combination of filters, with any page size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(FILTERS, { maxLength: 3 }),
        fc.integer({ min: 1, max: 40 }),
        async (filters, limit) => {
          expect(await walk(filters, limit)).toEqual(expected(filters));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('answers 422 naming each malformed filter or unknown dimension', async () => {
    const res = await t.app.inject({
      url: '/api/v1/events?filter=path==/a&filter=ip==1.2.3.4&filter=nonsense&filter=prop.==1',
      headers: bearer(token),
    });
    expect(res.statusCode).toBe(422);
    const body = res.json() as { code: string; errors: { path: string; message: string }[] };
    expect(body.code).toBe('validation_failed');
    expect(body.errors.map((e) => e.path)).toEqual(['/filter/1', '/filter/2', '/filter/3']);
    expect(body.errors[0]!.message).toMatch(/unknown dimension "ip"/);
  });

  it('binds a cursor to its filters (in any order), not to others', async () => {
    const first = await t.app.inject({
      url: '/api/v1/events?limit=2&filter=device!=bot&filter=path~pr',
      headers: bearer(token),
    });
    const cursor = (first.json() as { next_cursor: string }).next_cursor;
    expect(cursor).toBeTruthy();
    const same = await t.app.inject({
      url: `/api/v1/events?limit=2&filter=path~pr&filter=device!=bot&cursor=${cursor}`,
      headers: bearer(token),
    });
    expect(same.statusCode).toBe(200);
    for (const other of ['&filter=path~pr', '&filter=device!=bot&filter=path~pri', '']) {
      const res = await t.app.inject({
        url: `/api/v1/events?limit=2${other}&cursor=${cursor}`,
        headers: bearer(token),
      });
      expect(res.statusCode, other).toBe(422);
      expect((res.json() as { code: string }).code).toBe('invalid_cursor');
    }
  });
});
