/**
 * `npm run gen-data -- --events N --orgs K --seed S [--database-url URL] [--days 90] [--users-per-org 200]
 * [--end 2026-01-01T00:00:00Z]` bulk-loads a deterministic data set straight into the database (no HTTP).
 * The same options give the same events; `--end` defaults to now, so pass it for byte-identical data.
 * Events come in visits: visitors with anonymous ids (a third of them signed-in users, some signing in
 * mid-visit), sessions, referrers, UTM campaigns, browsers and devices (3 % crawlers) and countries, with
 * the columns the server derives at ingest (see `lib/generate.ts`).
 */
import { parseArgs } from 'node:util';
import { generateEvents } from '../lib/generate.js';
import { parseInstant } from '../lib/time.js';
import { openStore, redact } from '../store/index.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    orgs: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    days: { type: 'string', default: '90' },
    'users-per-org': { type: 'string', default: '200' },
    end: { type: 'string' },
    'database-url': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  process.stdout.write(
    'usage: npm run gen-data -- --events N --orgs K --seed S [--database-url URL] [--days 90] [--users-per-org 200] [--end RFC3339]\n',
  );
  process.exit(0);
}

function positive(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`gen-data: --${name} must be a positive integer\n`);
    process.exit(2);
  }
  return n;
}

const end = values.end === undefined ? Date.now() : parseInstant(values.end);
if (end === null) {
  process.stderr.write('gen-data: --end must be an RFC 3339 instant\n');
  process.exit(2);
}
const opts = {
  events: positive('events', values.events),
  orgs: positive('orgs', values.orgs),
  seed: positive('seed', values.seed),
  days: positive('days', values.days),
  usersPerOrg: positive('users-per-org', values['users-per-org']),
  end,
};
const url = values['database-url'] ?? process.env.DATABASE_URL ?? 'sqlite:./data/analytics.db';
const databaseUrl =
  url.startsWith('sqlite:') && !url.startsWith('sqlite:/') && !url.startsWith('sqlite::')
    ? `sqlite:${new URL(url.slice(7), `file://${process.env.INIT_CWD ?? process.cwd()}/`).pathname}`
    : url;

const store = await openStore(databaseUrl);
const t0 = performance.now();
let stored = 0;
for (const chunk of generateEvents(opts)) {
  stored += await store.bulkLoad(chunk);
  process.stderr.write(`\rgen-data: ${stored.toLocaleString('en-US')} events`);
}
const seconds = (performance.now() - t0) / 1000;
await store.close();
process.stderr.write('\n');
process.stdout.write(
  `${JSON.stringify({ database: redact(databaseUrl), ...opts, stored, seconds: Math.round(seconds * 10) / 10, events_per_s: Math.round(stored / seconds) })}\n`,
);
