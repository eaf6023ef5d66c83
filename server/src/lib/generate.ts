import type { NewEvent } from '../store/types.js';
import { formatUuid } from './ids.js';

/** splitmix32: a tiny, fast, well-distributed PRNG; the same seed gives the same stream everywhere. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

export const EVENT_TYPES = ['page_view', 'click', 'login', 'feature_used', 'report_exported', 'purchase'];
const TYPE_WEIGHTS = [0.45, 0.25, 0.1, 0.12, 0.05, 0.03];
const PATHS = ['/dashboard', '/reports', '/settings', '/billing', '/search', '/events', '/users', '/home'];
const BROWSERS = ['Chrome 131', 'Firefox 133', 'Safari 18', 'Edge 131'];
const FEATURES = ['dashboard.share', 'metrics.compare', 'export.csv', 'filter.save', 'alerts.create'];

export interface GenerateOptions {
  events: number;
  orgs: number;
  seed: number;
  /** Newest possible timestamp, epoch ms. */
  end: number;
  /** Span of the data, days before `end`. */
  days: number;
  usersPerOrg: number;
}

export type GeneratedEvent = NewEvent & { orgId: string; receivedAt: number };

/** Org ids of a generated data set: `org_gen_01`, `org_gen_02`, ... */
export function generatedOrgIds(orgs: number): string[] {
  return Array.from({ length: orgs }, (_, i) => `org_gen_${String(i + 1).padStart(2, '0')}`);
}

/** Deterministic properties of ~300 bytes serialised, shaped like real product analytics. */
export function properties(rand: () => number, type: string): Record<string, unknown> {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const base: Record<string, unknown> = {
    path: pick(PATHS),
    referrer: rand() < 0.3 ? 'https://www.example.com/landing?utm_source=newsletter' : '',
    browser: pick(BROWSERS),
    os: rand() < 0.5 ? 'macOS 15.1' : 'Windows 11',
    screen: rand() < 0.5 ? '1920x1080' : '1440x900',
    session_id: Math.floor(rand() * 2 ** 40).toString(36),
    duration_ms: Math.floor(rand() * 60_000),
    locale: rand() < 0.7 ? 'en-US' : 'de-DE',
    app_version: `4.${Math.floor(rand() * 20)}.${Math.floor(rand() * 10)}`,
  };
  if (type === 'feature_used' || type === 'click') base.feature = pick(FEATURES);
  if (type === 'purchase') {
    base.amount_cents = Math.floor(rand() * 50_000);
    base.currency = 'USD';
  }
  return base;
}

/** Browsers as sites see them, with their share of visits; the columns are what the server derives. */
export const AGENTS: {
  ua: string;
  browser: string | null;
  os: string | null;
  device: 'desktop' | 'mobile' | 'tablet' | 'bot';
  share: number;
}[] = [
  {
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    browser: 'Chrome',
    os: 'Windows',
    device: 'desktop',
    share: 0.3,
  },
  {
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
    browser: 'Safari',
    os: 'Mac OS',
    device: 'desktop',
    share: 0.1,
  },
  {
    ua: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
    browser: 'Firefox',
    os: 'Linux',
    device: 'desktop',
    share: 0.06,
  },
  {
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86',
    browser: 'Edge',
    os: 'Windows',
    device: 'desktop',
    share: 0.07,
  },
  {
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
    browser: 'Mobile Safari',
    os: 'iOS',
    device: 'mobile',
    share: 0.2,
  },
  {
    ua: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.104 Mobile Safari/537.36',
    browser: 'Chrome',
    os: 'Android',
    device: 'mobile',
    share: 0.14,
  },
  {
    ua: 'Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
    browser: 'Mobile Safari',
    os: 'iOS',
    device: 'tablet',
    share: 0.1,
  },
  {
    ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    browser: null,
    os: null,
    device: 'bot',
    share: 0.03,
  },
];
const COUNTRIES: [string, number][] = [
  ['US', 0.32],
  ['DE', 0.14],
  ['GB', 0.1],
  ['FR', 0.07],
  ['IN', 0.07],
  ['BR', 0.05],
  ['CA', 0.05],
  ['JP', 0.04],
  ['NL', 0.04],
  ['ES', 0.04],
  ['AU', 0.04],
  ['PL', 0.04],
];
/** Where visits come from: the referrer's URL and host (null: typed in or a bookmark), and its share. */
const SOURCES: [string | null, string | null, number][] = [
  [null, null, 0.4],
  ['https://www.google.com/', 'google.com', 0.3],
  ['https://www.bing.com/', 'bing.com', 0.05],
  ['https://duckduckgo.com/', 'duckduckgo.com', 0.04],
  ['https://news.ycombinator.com/', 'news.ycombinator.com', 0.05],
  ['https://github.com/', 'github.com', 0.06],
  ['https://t.co/', 't.co', 0.05],
  ['https://www.linkedin.com/', 'linkedin.com', 0.05],
];
const CAMPAIGNS: [{ source: string; medium: string; campaign: string } | null, number][] = [
  [null, 0.8],
  [{ source: 'newsletter', medium: 'email', campaign: 'spring_launch' }, 0.07],
  [{ source: 'google', medium: 'cpc', campaign: 'brand' }, 0.06],
  [{ source: 'linkedin', medium: 'social', campaign: 'webinar_q3' }, 0.04],
  [{ source: 'partner', medium: 'referral', campaign: 'integrations' }, 0.03],
];
const LANDING = ['/', '/pricing', '/docs', '/blog/sessions-without-cookies', '/dashboard'];

