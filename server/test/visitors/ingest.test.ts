/**
 * POST /api/v1/events with the v1.1 fields, on both stores: what the server derives from the request's
 * User-Agent and IP and from the event's context, the sessions it makes, cookieless visitors and identify.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventOut, SummaryResponse } from '../../src/contract.js';
import { ingestBatch } from '../../src/domain/ingest.js';
import { DAY_MS } from '../../src/lib/time.js';
import { bearer, createTestApp, orgId, stores, type TestApp } from '../helpers.js';

// Real User-Agent headers, and what the contract's columns must say for each.
const AGENTS: [
  label: string,
  ua: string,
  browser: string | null,
  os: string | null,
  device: string,
  bot: boolean,
][] = [
  [
    'desktop: Chrome on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    'Chrome',
    'Windows',
    'desktop',
    false,
  ],
  [
    'desktop: Firefox on Linux',
    'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
    'Firefox',
    'Linux',
    'desktop',
    false,
  ],
  [
    'mobile: Safari on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
    'Mobile Safari',
    'iOS',
    'mobile',
    false,
  ],
  [
    'mobile: Chrome on Android',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36',
    'Chrome',
    'Android',
    'mobile',
    false,
  ],
  [
    'tablet: Safari on iPad',
    'Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
    'Mobile Safari',
    'iOS',
    'tablet',
    false,
  ],
  [
    'crawler: Googlebot',
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    null,
    null,
    'bot',
    true,
  ],
  [
    'automation: headless Chromium',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
    'Chrome Headless',
    'Linux',
    'bot',
    true,
  ],
];

const FIREFOX = AGENTS[1]![1];
// Noon UTC 30 days ago: inside the accepted timestamp window, and a whole day in every zone used.
const T0 = (Math.floor(Date.now() / DAY_MS) - 30) * DAY_MS + 12 * 3_600_000;

describe.each(stores)('POST /api/v1/events: visitors and sessions ($name)', (storeCase) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(storeCase);
  });
  afterAll(() => t.close());

  async function post(
    org: string,
    events: object[],
    opts: { ua?: string; ip?: string } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const token = await t.token({ org });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { ...bearer(token), 'user-agent': opts.ua ?? FIREFOX },
      remoteAddress: opts.ip ?? '127.0.0.1',
      payload: { events },
    });
    return { status: res.statusCode, body: res.json() };
  }

  async function list(org: string, query = ''): Promise<EventOut[]> {
    const token = await t.token({ org });
    const res = await t.app.inject({ url: `/api/v1/events?limit=1000${query}`, headers: bearer(token) });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { data: EventOut[] }).data;
  }

  async function summary(org: string, query: string): Promise<SummaryResponse> {
    const token = await t.token({ org });
    const res = await t.app.inject({ url: `/api/v1/metrics/summary?${query}`, headers: bearer(token) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as SummaryResponse;
  }

  it.each(AGENTS)(
    'derives browser, OS, device and bot flag for %s',
    async (_label, ua, browser, os, device, bot) => {
      const org = orgId('ua');
      expect((await post(org, [{ event_type: 'page_view', anonymous_id: 'a1' }], { ua })).status).toBe(202);
      const [e] = await list(org);
      expect(e).toMatchObject({ browser, os, device, is_bot: bot });
    },
  );

  it('stores bot events, flags them, lists them, and leaves them out of the visitor metrics by default', async () => {
    const org = orgId('bots');
    const day = new Date(T0).toISOString().slice(0, 10);
    const ts = new Date(T0).toISOString();
    await post(org, [{ event_type: 'page_view', anonymous_id: 'crawler', timestamp: ts }], {
      ua: AGENTS[5]![1],
    });
    await post(org, [{ event_type: 'page_view', anonymous_id: 'person', timestamp: ts }]);
    const events = await list(org);
    expect(events.map((e) => e.is_bot).sort()).toEqual([false, true]);
    const q = `start_date=${day}&end_date=${day}&metrics=visitors&metrics=pageviews&metrics=sessions&metrics=events`;
    expect((await summary(org, q)).totals).toEqual({ visitors: 1, pageviews: 1, sessions: 1, events: 2 });
    expect((await summary(org, `${q}&include_bots=true`)).totals).toEqual({
      visitors: 2,
      pageviews: 2,
      sessions: 2,
      events: 2,
    });
  });

  it('looks the country up from the client IP and never stores the IP', async () => {
    const org = orgId('geo');
    await post(org, [{ event_type: 'click', anonymous_id: 'a1' }], { ip: '81.2.69.160' });
    const [e] = await list(org);
    expect(e!.country).toBe('GB');
    expect(JSON.stringify(e)).not.toContain('81.2.69.160');
  });

  it('reads path, referrer host and UTM from the context and returns the context as sent', async () => {
    const org = orgId('ctx');
    const context = {
      page: {
        path: '/pricing',
        url: 'https://shop.example/pricing?utm_source=ads',
        referrer: 'https://www.Google.com/x',
      },
      utm: { campaign: 'spring', term: 'shoes' },
      screen: { width: 1440, height: 900 },
      locale: 'de-DE',
      library: { name: '@acme/analytics-sdk', version: '1.1.0' },
      custom: { nested: [1, 2] },
    };
    await post(org, [{ event_type: 'page_view', anonymous_id: 'anon-1', session_id: 'sess-1', context }]);
    const [e] = await list(org);
    expect(e).toMatchObject({
      anonymous_id: 'anon-1',
      session_id: 'sess-1',
      visitor_id: 'anon-1',
      context,
      path: '/pricing',
      referrer_host: 'google.com',
      utm_source: 'ads',
      utm_medium: null,
      utm_campaign: 'spring',
    });
  });

  it('refuses a context over 4 KiB, or with NUL, and ids over 64 characters, naming the field', async () => {
    const org = orgId('bad');
    const big = await post(org, [{ event_type: 'x', context: { page: { title: 't'.repeat(4100) } } }]);
    expect(big.status).toBe(422);
    expect(big.body.errors).toEqual([
      { path: '/events/0/context', message: 'must be at most 4 KiB when serialised' },
    ]);
    const nul = await post(org, [{ event_type: 'x' }, { event_type: 'x', context: { locale: 'de\u0000' } }]);
    expect(nul.status).toBe(422);
    expect((nul.body.errors as { path: string }[]).map((x) => x.path)).toEqual(['/events/1/context']);
    const long = await post(org, [{ event_type: 'x', anonymous_id: 'a'.repeat(65) }]);
    expect(long.status).toBe(422);
    expect(JSON.stringify(long.body.errors)).toContain('/events/0/anonymous_id');
    expect(await list(org)).toEqual([]);
  });

  it('continues a visitor session within 30 minutes and starts one after, when the client sends none', async () => {
    const org = orgId('sess');
    const at = (min: number) => new Date(T0 + min * 60_000).toISOString();
    const ids = ['01', '02', '03', '04'].map((n) => `0190b7c4-5d2e-7a31-9c4f-2b8e1d6a7f${n}`);
    // Two batches: the second event continues the first's session across batches.
    await post(org, [{ event_id: ids[0], event_type: 'page_view', user_id: 'u1', timestamp: at(0) }]);
    await post(org, [
      { event_id: ids[1], event_type: 'click', user_id: 'u1', timestamp: at(29) },
      { event_id: ids[3], event_type: 'page_view', user_id: 'u1', timestamp: at(100) },
      { event_id: ids[2], event_type: 'page_view', user_id: 'u2', timestamp: at(29) },
    ]);
    const byId = new Map((await list(org)).map((e) => [e.event_id, e.session_id]));
    expect(byId.get(ids[0]!)).toBe(`s:${ids[0]}`);
    expect(byId.get(ids[1]!)).toBe(`s:${ids[0]}`);
    expect(byId.get(ids[2]!)).toBe(`s:${ids[2]}`);
    expect(byId.get(ids[3]!)).toBe(`s:${ids[3]}`);
    const day = at(0).slice(0, 10);
    const s = await summary(
      org,
      `start_date=${day}&end_date=${day}&metrics=sessions&metrics=bounce_rate&metrics=avg_session_duration&metrics=views_per_session`,
    );
    // u1: [0, 29 min] (2 events), u1 again at 100 min (bounce), u2 at 29 min (bounce).
    expect(s.totals).toEqual({
      sessions: 3,
      bounce_rate: 2 / 3,
      avg_session_duration: (29 * 60) / 3,
      views_per_session: 3 / 3,
    });
  });

  it('counts a visitor who signs in mid-visit once, also for events that arrive after the link', async () => {
    const org = orgId('identify');
    const at = (min: number) => new Date(T0 + min * 60_000).toISOString();
    await post(org, [
      { event_type: 'page_view', anonymous_id: 'anon-7', session_id: 's7', timestamp: at(0) },
      { event_type: 'page_view', anonymous_id: 'anon-7', session_id: 's7', timestamp: at(1) },
    ]);
    const day = at(0).slice(0, 10);
    const q = `start_date=${day}&end_date=${day}&metrics=visitors&metrics=sessions`;
    expect((await summary(org, q)).totals).toEqual({ visitors: 1, sessions: 1 });
    await post(org, [
      {
        event_type: '$identify',
        user_id: 'carol',
        anonymous_id: 'anon-7',
        session_id: 's7',
        timestamp: at(2),
      },
      {
        event_type: 'purchase',
        user_id: 'carol',
        anonymous_id: 'anon-7',
        session_id: 's7',
        timestamp: at(3),
      },
    ]);
    expect((await summary(org, q)).totals).toEqual({ visitors: 1, sessions: 1 });
    // An event tracked before sign-in but delivered late still counts as carol.
    await post(org, [{ event_type: 'click', anonymous_id: 'anon-7', session_id: 's7', timestamp: at(1) }]);
    expect((await summary(org, q)).totals).toEqual({ visitors: 1, sessions: 1 });
    // The same in a zone whose days are not UTC days (read from the events, not the rollups).
    expect((await summary(org, `${q}&tz=America/New_York`)).totals).toEqual({ visitors: 1, sessions: 1 });
    const visitors = new Set((await list(org)).map((e) => e.visitor_id));
    expect(visitors).toEqual(new Set(['anon-7', 'carol']));
  });

  it('makes cookieless visitors from a daily salt, the org, the IP and the User-Agent', async () => {
    const a = orgId('cookieless');
    const b = orgId('cookieless');
    await post(a, [{ event_type: 'page_view' }], { ip: '203.0.113.9' });
    await post(a, [{ event_type: 'click' }], { ip: '203.0.113.9' });
    await post(a, [{ event_type: 'click' }], { ip: '203.0.113.10' });
    await post(b, [{ event_type: 'page_view' }], { ip: '203.0.113.9' });
    const inA = await list(a);
    const [inB] = await list(b);
    const ids = new Set(inA.map((e) => e.visitor_id));
    expect(ids.size).toBe(2);
    for (const id of ids) expect(id).toMatch(/^h:[A-Za-z0-9_-]{22}$/);
    expect(ids.has(inB!.visitor_id)).toBe(false);
    // Same request facts, another day: another visitor (through the domain, to choose the receive time).
    const org = orgId('days');
    const ingest = (receivedAt: number) =>
      ingestBatch(t.store, {
        orgId: org,
        events: [{ event_type: 'page_view', timestamp: new Date(receivedAt).toISOString() }],
        receivedAt,
        idempotencyKey: undefined,
        rawBody: '',
        ip: '203.0.113.9',
        userAgent: FIREFOX,
      });
    await ingest(T0);
    await ingest(T0 + 60_000);
    await ingest(T0 + DAY_MS);
    const days = await list(org);
    expect(new Set(days.map((e) => e.visitor_id)).size).toBe(2);
  });
});

describe.each(stores)('EventStore.visitorSalt() ($name)', (storeCase) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(storeCase);
  });
  afterAll(() => t.close());

  it('keeps one salt per day, shares it, and deletes it once it is two days old', async () => {
    const day = Math.floor(T0 / DAY_MS) + 1000 + Math.floor(Math.random() * 10_000);
    const [first, again] = await Promise.all([t.store.visitorSalt(day), t.store.visitorSalt(day)]);
    expect(first).toBe(again);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await t.store.visitorSalt(day + 1)).not.toBe(first);
    expect(await t.store.visitorSalt(day)).toBe(first);
    // Making the salt of two days later deletes this one; asked for again, the day gets a new salt.
    await t.store.visitorSalt(day + 3);
    expect(await t.store.visitorSalt(day)).not.toBe(first);
  });
});

describe.each(stores)(
  'GET /api/v1/metrics/summary with sample data: visitors and filters ($name)',
  (storeCase) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(storeCase, { seed: 'sample' });
    });
    afterAll(() => t.close());

    const range = () => {
      const end = new Date().toISOString().slice(0, 10);
      const start = new Date(Date.now() - 59 * DAY_MS).toISOString().slice(0, 10);
      return `start_date=${start}&end_date=${end}`;
    };

    it('counts the sample visits, and fewer sessions once filtered to a page', async () => {
      const token = await t.token({ org: 'org_acme' });
      const get = async (q: string) => {
        const res = await t.app.inject({
          url: `/api/v1/metrics/summary?${range()}&${q}`,
          headers: bearer(token),
        });
        expect(res.statusCode, res.body).toBe(200);
        return (res.json() as SummaryResponse).totals;
      };
      const all = await get('metrics=visitors&metrics=sessions&metrics=pageviews');
      expect(all.visitors).toBeGreaterThan(5);
      expect(all.sessions).toBeGreaterThan(all.visitors!);
      const pricing = await get(
        'metrics=visitors&metrics=sessions&metrics=pageviews&filter=path%3D%3D%2Fpricing',
      );
      expect(pricing.sessions).toBeGreaterThan(0);
      expect(pricing.sessions).toBeLessThan(all.sessions!);
      expect(pricing.pageviews).toBeLessThan(all.pageviews!);
    });

    it('refuses to filter a stored metric, naming it', async () => {
      const token = await t.token({ org: 'org_acme' });
      const res = await t.app.inject({
        url: `/api/v1/metrics/summary?${range()}&metrics=events&metrics=revenue_usd&filter=country%3D%3DDE`,
        headers: bearer(token),
      });
      expect(res.statusCode).toBe(422);
      const body = res.json() as { code: string; errors: { path: string; message: string }[] };
      expect(body.code).toBe('validation_failed');
      expect(body.errors).toEqual([
        { path: '/filter', message: 'does not apply to the stored metric "revenue_usd"' },
      ]);
    });
  },
);
