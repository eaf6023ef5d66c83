import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { pageFields } from '../../enrich/page.js';
import { formatUuid } from '../../lib/ids.js';
import { formatDay } from '../../lib/time.js';
import type { PostgresEventStore } from './index.js';
import { UPSERT_ORGANIZATIONS, UPSERT_USER_ORGS, UPSERT_USERS } from './statements.js';
import { inTransaction } from './transaction.js';

/**
 * Copy a SQLite store into a PostgreSQL store, table by table, in keyset order, resumably.
 *
 * Each chunk is written together with its progress row (the last source key copied) in one PostgreSQL
 * transaction, so an interrupted copy resumes after the last committed chunk and never copies a row twice
 * (every insert is also idempotent on its key). The source is read inside one read transaction per run: a
 * consistent snapshot even if a server is still writing to it; rows written after the snapshot are not copied,
 * so stop writers before the final run. At the end, every table's row count is compared with the source's.
 *
 * The SQLite schema keeps dictionaries (integer ids for orgs, users and event types); PostgreSQL stores the
 * text. Dictionary rows without profile data (an org or user only ever seen in events) have nothing to copy
 * of their own: their ids travel inside the rows that use them.
 */

/**
 * The SQLite schema versions this copier reads (`PRAGMA user_version`). Version 2 moved events and
 * idempotency records into rowid tables with the same columns and the same keys (now unique indexes), so
 * every query below reads both. Version 3 added the visitor columns and tables: an older source's events get
 * their visitor and page columns as the backfill fills them, and its daily visitors from daily_users.
 * Version 4 added `ingest_keys` (publishable keys), copied from sources that have it; version 5 the
 * delivery-completeness bookkeeping (`delivery_*`, the same columns on both sides); version 6 the hourly
 * rollups, derived from the events and not kept by PostgreSQL, so nothing of them is copied.
 */
export const SQLITE_SCHEMA_VERSIONS = [1, 2, 3, 4, 5, 6];

type Value = string | number | Buffer | null;
type Key = Value[];

/** Keys are kept as JSON in the progress table; BLOB parts (event ids) as `{ "hex": … }`. */
function encodeKey(key: Key): unknown[] {
  return key.map((v) => (Buffer.isBuffer(v) ? { hex: v.toString('hex') } : v));
}

function decodeKey(json: unknown[]): Key {
  return json.map((v) =>
    v !== null && typeof v === 'object' && 'hex' in v ? Buffer.from(String(v.hex), 'hex') : (v as Value),
  );
}

interface TableSpec {
  name: string;
  /** Rows to copy, counted the same way in the source. */
  count: string;
  /**
   * One chunk after the key `?…` (NULL key: from the start); `key` columns come first in each row.
   * `version` is the source's schema version.
   */
  select(after: boolean, version: number): string;
  keyLength: number;
  /** Target rows counted for the check. */
  targetCount: string;
  insert: string;
  /** Source row (after the key columns) → the arrays bound to `insert`, one array per column. */
  columns: number;
  map(row: Value[]): unknown[];
  /** The SQLite schema version that added the table (older sources have nothing to copy); default 1. */
  since?: number;
  /** The last SQLite schema version this spec reads (a newer one copies the table another way). */
  until?: number;
}

const ts = (ms: unknown) => ms as number;

const DAILY_VISITORS_INSERT = `INSERT INTO daily_visitors (org_id, day, is_bot, visitor_id)
  SELECT o, d::date, b, v FROM unnest($1::text[], $2::text[], $3::bool[], $4::text[]) AS x(o, d, b, v)
  ON CONFLICT DO NOTHING`;
const blobId = (b: unknown) => formatUuid(b as Buffer);

/** Keyset condition on a composite key, spelled out because SQLite row values compare only in newer builds. */
function after(cols: string[]): string {
  const parts = cols.map((_, i) => {
    const eq = cols.slice(0, i).map((c) => `${c} = ?`);
    return `(${[...eq, `${cols[i]} > ?`].join(' AND ')})`;
  });
  return `(${parts.join(' OR ')})`;
}