function weighted<T>(rand: () => number, entries: [T, number][]): T {
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let r = rand() * total;
  for (const [value, w] of entries) {
    r -= w;
    if (r < 0) return value;
  }
  return entries[entries.length - 1]![0];
}

/** A hex string of `bytes` random bytes from the seeded stream (ids that reproduce). */
function hex(rand: () => number, bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++)
    out += Math.floor(rand() * 256)
      .toString(16)
      .padStart(2, '0');
  return out;
}

interface Visitor {
  anonymousId: string;
  /** The user it signed in as (then every event carries `user_id`). */
  userId: string | null;
  agent: number;
  country: string;
}

interface Visit {
  visitor: Visitor;
  sessionId: string;
  remaining: number;
  lastTs: number;
  /** Sign in after this many more events (-1: not in this visit). */
  signInAfter: number;
  page: string;
  referrer: string | null;
  referrerHost: string | null;
  utm: (typeof CAMPAIGNS)[number][0];
}

/**
 * `opts.events` events across `opts.orgs` orgs, in time order over `opts.days` days ending at `opts.end`,
 * yielded in chunks. Same options → same events (ids included): UUIDv7 whose time is the event time and
 * whose random bits come from the seeded stream.
 *
 * Events come in visits, as a site records them: each org has a few visits open at a time; a visit is one
 * visitor's session of a geometric number of events (about five) a few minutes apart, landing with a page
 * view from a referrer, sometimes a UTM campaign. Visitors carry an anonymous id and a browser (desktop,
 * mobile, tablet; 3 % crawlers) from one country; about a third are signed-in users (the org's
 * `usersPerOrg`, frequent ones more often), a few sign in during a visit (`$identify`), and a third of
 * visits are returning visitors. Each event has the columns the server would derive for it.
 */
