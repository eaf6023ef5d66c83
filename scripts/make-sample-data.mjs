#!/usr/bin/env node
// Writes sample_data/: organizations.csv, users.csv, user_orgs.csv, events.ndjson and metrics.csv.
// Deterministic: the same --seed and --end always give byte-identical files, so the files in git can be
// regenerated and reviewed as a diff. Plain Node, no dependencies, so it runs before `npm ci`.
//
//   node scripts/make-sample-data.mjs [--seed 7] [--end 2026-11-15] [--out sample_data]
//
// The data covers the 60 UTC days ending on --end. The server's seeder shifts timestamps so that the
// newest event is "now"; the files themselves stay fixed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '7' },
    end: { type: 'string', default: '2026-11-15' },
    out: { type: 'string', default: join(import.meta.dirname, '..', 'sample_data') },
  },
});

const DAY = 86_400_000;
const DAYS = 60;
const endDay = Date.parse(`${args.end}T00:00:00Z`);
if (!Number.isFinite(endDay)) throw new Error(`--end must be YYYY-MM-DD, got ${args.end}`);
const firstDay = endDay - (DAYS - 1) * DAY;

// sfc32: small, fast and well distributed; Math.random cannot be seeded.
function sfc32(a, b, c, d) {
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}
const seed = Number(args.seed) >>> 0;
const random = sfc32(0x9e3779b9, 0x243f6a88, 0xb7e15162, seed);
for (let i = 0; i < 20; i++) random(); // let the state mix before the first draw

const int = (min, max) => min + Math.floor(random() * (max - min + 1));
const pick = (list) => list[Math.floor(random() * list.length)];
function weighted(entries) {
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [value, w] of entries) {
    r -= w;
    if (r < 0) return value;
  }
  return entries[entries.length - 1][0];
}

const iso = (ms) => new Date(ms).toISOString();
const dateOf = (ms) => iso(ms).slice(0, 10);

// UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version 7, 74 random bits. The id sorts with its time,
// which is what the server's time-ordered keys expect.
function uuidv7(ms) {
  const bytes = new Uint8Array(16);
  let t = ms;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
  for (let i = 6; i < 16; i++) bytes[i] = int(0, 255);
  bytes[6] = 0x70 | (bytes[6] & 0x0f);
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// UUIDv4 from the seeded stream: an SDK's random anonymous id.
function uuidv4() {
  const hex = Array.from({ length: 16 }, () => int(0, 255).toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

// RFC 4180: quote only when needed. The values below avoid commas and quotes so that even a naive
// reader gets them right, but the writer stays correct if someone adds one.
function csv(header, rows) {
  const cell = (v) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return (
    [header, ...rows.map((r) => header.map((h) => cell(r[h])))].map((r) => r.join(',')).join('\n') + '\n'
  );
}

// ── Organisations ─────────────────────────────────────────────────────────────────────────────────────
// Six, so that "top 5" has something to leave out: Soylent went quiet a month before the end date, and
// its events all fall outside any last-30-days window.
const orgs = [
  { org_id: 'org_acme', name: 'Acme Corporation', plan: 'enterprise', created: '2024-03-11', events: 330 },
  { org_id: 'org_globex', name: 'Globex', plan: 'pro', created: '2024-08-02', events: 200 },
  { org_id: 'org_hooli', name: 'Hooli', plan: 'pro', created: '2025-01-20', events: 140 },
  { org_id: 'org_umbrella', name: 'Umbrella Labs', plan: 'starter', created: '2025-06-05', events: 110 },
  { org_id: 'org_initech', name: 'Initech', plan: 'free', created: '2025-09-14', events: 70 },
  {
    org_id: 'org_soylent',
    name: 'Soylent Société',
    plan: 'free',
    created: '2025-11-30',
    events: 50,
    activeDays: 25,
  },
];
for (const org of orgs) org.created_at = `${org.created}T${String(int(8, 17)).padStart(2, '0')}:00:00Z`;

// ── Users ─────────────────────────────────────────────────────────────────────────────────────────────
// [user_id, name, email local part, global role, orgs]. Unicode names on purpose: the dashboard and the
// CSV readers must keep them intact. Six users belong to two organisations.
const people = [
  ['usr_001', 'Ada Okafor', 'ada.okafor', 'admin', ['org_acme']],
  ['usr_002', 'Bruno Díaz', 'bruno.diaz', 'member', ['org_acme']],
  ['usr_003', 'Chen Wei', 'chen.wei', 'member', ['org_acme', 'org_globex']],
  ['usr_004', 'Dagny Ødegård', 'dagny.odegard', 'member', ['org_acme']],
  ['usr_005', 'Emeka Nwosu', 'emeka.nwosu', 'viewer', ['org_acme']],
  ['usr_006', 'François Lefèvre', 'francois.lefevre', 'member', ['org_acme', 'org_hooli']],
  ['usr_007', 'Grace Kim', 'grace.kim', 'admin', ['org_acme']],
  ['usr_008', 'Hiro Tanaka', 'hiro.tanaka', 'member', ['org_acme']],
  ['usr_009', 'Ingrid Larsen', 'ingrid.larsen', 'admin', ['org_globex']],
  ['usr_010', 'José Álvarez', 'jose.alvarez', 'member', ['org_globex']],
  ['usr_011', 'Kavya Iyer', 'kavya.iyer', 'member', ['org_globex', 'org_umbrella']],
  ['usr_012', 'Liam Murphy', 'liam.murphy', 'viewer', ['org_globex']],
  ['usr_013', 'Mei Lin', 'mei.lin', 'member', ['org_globex']],
  ['usr_014', 'Nadia Rahman', 'nadia.rahman', 'admin', ['org_hooli']],
  ['usr_015', 'Oskar Nowak', 'oskar.nowak', 'member', ['org_hooli']],
  ['usr_016', 'Priya Patel', 'priya.patel', 'member', ['org_hooli', 'org_initech']],
  ['usr_017', 'Quentin Dupont', 'quentin.dupont', 'viewer', ['org_hooli']],
  ['usr_018', 'Rosa Martínez', 'rosa.martinez', 'admin', ['org_umbrella']],
  ['usr_019', 'Søren Kierkegaard', 'soren.k', 'member', ['org_umbrella']],
  ['usr_020', 'Tomás Ruiz', 'tomas.ruiz', 'member', ['org_umbrella']],
  ['usr_021', 'Uma Thurman', 'uma.t', 'admin', ['org_initech']],
  ['usr_022', 'Viktor Petrov', 'viktor.petrov', 'member', ['org_initech']],
  ['usr_023', 'Wang Fang 王芳', 'wang.fang', 'member', ['org_initech', 'org_soylent']],
  ['usr_024', 'Xavier Dubois', 'xavier.dubois', 'admin', ['org_soylent']],
  ['usr_025', 'Yara Haddad', 'yara.haddad', 'member', ['org_soylent']],
  ['usr_026', 'Zoë Fischer', 'zoe.fischer', 'member', ['org_acme']],
  ['usr_027', 'Aiko Suzuki', 'aiko.suzuki', 'member', ['org_globex']],
  ['usr_028', 'Björn Berg', 'bjorn.berg', 'viewer', ['org_hooli', 'org_acme']],
];

const users = [];
const memberships = [];
for (const [user_id, name, local, role, orgIds] of people) {
  // Most accounts predate the window; about one in four joined during it, and gets a signup event.
  const joinedInWindow = random() < 0.25 && user_id !== 'usr_001';
  const createdMs = joinedInWindow
    ? firstDay + int(2, DAYS - 10) * DAY + int(7, 19) * 3_600_000 + int(0, 3_599_999)
    : firstDay - int(20, 500) * DAY + int(7, 19) * 3_600_000 + int(0, 3_599_999);
  const createdSec = Math.floor(createdMs / 1000) * 1000;
  const updatedSec = Math.min(createdSec + int(0, 90) * DAY + int(0, 86_399) * 1000, endDay + DAY - 1000);
  users.push({
    user_id,
    email: `${local}@${orgIds[0].slice(4)}.example`,
    name,
    role,
    created_at: iso(createdSec).replace('.000Z', 'Z'),
    updated_at: iso(updatedSec).replace('.000Z', 'Z'),
    createdMs: createdSec,
  });
  orgIds.forEach((org_id, i) => {
    const orgCreated = Date.parse(orgs.find((o) => o.org_id === org_id).created_at);
    // The second membership starts later than the account; never before the organisation existed.
    const joined = Math.min(Math.max(createdSec + i * int(3, 40) * DAY, orgCreated + DAY), endDay);
    const membershipRole = i === 0 ? (role === 'viewer' ? 'viewer' : role) : pick(['member', 'viewer']);
    memberships.push({
      user_id,
      org_id,
      role: membershipRole,
      joined_at: iso(joined).replace('.000Z', 'Z'),
      joinedMs: joined,
      invited: i > 0 || random() < 0.3,
      activity: 0.3 + random() * 2, // some people use the product far more than others
    });
  });
}

// ── Events ────────────────────────────────────────────────────────────────────────────────────────────
const pages = [
  ['/dashboard', 'Dashboard'],
  ['/dashboard/events', 'Events'],
  ['/dashboard/metrics', 'Metrics'],
  ['/reports', 'Reports'],
  ['/settings/team', 'Team settings'],
  ['/settings/billing', 'Billing'],
  ['/docs/sdk', 'SDK guide'],
  ['/pricing', 'Pricing'],
];
const referrers = [
  ['', 6],
  ['https://www.google.com/', 3],
  ['https://www.bing.com/', 1],
  ['https://news.ycombinator.com/', 1],
  ['https://github.com/', 1],
  ['https://t.co/', 1],
];
const features = [
  'events.filter',
  'events.export_csv',
  'metrics.date_range',
  'metrics.compare',
  'alerts.create',
  'sdk.install',
  'dashboard.share',
];
// Unicode report names on purpose, in several scripts and with an emoji.
const reportNames = [
  'Weekly active users',
  'Résumé trimestriel',
  '売上レポート',
  'Отчёт по выручке',
  '📈 Growth funnel',
  'Churn cohort Q3',
];
const planPrice = { free: 0, starter: 19, pro: 49, enterprise: 499 };

const typeWeights = [
  ['page_view', 46],
  ['feature_used', 20],
  ['login', 14],
  ['report_exported', 7],
  ['purchase', 5],
  ['invite_sent', 4],
];

// Day weights: quieter weekends and a gentle upward trend across the window.
function pickDay(activeDays) {
  const days = [];
  for (let d = 0; d < activeDays; d++) {
    const ms = firstDay + d * DAY;
    const weekday = new Date(ms).getUTCDay();
    days.push([ms, (weekday === 0 || weekday === 6 ? 0.4 : 1) * (0.8 + (0.4 * d) / DAYS)]);
  }
  return weighted(days);
}
// Office hours in UTC, with a tail.
const hours = Array.from({ length: 24 }, (_, h) => [h, h >= 8 && h <= 18 ? 6 : h >= 6 && h <= 22 ? 2 : 0.5]);

function propertiesFor(type, org, membership) {
  switch (type) {
    case 'page_view': {
      const [path, title] = pick(pages);
      return {
        path,
        title,
        referrer: weighted(referrers),
        duration_ms: int(300, 90_000),
      };
    }
    case 'login':
      return {
        method: weighted([
          ['password', 5],
          ['sso', org.plan === 'enterprise' ? 6 : 1],
          ['google', 3],
        ]),
        mfa: random() < 0.6,
      };
    case 'feature_used':
      return { feature: pick(features), duration_ms: int(50, 20_000) };
    case 'report_exported':
      return { report_name: pick(reportNames), format: pick(['csv', 'xlsx', 'pdf']), rows: int(10, 25_000) };
    case 'purchase': {
      const seats = org.plan === 'enterprise' ? int(5, 40) : int(1, 5);
      const unit = planPrice[org.plan] || pick([9, 19]); // free orgs buy add-ons
      return {
        plan: org.plan,
        item: org.plan === 'free' ? 'addon.extra_history' : `seat.${org.plan}`,
        seats,
        amount: Math.round(unit * seats * 100) / 100,
        currency: 'USD',
      };
    }
    case 'invite_sent':
      return {
        invitee_email: `new.hire${int(100, 999)}@${org.org_id.slice(4)}.example`,
        role: pick(['member', 'viewer']),
      };
    case 'signup':
      return { plan: org.plan, source: membership.invited ? 'invite' : pick(['organic', 'ads', 'partner']) };
    default:
      throw new Error(`no properties for ${type}`);
  }
}

// ── Visits ────────────────────────────────────────────────────────────────────────────────────────────
// Events come in visits, as a site records them: a visitor's session of a few events a few minutes apart,
// landing with a page view from a referrer (sometimes a UTM campaign). Members browse from one or two
// devices, each with its own anonymous id and User-Agent; anonymous visitors read the marketing pages, and
// some of them sign in mid-visit ($identify links their anonymous id to the member); a few crawlers too.
// Each event line carries the request's User-Agent and country as well (what the server would take from
// the request), so seeding derives the same columns an API ingest would.
const agents = {
  chromeWin:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  safariMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  edgeWin:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86',
  iphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  android:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.104 Mobile Safari/537.36',
  ipad: 'Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
};
const desktops = [
  [agents.chromeWin, 5],
  [agents.safariMac, 2],
  [agents.firefoxLinux, 1],
  [agents.edgeWin, 2],
];
const handhelds = [
  [agents.iphone, 4],
  [agents.android, 3],
  [agents.ipad, 1],
];
const crawlers = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
];
const countries = [
  ['US', 5],
  ['DE', 3],
  ['GB', 2],
  ['FR', 1],
  ['IN', 2],
  ['BR', 1],
  ['JP', 1],
  ['CA', 1],
];
const screens = {
  desktop: [
    [1920, 1080],
    [1440, 900],
    [2560, 1440],
  ],
  handheld: [
    [390, 844],
    [412, 915],
    [820, 1180],
  ],
};
const locales = {
  US: 'en-US',
  DE: 'de-DE',
  GB: 'en-GB',
  FR: 'fr-FR',
  IN: 'en-IN',
  BR: 'pt-BR',
  JP: 'ja-JP',
  CA: 'en-CA',
};
const marketing = [
  ['/', 'Acme Analytics'],
  ['/pricing', 'Pricing'],
  ['/docs/sdk', 'SDK guide'],
  ['/blog/visitors-without-cookies', 'Counting visitors without cookies'],
];
const campaigns = [
  [null, 8],
  [{ source: 'newsletter', medium: 'email', campaign: 'autumn_launch' }, 1],
  [{ source: 'google', medium: 'cpc', campaign: 'brand' }, 1],
  [{ source: 'linkedin', medium: 'social', campaign: 'webinar_q4' }, 1],
];

function device(handheldShare) {
  const handheld = random() < handheldShare;
  const ua = weighted(handheld ? handhelds : desktops);
  const [width, height] = pick(handheld ? screens.handheld : screens.desktop);
  return { anonymous_id: uuidv4(), user_agent: ua, screen: { width, height } };
}

// Each person: one or two devices and where they are.
const people_ = new Map();
for (const u of users) {
  const devices = [device(0.15)];
  if (random() < 0.5) devices.push(device(0.9));
  people_.set(u.user_id, { devices, country: weighted(countries) });
}

/** The context an SDK sends: only what is set. */
function contextFor(page, title, referrer, utm, who) {
  return {
    page: { path: page, title, ...(referrer ? { referrer } : {}) },
    ...(utm ? { utm } : {}),
    screen: who.screen,
    locale: who.locale,
    library: { name: '@acme/analytics-sdk', version: '1.1.0' },
  };
}

const events = [];
for (const org of orgs) {
  const members = memberships.filter((m) => m.org_id === org.org_id);
  const activeDays = org.activeDays ?? DAYS;
  const windowEnd = firstDay + activeDays * DAY;
  const count = () => events.filter((e) => e.org === org).length;
  // Members who joined in the window sign up first, in a visit of their own.
  for (const m of members) {
    if (m.joinedMs >= firstDay && m.joinedMs < windowEnd) {
      const person = people_.get(m.user_id);
      const d = person.devices[0];
      const ms = m.joinedMs + int(1000, 59_000);
      const visit = {
        session_id: uuidv7(ms),
        anonymous_id: d.anonymous_id,
        user_agent: d.user_agent,
        country: person.country,
      };
      const who = { screen: d.screen, locale: locales[person.country] };
      events.push({
        org,
        user_id: m.user_id,
        type: 'signup',
        ms,
        member: m,
        visit,
        context: contextFor('/signup', 'Sign up', null, null, who),
      });
    }
  }
  while (count() < org.events) {
    const start = pickDay(activeDays) + weighted(hours) * 3_600_000 + int(0, 3_599_999);
    const kind = weighted([
      ['member', 15],
      ['anonymous', 4],
      ['crawler', 1],
    ]);
    const [landing, landingTitle] = pick(marketing);
    const referrer = kind === 'crawler' ? null : weighted(referrers) || null;
    const utm = kind === 'crawler' ? null : weighted(campaigns);
    let length = 1;
    while (length < 8 && random() < 0.65) length++;
    let ms = start;
    if (kind === 'crawler') {
      const visit = { session_id: uuidv7(start), user_agent: pick(crawlers), country: 'US' };
      for (let i = 0; i < Math.min(length, 3) && count() < org.events; i++) {
        const [page, title] = marketing[i % marketing.length];
        events.push({
          org,
          user_id: null,
          type: 'page_view',
          ms,
          visit,
          anonymousPath: page,
          anonymousTitle: title,
        });
        ms += int(2_000, 20_000);
      }
      continue;
    }
    if (kind === 'anonymous') {
      // A prospect reading the marketing pages; one in four is a member signing in from a new device.
      const eligible = members.filter((m) => m.joinedMs + 60_000 < start);
      const signsIn =
        eligible.length > 0 && random() < 0.25 ? weighted(eligible.map((m) => [m, m.activity])) : null;
      const d = device(0.5);
      const country = signsIn ? people_.get(signsIn.user_id).country : weighted(countries);
      const visit = {
        session_id: uuidv7(start),
        anonymous_id: d.anonymous_id,
        user_agent: d.user_agent,
        country,
      };
      const who = { screen: d.screen, locale: locales[country] };
      let user = null;
      for (let i = 0; i < length && count() < org.events; i++) {
        const [page, title] = i === 0 ? [landing, landingTitle] : pick(marketing);
        if (signsIn && i === Math.min(2, length - 1)) {
          user = signsIn.user_id;
          events.push({
            org,
            user_id: user,
            type: '$identify',
            ms,
            visit,
            member: signsIn,
            properties: { method: 'password' },
            context: contextFor(page, title, null, utm, who),
          });
          ms += int(5_000, 40_000);
          if (count() >= org.events) break;
        }
        events.push({
          org,
          user_id: user,
          type: 'page_view',
          ms,
          visit,
          member: signsIn ?? undefined,
          anonymousPath: page,
          anonymousTitle: title,
          context: contextFor(page, title, i === 0 ? referrer : null, utm, who),
        });
        ms += int(10_000, 240_000);
      }
      continue;
    }
    const eligible = members.filter((m) => m.joinedMs + 60_000 < start);
    if (eligible.length === 0) continue;
    const member = weighted(eligible.map((m) => [m, m.activity]));
    const person = people_.get(member.user_id);
    const d = person.devices.length > 1 && random() < 0.3 ? person.devices[1] : person.devices[0];
    const visit = {
      session_id: uuidv7(start),
      anonymous_id: d.anonymous_id,
      user_agent: d.user_agent,
      country: person.country,
    };
    const who = { screen: d.screen, locale: locales[person.country] };
    // The page the member is on: each page view moves it, and the visit's other events happen there.
    let current = ['/dashboard', 'Dashboard'];
    for (let i = 0; i < length && count() < org.events; i++) {
      let type = i === 0 ? 'page_view' : weighted(typeWeights);
      // Viewers read; they do not buy or invite.
      if (member.role === 'viewer' && (type === 'purchase' || type === 'invite_sent')) type = 'page_view';
      const properties = propertiesFor(type, org, member);
      const landing = i === 0 ? referrer : null;
      if (type === 'page_view') {
        current = [properties.path, properties.title];
        properties.referrer = landing ?? '';
      }
      const context = contextFor(current[0], current[1], landing, utm, who);
      events.push({ org, user_id: member.user_id, type, ms, member, visit, properties, context });
      ms += int(15_000, 300_000);
    }
  }
}

events.sort((a, b) => a.ms - b.ms || a.org.org_id.localeCompare(b.org.org_id));
const rows = events.map((e) => {
  const properties = e.properties ?? propertiesFor(e.type, e.org, e.member);
  if (e.anonymousPath && e.type === 'page_view') {
    properties.path = e.anonymousPath;
    properties.title = e.anonymousTitle;
  }
  if (e.anonymousPath && e.type === 'page_view') properties.referrer = e.context?.page.referrer ?? '';
  // Crawlers run no SDK storage, but send the page they fetched.
  const context = e.context ?? { page: { path: e.anonymousPath, title: e.anonymousTitle } };
  const row = {
    event_id: uuidv7(e.ms),
    org_id: e.org.org_id,
    user_id: e.user_id,
    event_type: e.type,
    properties,
    timestamp: iso(e.ms),
  };
  if (e.visit.anonymous_id) row.anonymous_id = e.visit.anonymous_id;
  row.session_id = e.visit.session_id;
  row.context = context;
  row.user_agent = e.visit.user_agent;
  row.country = e.visit.country;
  return row;
});

// One hostile value, so that every surface that shows properties proves it escapes them: a search term
// captured from a URL, which is how such text reaches real analytics data.
const target = rows.findLast((r) => r.org_id === 'org_acme' && r.event_type === 'page_view' && r.user_id);
target.properties = {
  ...target.properties,
  path: '/search',
  title: 'Search',
  search: '<img src=x onerror=alert(1)>',
};
target.context = { ...target.context, page: { path: '/search', title: 'Search' } };

// ── Metrics ───────────────────────────────────────────────────────────────────────────────────────────
// revenue_usd is the day's purchase amounts, so it agrees with events.ndjson; errors are what a product
// would report from elsewhere, loosely following the day's activity.
const metrics = [];
for (const org of orgs) {
  for (let d = 0; d < DAYS; d++) {
    const day = firstDay + d * DAY;
    const date = dateOf(day);
    const today = rows.filter((r) => r.org_id === org.org_id && r.timestamp.startsWith(date));
    const revenue = today
      .filter((r) => r.event_type === 'purchase')
      .reduce((sum, r) => sum + r.properties.amount, 0);
    const logins = today.filter((r) => r.event_type === 'login').length;
    const views = today.filter((r) => r.event_type === 'page_view').length;
    const sessions = today.length === 0 ? 0 : logins + Math.ceil(views / 3) + int(0, 4);
    // Rare error spikes make the errors series worth charting.
    const errors = today.length === 0 ? 0 : random() < 0.05 ? int(12, 40) : int(0, 3);
    metrics.push({
      org_id: org.org_id,
      date,
      metric_name: 'revenue_usd',
      value: Math.round(revenue * 100) / 100,
    });
    // (The API counts sessions itself from the events now; the draw stays so the other numbers keep their
    // place in the random stream.)
    void sessions;
    metrics.push({ org_id: org.org_id, date, metric_name: 'errors', value: errors });
  }
}

// ── Write ─────────────────────────────────────────────────────────────────────────────────────────────
mkdirSync(args.out, { recursive: true });
const write = (file, text) => writeFileSync(join(args.out, file), text);
write('organizations.csv', csv(['org_id', 'name', 'plan', 'created_at'], orgs));
write('users.csv', csv(['user_id', 'email', 'name', 'role', 'created_at', 'updated_at'], users));
write('user_orgs.csv', csv(['user_id', 'org_id', 'role', 'joined_at'], memberships));
write('events.ndjson', rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
write('metrics.csv', csv(['org_id', 'date', 'metric_name', 'value'], metrics));

const types = new Set(rows.map((r) => r.event_type));
console.log(
  `sample_data: ${orgs.length} organisations, ${users.length} users, ${memberships.length} memberships, ` +
    `${rows.length} events of ${types.size} types (${dateOf(firstDay)} to ${dateOf(endDay)}), ${metrics.length} metric rows`,
);