function keyParams(key: Key): Value[] {
  // after() binds key[0]; key[0], key[1]; key[0], key[1], key[2]; …
  const out: Value[] = [];
  for (let i = 0; i < key.length; i++) out.push(...key.slice(0, i + 1));
  return out;
}

const TABLES: TableSpec[] = [
  {
    name: 'organizations',
    count: 'SELECT count(*) FROM orgs WHERE name IS NOT NULL',
    keyLength: 1,
    select: (a) =>
      `SELECT org_id, name, coalesce(plan, ''), created_at FROM orgs
        WHERE name IS NOT NULL ${a ? `AND ${after(['org_id'])}` : ''} ORDER BY org_id LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM organizations',
    columns: 4,
    map: (r) => r,
    insert: UPSERT_ORGANIZATIONS,
  },
  {
    name: 'users',
    count: `SELECT count(*) FROM users WHERE coalesce(email, name, role, created_at, updated_at) IS NOT NULL`,
    keyLength: 1,
    select: (a) =>
      `SELECT user_id, email, name, role, created_at, updated_at FROM users
        WHERE coalesce(email, name, role, created_at, updated_at) IS NOT NULL
          ${a ? `AND ${after(['user_id'])}` : ''} ORDER BY user_id LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM users',
    columns: 6,
    map: (r) => r,
    insert: UPSERT_USERS,
  },
  {
    name: 'user_orgs',
    count: 'SELECT count(*) FROM user_orgs',
    keyLength: 2,
    select: (a) =>
      `SELECT m.org, m.user, o.org_id, u.user_id, m.role, m.joined_at
         FROM user_orgs m JOIN orgs o ON o.id = m.org JOIN users u ON u.id = m.user
        ${a ? `WHERE ${after(['m.org', 'm.user'])}` : ''} ORDER BY m.org, m.user LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM user_orgs',
    columns: 4,
    map: (r) => r,
    insert: UPSERT_USER_ORGS,
  },
  {
    name: 'events',
    count: 'SELECT count(*) FROM events',
    keyLength: 3,
    select: (a, version) =>
      `SELECT e.org, e.ts, e.event_id, o.org_id, e.event_id, t.name, u.user_id, e.ts, e.received_at,
              e.schema_version, e.properties,
              ${
                version >= 3
                  ? `e.anonymous_id, e.session_id, coalesce(e.visitor_id, u.user_id, e.anonymous_id), e.context, e.path, e.referrer_host,
                     e.utm_source, e.utm_medium, e.utm_campaign, e.browser, e.os, e.device, e.country, e.is_bot, 1`
                  : 'NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0'
              }
         FROM events e JOIN orgs o ON o.id = e.org JOIN event_types t ON t.id = e.type
         LEFT JOIN users u ON u.id = e.user
        ${a ? `WHERE ${after(['e.org', 'e.ts', 'e.event_id'])}` : ''}
        ORDER BY e.org, e.ts, e.event_id LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM events',
    columns: 22,
    map: (r) => {
      // Rows of a source from before the visitors migration (the last column is 0): their visitor and page
      // columns as the backfill fills them (see sqlite/backfill.ts).
      const filled = r[22] === 1;
      const page =
        !filled && r[12] === null && r[2] === 'page_view'
          ? pageFields(undefined, 'page_view', JSON.parse(r[7] as string) as Record<string, unknown>)
          : undefined;
      return [
        r[0],
        blobId(r[1]),
        r[2],
        r[3],
        ts(r[4]),
        ts(r[5]),
        r[6],
        r[7],
        r[8],
        r[9],
        filled ? r[10] : (r[3] ?? r[8]),
        r[11],
        page ? page.path : r[12],
        page ? page.referrerHost : r[13],
        page ? page.utmSource : r[14],
        page ? page.utmMedium : r[15],
        page ? page.utmCampaign : r[16],
        r[17],
        r[18],
        r[19],
        r[20],
        r[21] === 1,
      ];
    },
    // Rollups are copied as tables below, so this writes events and their dedup rows only.
    insert: `WITH input AS (
               SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::float8[], $6::float8[],
                                    $7::int4[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                                    $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[],
                                    $19::text[], $20::text[], $21::text[], $22::bool[])
                      AS u(org_id, event_id, event_type, user_id, ms, received_ms, schema_version, properties,
                           anonymous_id, session_id, visitor_id, context, path, referrer_host, utm_source,
                           utm_medium, utm_campaign, browser, os, device, country, is_bot)
             ), fresh AS (
               INSERT INTO event_ids (org_id, event_id, "timestamp")
               SELECT org_id, event_id, to_timestamp(ms / 1000) FROM input
               ON CONFLICT DO NOTHING RETURNING org_id, event_id
             )
             INSERT INTO events (org_id, "timestamp", event_id, event_type, user_id, received_at, schema_version,
                                 properties, anonymous_id, session_id, visitor_id, context, path, referrer_host,
                                 utm_source, utm_medium, utm_campaign, browser, os, device, country, is_bot)
             SELECT i.org_id, to_timestamp(i.ms / 1000), i.event_id, i.event_type, i.user_id,
                    to_timestamp(i.received_ms / 1000), i.schema_version, i.properties::jsonb, i.anonymous_id,
                    i.session_id, i.visitor_id, i.context::jsonb, i.path, i.referrer_host, i.utm_source,
                    i.utm_medium, i.utm_campaign, i.browser, i.os, i.device, i.country, i.is_bot
               FROM input i JOIN fresh f ON f.org_id = i.org_id AND f.event_id = i.event_id`,
  },
  {
    name: 'daily_counts',
    count: 'SELECT count(*) FROM daily_counts',
    keyLength: 3,
    select: (a) =>
      `SELECT c.org, c.day, c.type, o.org_id, c.day, t.name, c.n, c.last_ts
         FROM daily_counts c JOIN orgs o ON o.id = c.org JOIN event_types t ON t.id = c.type
        ${a ? `WHERE ${after(['c.org', 'c.day', 'c.type'])}` : ''} ORDER BY c.org, c.day, c.type LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM daily_counts',
    columns: 5,
    map: (r) => [r[0], formatDay(r[1] as number), r[2], r[3], ts(r[4])],
    // Overwrites rather than adds, so copying a chunk twice leaves the same numbers.
    insert: `INSERT INTO daily_counts (org_id, day, event_type, n, last_seen)
             SELECT o, d::date, t, n, to_timestamp(l / 1000)
               FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::float8[]) AS x(o, d, t, n, l)
             ON CONFLICT (org_id, day, event_type) DO UPDATE SET n = excluded.n, last_seen = excluded.last_seen`,
  },
  {
    name: 'daily_users',
    count: 'SELECT count(*) FROM daily_users',
    keyLength: 3,
    select: (a) =>
      `SELECT d.org, d.day, d.user, o.org_id, d.day, u.user_id
         FROM daily_users d JOIN orgs o ON o.id = d.org JOIN users u ON u.id = d.user
        ${a ? `WHERE ${after(['d.org', 'd.day', 'd.user'])}` : ''} ORDER BY d.org, d.day, d.user LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM daily_users',
    columns: 3,
    map: (r) => [r[0], formatDay(r[1] as number), r[2]],
    insert: `INSERT INTO daily_users (org_id, day, user_id)
             SELECT o, d::date, u FROM unnest($1::text[], $2::text[], $3::text[]) AS x(o, d, u)
             ON CONFLICT DO NOTHING`,
  },
  {
    name: 'metrics',
    count: 'SELECT count(*) FROM metrics',
    keyLength: 3,
    select: (a) =>
      `SELECT m.org, m.name, m.day, o.org_id, m.name, m.day, m.value
         FROM metrics m JOIN orgs o ON o.id = m.org
        ${a ? `WHERE ${after(['m.org', 'm.name', 'm.day'])}` : ''} ORDER BY m.org, m.name, m.day LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM metrics',
    columns: 4,
    map: (r) => [r[0], r[1], formatDay(r[2] as number), r[3]],
    insert: `INSERT INTO metrics (org_id, metric_name, day, value)
             SELECT o, n, d::date, v FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[]) AS x(o, n, d, v)
             ON CONFLICT (org_id, metric_name, day) DO UPDATE SET value = excluded.value`,
  },
  {
    name: 'idempotency_keys',
    count: 'SELECT count(*) FROM idempotency_keys',
    keyLength: 2,
    select: (a) =>
      `SELECT k.org, k.key, o.org_id, k.key, k.request_hash, k.status, k.body, k.created_at
         FROM idempotency_keys k JOIN orgs o ON o.id = k.org
        ${a ? `WHERE ${after(['k.org', 'k.key'])}` : ''} ORDER BY k.org, k.key LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM idempotency_keys',
    columns: 6,
    map: (r) => [r[0], r[1], r[2], r[3], r[4], ts(r[5])],
    insert: `INSERT INTO idempotency_keys (org_id, key, request_hash, status, body, created_at)
             SELECT o, k, h, s, b, to_timestamp(c / 1000)
               FROM unnest($1::text[], $2::text[], $3::text[], $4::int4[], $5::text[], $6::float8[])
                    AS x(o, k, h, s, b, c)
             ON CONFLICT (org_id, key) DO NOTHING`,
  },
  {
    name: 'ingest_keys',
    since: 4,
    count: 'SELECT count(*) FROM ingest_keys',
    keyLength: 2,
    select: (a) =>
      `SELECT org_id, id, org_id, id, key_hash, prefix, name, allowed_origins, rate_limit_per_minute,
              created_at, revoked_at
         FROM ingest_keys ${a ? `WHERE ${after(['org_id', 'id'])}` : ''} ORDER BY org_id, id LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM ingest_keys',
    columns: 9,
    map: (r) => r,
    // Only the keys' hashes exist on either side; allowed_origins goes from a JSON array to text[].
    insert: `INSERT INTO ingest_keys (org_id, id, key_hash, prefix, name, allowed_origins, rate_limit_per_minute,
                                      created_at, revoked_at)
             SELECT o, i::uuid, h, p, n, ARRAY(SELECT json_array_elements_text(a::json)), r,
                    to_timestamp(c / 1000), to_timestamp(v / 1000)
               FROM unnest($1::text[], $2::text[], $3::bytea[], $4::text[], $5::text[], $6::text[], $7::int4[],
                           $8::float8[], $9::float8[]) AS x(o, i, h, p, n, a, r, c, v)
             ON CONFLICT (org_id, id) DO NOTHING`,
  },
  // Delivery completeness (SQLite schema 5): the same columns, the org's text for its id.
  {
    name: 'delivery_installs',
    since: 5,
    count: 'SELECT count(*) FROM delivery_installs',
    keyLength: 2,
    select: (a) =>
      `SELECT d.org, d.install_id, o.org_id, d.install_id, d.first_seen, d.last_seen, d.received, d.duplicates,
              d.degraded, d.queue_depth, d.oldest_queued_at, d.reported_at, d.ranges, d.dropped, d.days
         FROM delivery_installs d JOIN orgs o ON o.id = d.org
        ${a ? `WHERE ${after(['d.org', 'd.install_id'])}` : ''} ORDER BY d.org, d.install_id LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM delivery_installs',
    columns: 13,
    map: (r) => [...r.slice(0, 6), r[6] === 1, ...r.slice(7)],
    insert: `INSERT INTO delivery_installs (org_id, install_id, first_seen, last_seen, received, duplicates,
               degraded, queue_depth, oldest_queued_at, reported_at, ranges, dropped, days)
             SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[],
               $7::bool[], $8::int4[], $9::bigint[], $10::bigint[], $11::text[], $12::text[], $13::text[])
             ON CONFLICT (org_id, install_id) DO NOTHING`,
  },
  {
    name: 'delivery_orgs',
    since: 5,
    count: 'SELECT count(*) FROM delivery_orgs',
    keyLength: 1,
    select: (a) =>
      `SELECT d.org, o.org_id, d.installs FROM delivery_orgs d JOIN orgs o ON o.id = d.org
        ${a ? 'WHERE d.org > ?' : ''} ORDER BY d.org LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM delivery_orgs',
    columns: 2,
    map: (r) => r,
    insert: `INSERT INTO delivery_orgs (org_id, installs) SELECT * FROM unnest($1::text[], $2::int4[])
             ON CONFLICT (org_id) DO UPDATE SET installs = excluded.installs`,
  },
  {
    name: 'delivery_counts',
    since: 5,
    count: 'SELECT count(*) FROM delivery_counts',
    keyLength: 2,
    select: (a) =>
      `SELECT c.org, c.quarter, o.org_id, c.quarter, c.received, c.duplicates
         FROM delivery_counts c JOIN orgs o ON o.id = c.org
        ${a ? `WHERE ${after(['c.org', 'c.quarter'])}` : ''} ORDER BY c.org, c.quarter LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM delivery_counts',
    columns: 4,
    map: (r) => r,
    // Counts overwrite rather than add, like the rollups above (a resumed chunk is written again).
    insert: `INSERT INTO delivery_counts (org_id, quarter, received, duplicates)
             SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[])
             ON CONFLICT (org_id, quarter) DO UPDATE SET received = excluded.received,
               duplicates = excluded.duplicates`,
  },
  // Visitors and sessions (SQLite schema 3). Rollups overwrite rather than add, like the ones above.
  {
    name: 'daily_visitors',
    since: 3,
    count: 'SELECT count(*) FROM daily_visitors',
    keyLength: 4,
    select: (a) =>
      `SELECT d.org, d.day, d.is_bot, d.visitor, o.org_id, d.day, d.is_bot, v.visitor_id
         FROM daily_visitors d JOIN orgs o ON o.id = d.org JOIN visitors v ON v.id = d.visitor
        ${a ? `WHERE ${after(['d.org', 'd.day', 'd.is_bot', 'd.visitor'])}` : ''}
        ORDER BY d.org, d.day, d.is_bot, d.visitor LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM daily_visitors',
    columns: 4,
    map: (r) => [r[0], formatDay(r[1] as number), r[2] === 1, r[3]],
    insert: DAILY_VISITORS_INSERT,
  },
  {
    // An older source has no daily visitors: its visitors are its users, as the backfill makes them.
    name: 'daily_visitors',
    until: 2,
    count: 'SELECT count(*) FROM daily_users',
    keyLength: 3,
    select: (a) =>
      `SELECT d.org, d.day, d.user, o.org_id, d.day, 0, u.user_id
         FROM daily_users d JOIN orgs o ON o.id = d.org JOIN users u ON u.id = d.user
        ${a ? `WHERE ${after(['d.org', 'd.day', 'd.user'])}` : ''} ORDER BY d.org, d.day, d.user LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM daily_visitors',
    columns: 4,
    map: (r) => [r[0], formatDay(r[1] as number), r[2] === 1, r[3]],
    insert: DAILY_VISITORS_INSERT,
  },
  {
    name: 'sessions',
    since: 3,
    count: 'SELECT count(*) FROM sessions',
    keyLength: 3,
    select: (a) =>
      `SELECT s.org, s.session_id, s.is_bot, o.org_id, s.session_id, s.is_bot, s.visitor_id, s.start_ts,
              s.end_ts, s.events, s.pageviews, s.entry_ts, s.entry_path
         FROM sessions s JOIN orgs o ON o.id = s.org
        ${a ? `WHERE ${after(['s.org', 's.session_id', 's.is_bot'])}` : ''}
        ORDER BY s.org, s.session_id, s.is_bot LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM sessions',
    columns: 10,
    map: (r) => [r[0], r[1], r[2] === 1, r[3], r[4], r[5], r[6], r[7], r[8], r[9]],
    insert: `INSERT INTO sessions (org_id, session_id, is_bot, visitor_id, start_ms, end_ms, events, pageviews,
                                   entry_ms, entry_path)
             SELECT * FROM unnest($1::text[], $2::text[], $3::bool[], $4::text[], $5::int8[], $6::int8[],
                                  $7::int4[], $8::int4[], $9::int8[], $10::text[])
             ON CONFLICT (org_id, session_id, is_bot) DO UPDATE SET visitor_id = excluded.visitor_id,
               start_ms = excluded.start_ms, end_ms = excluded.end_ms, events = excluded.events,
               pageviews = excluded.pageviews, entry_ms = excluded.entry_ms, entry_path = excluded.entry_path`,
  },
  {
    name: 'daily_sessions',
    since: 3,
    count: 'SELECT count(*) FROM daily_sessions',
    keyLength: 3,
    select: (a) =>
      `SELECT d.org, d.day, d.is_bot, o.org_id, d.day, d.is_bot, d.sessions, d.bounces, d.duration_ms,
              d.pageviews
         FROM daily_sessions d JOIN orgs o ON o.id = d.org
        ${a ? `WHERE ${after(['d.org', 'd.day', 'd.is_bot'])}` : ''} ORDER BY d.org, d.day, d.is_bot LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM daily_sessions',
    columns: 7,
    map: (r) => [r[0], formatDay(r[1] as number), r[2] === 1, r[3], r[4], r[5], r[6]],
    insert: `INSERT INTO daily_sessions (org_id, day, is_bot, sessions, bounces, duration_ms, pageviews)
             SELECT o, d::date, b, s, n, ms, pv
               FROM unnest($1::text[], $2::text[], $3::bool[], $4::int8[], $5::int8[], $6::int8[], $7::int8[])
                    AS x(o, d, b, s, n, ms, pv)
             ON CONFLICT (org_id, day, is_bot) DO UPDATE SET sessions = excluded.sessions,
               bounces = excluded.bounces, duration_ms = excluded.duration_ms, pageviews = excluded.pageviews`,
  },
  {
    name: 'daily_bot_counts',
    since: 3,
    count: 'SELECT count(*) FROM daily_bot_counts',
    keyLength: 3,
    select: (a) =>
      `SELECT c.org, c.day, c.type, o.org_id, c.day, t.name, c.n
         FROM daily_bot_counts c JOIN orgs o ON o.id = c.org JOIN event_types t ON t.id = c.type
        ${a ? `WHERE ${after(['c.org', 'c.day', 'c.type'])}` : ''} ORDER BY c.org, c.day, c.type LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM daily_bot_counts',
    columns: 4,
    map: (r) => [r[0], formatDay(r[1] as number), r[2], r[3]],
    insert: `INSERT INTO daily_bot_counts (org_id, day, event_type, n)
             SELECT o, d::date, t, n FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[]) AS x(o, d, t, n)
             ON CONFLICT (org_id, day, event_type) DO UPDATE SET n = excluded.n`,
  },
  {
    name: 'identities',
    since: 3,
    count: 'SELECT count(*) FROM identities',
    keyLength: 2,
    select: (a) =>
      `SELECT i.org, i.anonymous_id, o.org_id, i.anonymous_id, i.user_id, i.linked_at
         FROM identities i JOIN orgs o ON o.id = i.org
        ${a ? `WHERE ${after(['i.org', 'i.anonymous_id'])}` : ''} ORDER BY i.org, i.anonymous_id LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM identities',
    columns: 4,
    map: (r) => [r[0], r[1], r[2], ts(r[3])],
    insert: `INSERT INTO identities (org_id, anonymous_id, user_id, linked_at)
             SELECT o, a, u, to_timestamp(l / 1000)
               FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[]) AS x(o, a, u, l)
             ON CONFLICT (org_id, anonymous_id) DO NOTHING`,
  },
  {
    // Today's and yesterday's salts, so cookieless visitors keep their ids across the move.
    name: 'visitor_salts',
    since: 3,
    count: 'SELECT count(*) FROM visitor_salts',
    keyLength: 1,
    select: (a) =>
      `SELECT day, day, salt FROM visitor_salts ${a ? `WHERE ${after(['day'])}` : ''} ORDER BY day LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM visitor_salts',
    columns: 2,
    map: (r) => [formatDay(r[0] as number), r[1]],
    insert: `INSERT INTO visitor_salts (day, salt) SELECT d::date, s FROM unnest($1::text[], $2::text[]) AS x(d, s)
             ON CONFLICT (day) DO UPDATE SET salt = excluded.salt`,
  },
  {
    name: 'visitor_last_session',
    since: 3,
    count: 'SELECT count(*) FROM visitor_last_session',
    keyLength: 2,
    select: (a) =>
      `SELECT l.org, l.visitor, o.org_id, v.visitor_id, l.session_id, l.last_ts
         FROM visitor_last_session l JOIN orgs o ON o.id = l.org JOIN visitors v ON v.id = l.visitor
        ${a ? `WHERE ${after(['l.org', 'l.visitor'])}` : ''} ORDER BY l.org, l.visitor LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM visitor_last_session',
    columns: 4,
    map: (r) => [r[0], r[1], r[2], r[3]],
    insert: `INSERT INTO visitor_last_session (org_id, visitor_id, session_id, last_ms)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[])
             ON CONFLICT (org_id, visitor_id) DO UPDATE SET session_id = excluded.session_id,
               last_ms = excluded.last_ms`,
  },
  {
    name: 'meta',
    count: 'SELECT count(*) FROM meta',
    keyLength: 1,
    select: (a) =>
      `SELECT key, key, value FROM meta ${a ? `WHERE ${after(['key'])}` : ''} ORDER BY key LIMIT ?`,
    targetCount: 'SELECT count(*)::float8 AS n FROM meta',
    columns: 2,
    map: (r) => r,
    insert: `INSERT INTO meta (key, value) SELECT k, v FROM unnest($1::text[], $2::text[]) AS x(k, v)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
  },
];

export const COPIED_TABLES = [...new Set(TABLES.map((t) => t.name))];

export interface CopyOptions {
  /** Rows per chunk (one PostgreSQL transaction each). */
  chunkSize?: number;
  /** Stop after this many chunks in this run (copy in slices; resume by running again). */
  maxChunks?: number;
  /** Copy into a target that already holds rows not copied from this source. */
  allowNonEmpty?: boolean;
  onProgress?: (table: string, copied: number, total: number) => void;
}

export interface TableReport {
  table: string;
  source: number;
  target: number;
}

export interface CopyReport {
  /** False when `maxChunks` stopped the run early: run again to continue. */
  complete: boolean;
  tables: TableReport[];
}

export class CopyError extends Error {
  override name = 'CopyError';
}

const PROGRESS_DDL = `
  CREATE TABLE IF NOT EXISTS store_copy_progress (
    source text NOT NULL,
    table_name text NOT NULL,
    last_key jsonb,
    copied bigint NOT NULL DEFAULT 0,
    done boolean NOT NULL DEFAULT false,
    PRIMARY KEY (source, table_name)
  )`;

/** `sqlite:PATH` → the file, which must exist (never create an empty source by mistake). */
export function sqliteSourcePath(url: string): string {
  if (!url.startsWith('sqlite:')) throw new CopyError('--from must be a sqlite:PATH URL');
  const rest = url.slice('sqlite:'.length).replace(/^\/\//, '');
  if (rest === '' || rest === ':memory:') throw new CopyError('--from must name a SQLite file');
  return resolve(rest);
}

export async function copySqliteToPostgres(
  sourceUrl: string,
  target: PostgresEventStore,
  options: CopyOptions = {},
): Promise<CopyReport> {
  const path = sqliteSourcePath(sourceUrl);
  const chunkSize = options.chunkSize ?? 5_000;
  let budget = options.maxChunks ?? Number.POSITIVE_INFINITY;
  let src: Database.Database;
  try {
    src = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new CopyError(`cannot open ${path}: ${(err as Error).message}`);
  }
  try {
    const version = Number(src.pragma('user_version', { simple: true }));
    if (!SQLITE_SCHEMA_VERSIONS.includes(version)) {
      throw new CopyError(
        `the SQLite schema is at version ${version}; this copier reads versions ${SQLITE_SCHEMA_VERSIONS.join(', ')}` +
          (version === 0 ? ' (is this an analytics database?)' : ' (update the copier with the new schema)'),
      );
    }
    const pool = target.pool;
    await pool.query(PROGRESS_DDL);
    const progress = new Map(
      (
        await pool.query<{ table_name: string; last_key: unknown[] | null; copied: string; done: boolean }>(
          'SELECT table_name, last_key, copied, done FROM store_copy_progress WHERE source = $1',
          [path],
        )
      ).rows.map((r) => [
        r.table_name,
        { ...r, last_key: r.last_key === null ? null : decodeKey(r.last_key) },
      ]),
    );
    if (progress.size === 0 && !options.allowNonEmpty) {
      const { rows } = await pool.query<{ n: number }>(
        'SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM organizations) AS n',
      );
      if (Number(rows[0]?.n) > 0) {
        throw new CopyError(
          'the target already holds events or organizations that were not copied from this source; ' +
            'copy into an empty database or schema (or pass --allow-non-empty to merge)',
        );
      }
    }

    // One snapshot of the source for the whole run.
    src.exec('BEGIN');
    const reports: TableReport[] = [];
    let complete = true;
    const tables = TABLES.filter((t) => (t.since ?? 1) <= version && version <= (t.until ?? version));
    if (src.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'meta'").get()) {
      if (version >= 3 && src.prepare("SELECT 1 FROM meta WHERE key = 'backfill_visitors'").get()) {
        throw new CopyError(
          'the source is still filling the visitor columns of its older events (it does so in the background ' +
            'while a server runs on it); let a server finish that, then copy',
        );
      }
    }
    for (const spec of tables) {
      const total = Number((src.prepare(spec.count).raw(true).get() as [number])[0]);
      const state = progress.get(spec.name);
      let key: Key | null = state?.last_key ?? null;
      let copied = Number(state?.copied ?? 0);
      let done = state?.done ?? false;
      const first = src.prepare(spec.select(false, version)).raw(true);
      const next = src.prepare(spec.select(true, version)).raw(true);
      while (!done) {
        if (budget <= 0) {
          complete = false;
          break;
        }
        budget--;
        const rows = (
          key === null ? first.all(chunkSize) : next.all(...keyParams(key), chunkSize)
        ) as Value[][];
        const last = rows[rows.length - 1];
        const nextKey = last ? last.slice(0, spec.keyLength) : key;
        done = rows.length < chunkSize;
        await writeChunk(target, spec, rows, path, nextKey, copied + rows.length, done);
        key = nextKey;
        copied += rows.length;
        options.onProgress?.(spec.name, copied, total);
      }
      if (!done) break;
    }
    src.exec('COMMIT');

    if (!complete) return { complete, tables: reports };
    for (const spec of tables) {
      const source = Number((src.prepare(spec.count).raw(true).get() as [number])[0]);
      const { rows } = await pool.query<{ n: number }>(spec.targetCount);
      reports.push({ table: spec.name, source, target: rows[0]!.n });
    }
    const wrong = reports.filter((r) => r.source !== r.target);
    if (wrong.length > 0 && !options.allowNonEmpty) {
      throw new CopyError(
        `row counts differ after the copy: ${wrong.map((r) => `${r.table} ${r.source} → ${r.target}`).join(', ')}`,
      );
    }
    return { complete, tables: reports };
  } finally {
    if (src.inTransaction) src.exec('ROLLBACK');
    src.close();
  }
}

/** Write one chunk and its progress in one transaction. */
async function writeChunk(
  target: PostgresEventStore,
  spec: TableSpec,
  rows: Value[][],
  source: string,
  key: Key | null,
  copied: number,
  done: boolean,
): Promise<void> {
  const columns: unknown[][] = Array.from({ length: spec.columns }, () => new Array(rows.length));
  rows.forEach((row, i) => {
    const values = spec.map(row.slice(spec.keyLength));
    for (let c = 0; c < spec.columns; c++) columns[c]![i] = values[c];
  });
  if (spec.name === 'events' && rows.length > 0) {
    await target.preparePartitions(columns[4] as number[]);
  }
  await inTransaction(target.pool, async (client) => {
    if (rows.length > 0) await client.query(spec.insert, columns);
    await client.query(
      `INSERT INTO store_copy_progress (source, table_name, last_key, copied, done) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (source, table_name) DO UPDATE
         SET last_key = excluded.last_key, copied = excluded.copied, done = excluded.done`,
      [source, spec.name, key === null ? null : JSON.stringify(encodeKey(key)), copied, done],
    );
  });
}