export function* generateEvents(opts: GenerateOptions, chunkSize = 50_000): Generator<GeneratedEvent[]> {
  const rand = prng(opts.seed);
  const orgIds = generatedOrgIds(opts.orgs);
  const start = opts.end - opts.days * 86_400_000;
  const step = (opts.end - start) / Math.max(1, opts.events);
  const cumulative = TYPE_WEIGHTS.map((_, i) => TYPE_WEIGHTS.slice(0, i + 1).reduce((a, b) => a + b, 0));
  const agents = AGENTS.map((a, i): [number, number] => [i, a.share]);
  // Open visits per org: enough that a visit's events come a few minutes apart at this density.
  const perOrgPerMinute = opts.events / opts.orgs / (opts.days * 1440);
  const slots = Math.max(1, Math.floor(3 * perOrgPerMinute));
  const visits: (Visit | undefined)[][] = orgIds.map(() => new Array(slots));
  const returning: Visitor[][] = orgIds.map(() => []);
  const idBytes = Buffer.alloc(16);
  let chunk: GeneratedEvent[] = [];
  for (let i = 0; i < opts.events; i++) {
    const ts = Math.floor(start + i * step + rand() * step);
    const orgIndex = Math.floor(rand() * opts.orgs);
    const slot = Math.floor(rand() * slots);
    let visit = visits[orgIndex]![slot];
    let landing = false;
    if (!visit || visit.remaining === 0 || ts - visit.lastTs >= 30 * 60_000) {
      const pool = returning[orgIndex]!;
      let visitor: Visitor;
      if (pool.length > 0 && rand() < 0.33) visitor = pool[Math.floor(rand() * pool.length)]!;
      else {
        const known = rand() < 0.35;
        visitor = {
          anonymousId: `${hex(rand, 4)}-${hex(rand, 2)}-4${hex(rand, 2).slice(1)}-a${hex(rand, 2).slice(1)}-${hex(rand, 6)}`,
          userId: known ? `user_${orgIndex + 1}_${Math.floor(opts.usersPerOrg * rand() ** 2)}` : null,
          agent: weighted(rand, agents),
          country: weighted(rand, COUNTRIES),
        };
        // Keep the most recent visitors for returns, so memory stays bounded.
        if (pool.length >= 5_000) pool[Math.floor(rand() * pool.length)] = visitor;
        else pool.push(visitor);
      }
      const bot = AGENTS[visitor.agent]!.device === 'bot';
      const [referrer, referrerHost] = weighted(
        rand,
        SOURCES.map(([u, h, w]): [[string | null, string | null], number] => [[u, h], w]),
      );
      visit = {
        visitor,
        sessionId: `${hex(rand, 4)}-${hex(rand, 2)}-7${hex(rand, 2).slice(1)}-b${hex(rand, 2).slice(1)}-${hex(rand, 6)}`,
        remaining: Math.max(1, Math.ceil(Math.log(1 - rand()) / Math.log(0.8))),
        lastTs: ts,
        signInAfter: !bot && visitor.userId === null && rand() < 0.08 ? Math.floor(rand() * 4) : -1,
        page: LANDING[Math.floor(rand() * LANDING.length)]!,
        referrer: bot ? null : referrer,
        referrerHost: bot ? null : referrerHost,
        utm: bot ? null : weighted(rand, CAMPAIGNS),
      };
      visits[orgIndex]![slot] = visit;
      landing = true;
    }
    visit.remaining--;
    visit.lastTs = ts;
    const visitor = visit.visitor;
    const agent = AGENTS[visitor.agent]!;
    const r = rand();
    let type = landing ? 'page_view' : (EVENT_TYPES[cumulative.findIndex((c) => r < c)] ?? 'page_view');
    if (visit.signInAfter === 0) {
      type = '$identify';
      visitor.userId = `user_${orgIndex + 1}_${Math.floor(opts.usersPerOrg * rand() ** 2)}`;
    }
    visit.signInAfter--;
    if (type === 'page_view' && !landing) visit.page = PATHS[Math.floor(rand() * PATHS.length)]!;
    idBytes.writeUIntBE(ts, 0, 6);
    for (let b = 6; b < 16; b += 2) idBytes.writeUInt16BE(Math.floor(rand() * 65536), b);
    idBytes[6] = 0x70 | ((idBytes[6] ?? 0) & 0x0f);
    idBytes[8] = 0x80 | ((idBytes[8] ?? 0) & 0x3f);
    const utm = visit.utm;
    const context = {
      page: {
        path: visit.page,
        ...(landing && visit.referrer ? { referrer: visit.referrer } : {}),
      },
      ...(utm ? { utm } : {}),
      library: { name: '@acme/analytics-sdk', version: '1.1.0' },
    };
    chunk.push({
      orgId: orgIds[orgIndex]!,
      eventId: formatUuid(idBytes),
      eventType: type,
      userId: visitor.userId,
      ts,
      receivedAt: ts,
      properties: properties(rand, type),
      schemaVersion: 1,
      anonymousId: visitor.anonymousId,
      sessionId: visit.sessionId,
      visitorId: visitor.userId ?? visitor.anonymousId,
      context,
      path: visit.page,
      referrerHost: landing ? visit.referrerHost : null,
      utmSource: utm?.source ?? null,
      utmMedium: utm?.medium ?? null,
      utmCampaign: utm?.campaign ?? null,
      browser: agent.browser,
      os: agent.os,
      device: agent.device,
      country: visitor.country,
      isBot: agent.device === 'bot',
    });
    if (chunk.length === chunkSize) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
