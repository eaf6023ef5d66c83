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
const browsers = ['Chrome 131', 'Firefox 133', 'Safari 18', 'Edge 131'];

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
        browser: pick(browsers),
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

const events = [];
for (const org of orgs) {
  const members = memberships.filter((m) => m.org_id === org.org_id);
  const activeDays = org.activeDays ?? DAYS;
  const windowEnd = firstDay + activeDays * DAY;
  // Members who joined in the window sign up first; the signup counts towards the org's total.
  for (const m of members) {
    if (m.joinedMs >= firstDay && m.joinedMs < windowEnd) {
      events.push({ org, user_id: m.user_id, type: 'signup', ms: m.joinedMs + int(1000, 59_000), member: m });
    }
  }
  const target = org.events - events.filter((e) => e.org === org).length;
  let anonymous = 0;
  for (let i = 0; i < target; i++) {
    const ms = pickDay(activeDays) + weighted(hours) * 3_600_000 + int(0, 3_599_999);
    let type = weighted(typeWeights);
    // A few anonymous landing-page views (no user_id): the API allows them, and DAU must ignore them.
    if (type === 'page_view' && anonymous < 3 && random() < 0.08) {
      anonymous++;
      events.push({ org, user_id: null, type, ms, anonymousPath: pick(['/', '/pricing', '/docs/sdk']) });
      continue;
    }
    const eligible = members.filter((m) => m.joinedMs + 60_000 < ms);
    if (eligible.length === 0) {
      i--;
      continue;
    }
    const member = weighted(eligible.map((m) => [m, m.activity]));
    // Viewers read; they do not buy or invite.
    if (member.role === 'viewer' && (type === 'purchase' || type === 'invite_sent')) type = 'page_view';
    events.push({ org, user_id: member.user_id, type, ms, member });
  }
}

events.sort((a, b) => a.ms - b.ms || a.org.org_id.localeCompare(b.org.org_id));
const rows = events.map((e) => {
  const properties = propertiesFor(e.type, e.org, e.member);
  if (e.anonymousPath) {
    properties.path = e.anonymousPath;
    properties.title = 'Acme Analytics';
  }
  return {
    event_id: uuidv7(e.ms),
    org_id: e.org.org_id,
    user_id: e.user_id,
    event_type: e.type,
    properties,
    timestamp: iso(e.ms),
  };
});

// One hostile value, so that every surface that shows properties proves it escapes them: a search term
// captured from a URL, which is how such text reaches real analytics data.
const target = rows.findLast((r) => r.org_id === 'org_acme' && r.event_type === 'page_view');
target.properties = {
  ...target.properties,
  path: '/search',
  title: 'Search',
  search: '<img src=x onerror=alert(1)>',
};

// ── Metrics ───────────────────────────────────────────────────────────────────────────────────────────
// revenue_usd is the day's purchase amounts, so it agrees with events.ndjson; sessions and errors are
// what a product would report from elsewhere, loosely following the day's activity.
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
    metrics.push({ org_id: org.org_id, date, metric_name: 'sessions', value: sessions });
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
